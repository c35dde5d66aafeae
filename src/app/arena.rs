//! The arena's side of the room: blind rounds (fresh panes for each prompt, shuffled and named
//! A, B… until the vote), where their models come from (`-m` or the config's pool), the
//! self-naming warning, and the votes as the session keeps them. Voting itself is in `vote.rs`;
//! the round logic (labels, shuffling, outcomes) is `crate::arena::round`, which does no I/O.

use super::pane::{Entry, Pane};
use super::{App, Effect, NoticeLevel, PaneId, SendMode, stream};
use crate::arena::Vote;
use crate::arena::round::{Arena, PairDraw};
use crate::model::ModelRef;
use crate::sanitize::Clean;
use crate::store::{ArenaRecord, HiddenPane, TurnRef, VoteRecord};

/// Where a blind round's models come from.
#[derive(Debug)]
pub enum Source {
    /// The same models every round, in a new order (`-m`, or the panes when F6 was pressed).
    Models(Vec<ModelRef>),
    /// Two models a round from the `[arena] pool`, each pair as evenly as possible.
    Pool(Box<PairDraw>),
}

impl Source {
    fn next(&mut self) -> Vec<ModelRef> {
        match self {
            Self::Models(m) => m.clone(),
            // The pool was checked to parse when the room opened.
            Self::Pool(draw) => draw
                .next_pair()
                .iter()
                .filter_map(|m| ModelRef::parse(m).ok())
                .collect(),
        }
    }
}

/// A vote this session holds: the vote, and the answers it judged (pane, entry) in label order.
#[derive(Debug, Clone)]
pub struct CastVote {
    pub vote: Vote,
    pub answers: Vec<(PaneId, usize)>,
    /// The ledger has it on disk (its append was synced).
    pub recorded: bool,
    /// Its append failed (the notice said why); it is in the session only.
    pub unrecorded: bool,
}

/// The room's arena state. Every room has one: a normal room's rounds are open, and a vote on
/// them is recorded as not blind.
#[derive(Debug)]
pub struct ArenaRoom {
    pub rounds: Arena,
    pub(super) source: Option<Source>,
    /// The current round's answers, by the round's pane index: pane and answer entry.
    pub(super) targets: Vec<(PaneId, usize)>,
    /// The current round's prompt (hashed into the vote).
    pub(super) prompt: String,
    /// Tags given with the key for the current round.
    pub tags: Vec<String>,
    /// Votes on this session's rounds (undone ones removed).
    pub votes: Vec<CastVote>,
    /// The round's answers already looked at for self-naming, by round pane index.
    checked: Vec<bool>,
    /// Votes of the session as it was opened, kept as they were.
    pub(super) restored: Vec<CastVote>,
}

impl Default for ArenaRoom {
    fn default() -> Self {
        Self::new(false, seed())
    }
}

/// A seed that differs between runs (the order of the panes must not be guessable).
fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    #[allow(clippy::cast_possible_truncation)]
    let low = nanos as u64;
    low ^ u64::from(std::process::id()).rotate_left(32)
}

impl ArenaRoom {
    pub fn new(blind_mode: bool, seed: u64) -> Self {
        Self {
            rounds: Arena::new(blind_mode, seed),
            source: None,
            targets: Vec::new(),
            prompt: String::new(),
            tags: Vec::new(),
            votes: Vec::new(),
            checked: Vec::new(),
            restored: Vec::new(),
        }
    }

    pub fn blind_mode(&self) -> bool {
        self.rounds.blind_mode
    }

    /// The current round has answers to vote on.
    pub fn has_round(&self) -> bool {
        !self.targets.is_empty()
    }

    /// The current round's pane index of `pane`.
    pub(super) fn round_index(&self, pane: PaneId) -> Option<usize> {
        self.targets.iter().position(|(id, _)| *id == pane)
    }
}

/// Where an arena room's models come from, as the command line and config give them.
#[derive(Debug, Clone)]
pub enum ArenaSource {
    Models(Vec<ModelRef>),
    Pool {
        pool: Vec<String>,
        earlier: Vec<Vote>,
    },
}

impl App {
    /// A room in blind mode (`modelroom arena`): panes named A, B… until each round's vote.
    pub fn new_arena(
        source: ArenaSource,
        keymap: crate::keymap::Keymap,
        settings: super::Settings,
        seed: u64,
    ) -> Result<Self, String> {
        let mut source = match source {
            ArenaSource::Models(models) if models.len() < 2 => {
                return Err("the arena compares two or more models: give -m twice, or set [arena] pool in config.toml".into());
            }
            ArenaSource::Models(models) => Source::Models(models),
            ArenaSource::Pool { pool, earlier } => {
                crate::model::parse_all(&pool).map_err(|e| format!("[arena] pool: {e}"))?;
                Source::Pool(Box::new(PairDraw::new(&pool, &earlier, seed ^ 0x9e37)?))
            }
        };
        let first = source.next();
        let mut app = App::new(&first, keymap, settings);
        app.arena = ArenaRoom::new(true, seed);
        app.arena.source = Some(source);
        let help = app.keymap.name(super::Command::Help);
        app.prompt = super::Prompt::new(&format!(
            "Ask the arena… the answers are named A, B… until you vote ({help} lists the keys)"
        ));
        app.set_blind(true);
        Ok(app)
    }
}

/// Before a send: in blind mode a new round gets fresh panes (the last round's are closed, so
/// no earlier answer can tell a model), and it goes to every pane.
pub(super) fn before_send(app: &mut App, mode: SendMode, fx: &mut Vec<Effect>) -> SendMode {
    if !app.arena.blind_mode() {
        return mode;
    }
    stream::stop_all(app, fx);
    let fresh = app.panes.iter().all(|p| p.entries.is_empty()) && !app.panes.is_empty();
    let models = match app.arena.source.as_mut() {
        // The panes of a round not yet asked (the first, or one that was refused) are used.
        Some(_) if fresh => return SendMode::All,
        Some(source) => source.next(),
        None => app.panes.iter().map(|p| p.model.clone()).collect(),
    };
    for mut pane in std::mem::take(&mut app.panes) {
        if !pane.entries.is_empty() {
            pane.blind = false;
            app.closed.push(pane);
        }
    }
    for model in models {
        let id = app.fresh_pane_id();
        let mut pane = Pane::new(id, model);
        pane.blind = true;
        app.panes.push(pane);
    }
    app.focus = 0;
    app.zoom = false;
    app.set_blind(true);
    app.relayout();
    SendMode::All
}

/// After a send to `targets`: a new round. A blind one shuffles the panes, so label A is the
/// first pane on screen, and hides their names.
pub(super) fn after_send(app: &mut App, targets: &[usize], text: &str) {
    let blind = app.arena.blind_mode();
    let answers: Vec<(PaneId, usize)> = targets
        .iter()
        .map(|&i| {
            (
                app.panes[i].id,
                app.panes[i].entries.len().saturating_sub(1),
            )
        })
        .collect();
    let round = app.arena.rounds.start_round(answers.len(), blind);
    if blind {
        let order: Vec<usize> = (0..answers.len())
            .filter_map(|k| round.pane_of(k))
            .collect();
        let mut old: Vec<Option<Pane>> = std::mem::take(&mut app.panes)
            .into_iter()
            .map(Some)
            .collect();
        app.panes = order.iter().filter_map(|&j| old[j].take()).collect();
        app.panes.extend(old.into_iter().flatten());
        app.set_blind(true);
        app.relayout();
    }
    app.arena.targets = answers;
    app.arena.checked = vec![false; app.arena.targets.len()];
    text.clone_into(&mut app.arena.prompt);
    app.arena.tags.clear();
}

/// Looks at each answer of the round that has ended for its model's name; one that names it
/// gets a warning in its pane, and the round's vote will not count as blind.
pub(super) fn check_names(app: &mut App) {
    for j in 0..app.arena.targets.len() {
        if app.arena.checked.get(j).copied().unwrap_or(true) {
            continue;
        }
        let (id, entry) = app.arena.targets[j];
        let Some(i) = app.pane_index(id) else {
            continue;
        };
        let pane = &app.panes[i];
        let Some(Entry::Answer(a)) = pane.entries.get(entry) else {
            continue;
        };
        if a.state.is_live() {
            continue;
        }
        app.arena.checked[j] = true;
        let (text, model) = (a.reply.content.to_string(), pane.model.to_string());
        let provider = a.reply.provider.as_ref().map(ToString::to_string);
        if app
            .arena
            .rounds
            .check_answer(j, &text, &model, provider.as_deref())
        {
            if let Some(warning) = app.arena.rounds.round().and_then(|r| r.warning(j)) {
                app.panes[i].note = Some(Clean::line(&format!("⚠ {warning}")));
                app.mark_dirty();
            }
        }
    }
}

/// F6: blind rounds on or off. On, the next prompt starts a blind round with the panes'
/// models; off, the names show again (a vote on the round then is not blind).
pub(super) fn toggle_blind(app: &mut App) {
    if app.arena.blind_mode() {
        app.arena.rounds.blind_mode = false;
        app.arena.rounds.reveal();
        app.set_blind(false);
        app.set_notice(
            NoticeLevel::Info,
            "blind rounds off: the names show, and votes count as not blind",
        );
        return;
    }
    if app.panes.len() < 2 {
        let add = app.keymap.name(super::Command::AddPane);
        app.set_notice(
            NoticeLevel::Error,
            format!("a blind round compares two or more panes: add one with {add}"),
        );
        return;
    }
    let models: Vec<ModelRef> = app.panes.iter().map(|p| p.model.clone()).collect();
    app.arena.rounds.blind_mode = true;
    app.arena.source = Some(Source::Models(models));
    app.set_notice(
        NoticeLevel::Info,
        "blind rounds on: the next prompt goes to fresh panes, shuffled and named A, B… until you vote",
    );
}

/// A stopped answer's cost can come back after its pane was closed (a new round closes the
/// last one's panes): the pane is brought in for the reconciliation and put back.
pub(super) fn reconcile_closed(
    app: &mut App,
    pane: PaneId,
    request: super::RequestId,
    result: Result<crate::api::Generation, crate::api::ApiError>,
    fx: &mut Vec<Effect>,
) {
    let Some(k) = app.closed.iter().position(|p| p.id == pane) else {
        return;
    };
    let closed = app.closed.remove(k);
    app.panes.push(closed);
    stream::on_reconciled(app, pane, request, result, fx);
    if let Some(back) = app.panes.pop() {
        app.closed.insert(k, back);
    }
}

/// The panes in the order a snapshot saves them, each with whether it is closed: open ones
/// first, except in blind mode, where the closed panes are the earlier rounds and go first,
/// so that a reading of the session follows the rounds in order.
pub(super) fn snapshot_order(app: &App) -> Vec<(&Pane, bool)> {
    let open = app.panes.iter().map(|p| (p, false));
    let closed = app.closed.iter().map(|p| (p, true));
    if app.arena.blind_mode() {
        closed.chain(open).collect()
    } else {
        open.chain(closed).collect()
    }
}

/// The arena part of a snapshot: the votes beside the answers they judged, and the panes of
/// a blind round not yet voted on.
pub(super) fn record(app: &App) -> ArenaRecord {
    let order: Vec<PaneId> = snapshot_order(app).iter().map(|(p, _)| p.id).collect();
    let at = |(id, entry): &(PaneId, usize)| {
        order
            .iter()
            .position(|p| p == id)
            .map(|pane| TurnRef { pane, turn: *entry })
    };
    let votes = app
        .arena
        .restored
        .iter()
        .chain(&app.arena.votes)
        .filter_map(|v| {
            let answers: Option<Vec<TurnRef>> = v.answers.iter().map(at).collect();
            Some(VoteRecord {
                vote: v.vote.clone(),
                answers: answers?,
            })
        })
        .collect();
    let hidden = app
        .panes
        .iter()
        .enumerate()
        .filter(|(_, p)| p.blind)
        .filter_map(|(i, p)| {
            Some(HiddenPane {
                pane: order.iter().position(|id| *id == p.id)?,
                label: p.identity(i).model().into_string(),
            })
        })
        .collect();
    ArenaRecord { votes, hidden }
}

/// A reopened session's votes, tied to its panes (`panes` in the session's order).
pub(super) fn restore(app: &mut App, record: &ArenaRecord, panes: &[PaneId]) {
    app.arena.restored = record
        .votes
        .iter()
        .filter_map(|v| {
            let answers: Option<Vec<(PaneId, usize)>> = v
                .answers
                .iter()
                .map(|t| panes.get(t.pane).map(|id| (*id, t.turn)))
                .collect();
            Some(CastVote {
                vote: v.vote.clone(),
                answers: answers?,
                recorded: true,
                unrecorded: false,
            })
        })
        .collect();
}
