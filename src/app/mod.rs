//! The room's state and the one function that changes it. `update(&mut App, Action)` returns
//! `Effect`s for the runtime to perform; it needs no terminal, network or disk, so tests drive
//! it directly. Views read `App` and never write it.

mod account;
mod action;
mod answer;
pub mod arena;
pub mod attach;
pub mod board;
mod browser;
pub mod catalog;
mod copy;
pub mod diff;
mod identity;
mod input;
pub mod layout;
pub mod money;
mod overlay;
pub mod pane;
pub mod picker;
pub mod routing;
mod send;
mod session;
pub mod shootout;
pub mod sources;
pub mod spend;
mod stream;
mod sync;
mod update;
mod vote;

use std::sync::Arc;

use ratatui::layout::Rect;
use tokio::time::Instant;

pub use account::{Account, AccountInfo};
pub use action::{Action, Command, Effect, WorkError};
pub use arena::{ArenaRoom, ArenaSource};
pub use attach::Attached;
pub use board::BoardView;
pub use browser::{Browser, BrowserMode, SessionRow};
pub use catalog::{CatalogState, CatalogUpdate, SharedIndex};
pub use diff::DiffView;
pub use identity::{Identity, blind_label};
pub use input::{History, Prompt};
pub use layout::RoomLayout;
pub use money::{Estimate, Money};
pub use pane::{Answer, AnswerState, CostState, Entry, Pane, Scroll};
pub use picker::{Picker, PickerOutcome};
pub use routing::RoutingForm;
pub use session::SessionMeta;
pub use update::update;

use crate::chat::Cost;
use crate::keymap::Keymap;
use crate::markdown::{Ctx, Highlighter};
use crate::model::ModelRef;
use crate::sanitize::Clean;
use crate::theme::{Theme, Themes};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaneId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendMode {
    All,
    Focused,
}

/// The account's money as the gateway reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Balance {
    /// Credits left on the account (`/credits`), when the key may read them.
    pub credits_left: Option<f64>,
    /// What the key may still spend (`/key` `limit_remaining`), when it has a limit.
    pub key_left: Option<f64>,
}

/// Why the model picker is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelPurpose {
    AddPane,
    Rebind(PaneId),
}

#[derive(Debug, Clone)]
pub enum Overlay {
    None,
    Help,
    /// The catalog picker (add a pane, or change the focused pane's model).
    Picker(Box<Picker>),
    /// The focused pane's routing preferences.
    Routing(Box<RoutingForm>),
    /// Spend per model and provider, speeds, time to first token.
    Spend,
    /// Credits and the key's limit.
    Account,
    /// Saved sessions: filter, open, rename, delete.
    Sessions(Box<Browser>),
    /// Asks for this session's title (a named save).
    Title(Box<Prompt>),
    /// Asks which prompt to go to (Alt+O).
    JumpTo(Box<Prompt>),
    /// The leaderboard from the votes ledger.
    Leaderboard(Box<BoardView>),
    /// Asks for the tags of this round's vote.
    Tag(Box<Prompt>),
    /// Asks for a file to attach to the next prompt (Tab completes).
    AttachPath(Box<attach::PathPrompt>),
    /// Offers a pasted path to a file as an attachment.
    AttachOffer(Box<attach::Offer>),
    /// Some panes cannot take the attachments: send to the others, or cancel.
    AttachConfirm(Box<attach::Confirm>),
    /// Two panes' latest answers compared word by word.
    Diff(Box<DiffView>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Error,
}

impl NoticeLevel {
    /// How long a notice stays in the status bar: long enough to read, an error longer.
    pub fn lasts(self) -> std::time::Duration {
        std::time::Duration::from_secs(match self {
            Self::Info => 6,
            Self::Error => 15,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: Clean,
    pub level: NoticeLevel,
    /// When it was set: a notice goes after `NoticeLevel::lasts`, so none stays stale.
    pub at: Instant,
}

/// Request settings shared by every pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    pub system: Option<String>,
    /// How often a rate-limited request is tried again before giving up.
    pub max_attempts: u8,
    /// Most panes a room holds.
    pub max_panes: usize,
    /// The account-wide data policy: only providers that do not store or train on prompts.
    pub deny_data_collection: bool,
    /// USD a session may spend; a send that could pass it is refused.
    pub session_budget: Option<f64>,
    /// USD all runs may spend in one UTC day.
    pub daily_budget: Option<f64>,
    /// Shortest time between sends; zero turns the guard off (the config's default is 1 s).
    pub min_send_interval: std::time::Duration,
    /// Names of the configured `[endpoints.*]`, for `@name/model` panes.
    pub endpoints: Vec<String>,
    /// Servers of the plain OpenAI dialect (`None`: the default server; `Some(name)`: an
    /// endpoint): routing is not sent to them, and a pane that has some says so.
    pub plain_openai: Vec<Option<String>>,
    /// The default endpoint's catalog is complete (OpenRouter's): models it lacks are refused.
    pub checks_models: bool,
    /// Size caps on attachments, per file and per prompt.
    pub attach_caps: crate::attach::Caps,
    /// How OpenRouter reads PDFs, unless a pane says (`pdf=`); `None`: the gateway decides.
    pub pdf_engine: Option<crate::attach::PdfEngine>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_tokens: 2048,
            temperature: None,
            system: None,
            max_attempts: 3,
            max_panes: 9,
            deny_data_collection: false,
            session_budget: None,
            daily_budget: None,
            min_send_interval: std::time::Duration::ZERO,
            endpoints: Vec::new(),
            plain_openai: Vec::new(),
            checks_models: true,
            attach_caps: crate::attach::Caps::default(),
            pdf_engine: None,
        }
    }
}

pub struct App {
    pub panes: Vec<Pane>,
    /// Panes closed with Alt+W, the latest last: out of view, but their answers and cost stay
    /// in the session (and its spend), and the last one can be brought back.
    pub closed: Vec<Pane>,
    pub focus: usize,
    pub zoom: bool,
    /// Synced scrolling: scrolling the focused pane brings every pane to the same prompt.
    pub sync_scroll: bool,
    pub send_mode: SendMode,
    pub prompt: Prompt,
    /// Files waiting to go with the next prompt (chips in the prompt box).
    pub attached: Attached,
    pub history: History,
    pub overlay: Overlay,
    pub keymap: Keymap,
    /// The key shown in collapsed reasoning headers (looked up once: views run every frame).
    pub reasoning_key: Option<String>,
    pub settings: Settings,
    pub account: Account,
    pub catalog: CatalogState,
    pub money: Money,
    pub notice: Option<Notice>,
    pub area: Rect,
    pub layout: RoomLayout,
    /// Advances on every tick while something animates.
    pub spinner: usize,
    /// First row of the help overlay in view (it scrolls on short terminals).
    pub help_scroll: usize,
    /// The help was opened by typing `?` on the empty prompt: typing on closes it and starts
    /// a prompt with `?` (a prompt may start with one).
    pub help_typed: bool,
    /// Who this room is on disk.
    pub session: SessionMeta,
    /// Why the last save failed, until one succeeds (shown in the status bar).
    pub save_error: Option<Clean>,
    /// The themes to cycle through; answers are rendered in the current one.
    themes: Themes,
    /// Code highlighting, once the runtime has loaded it (code is plain until then).
    highlighter: Option<Arc<Highlighter>>,
    /// Saves asked for, handed to the runtime and written (see `session`).
    saves: session::Saves,
    /// Records of settled answers, shared between snapshots (see `snapshot`).
    saved_answers: std::collections::HashMap<RequestId, std::sync::Arc<crate::store::AnswerRecord>>,
    next_id: u64,
    quit: bool,
    /// Quit was asked while answers streamed; asking again quits.
    quit_armed: bool,
    /// Which code block the last Alt+Shift+C copied (the next press takes an older one).
    code_cursor: Option<copy::CodeCursor>,
    dirty: bool,
    /// A blind round: every model's identity is hidden on screen (see `identity`).
    blind: bool,
    /// Rounds, votes and blind mode (see `arena`).
    pub arena: ArenaRoom,
}

impl App {
    pub fn new(models: &[ModelRef], keymap: Keymap, settings: Settings) -> Self {
        let mut app = Self {
            panes: Vec::new(),
            closed: Vec::new(),
            focus: 0,
            zoom: false,
            sync_scroll: false,
            send_mode: SendMode::All,
            // `sync_prompt_hint` writes the placeholder, in the keys bound, after every update.
            prompt: Prompt::new(""),
            attached: Attached::default(),
            history: History::default(),
            overlay: Overlay::None,
            reasoning_key: keymap.label_for(Command::ToggleReasoning),
            keymap,
            settings,
            account: Account::default(),
            catalog: CatalogState::default(),
            money: Money::default(),
            notice: None,
            area: Rect::new(0, 0, 80, 24),
            layout: RoomLayout::default(),
            spinner: 0,
            help_scroll: 0,
            help_typed: false,
            session: SessionMeta::new(),
            save_error: None,
            themes: Themes::builtin(crate::theme::ColorDepth::TrueColor),
            highlighter: None,
            saves: session::Saves::default(),
            saved_answers: std::collections::HashMap::new(),
            next_id: 1,
            quit: false,
            quit_armed: false,
            code_cursor: None,
            dirty: true,
            blind: false,
            arena: ArenaRoom::default(),
        };
        for model in models {
            let id = app.fresh_pane_id();
            app.panes.push(Pane::new(id, model.clone()));
        }
        app.relayout();
        update::sync_prompt_hint(&mut app);
        app
    }

    fn fresh_pane_id(&mut self) -> PaneId {
        self.next_id += 1;
        PaneId(self.next_id)
    }

    fn fresh_request_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// A frame was drawn. The room stays dirty while an answer is being rendered again for a
    /// grammar that compiled (a step per frame).
    pub fn mark_drawn(&mut self) {
        self.dirty = self.highlighter.as_ref().is_some_and(|h| h.wants_frame());
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub fn focused(&self) -> Option<&Pane> {
        self.panes.get(self.focus)
    }

    pub fn pane_index(&self, id: PaneId) -> Option<usize> {
        self.panes.iter().position(|p| p.id == id)
    }

    /// The panes a send in `mode` goes to.
    pub fn targets(&self, mode: SendMode) -> Vec<usize> {
        match mode {
            SendMode::All => (0..self.panes.len()).collect(),
            SendMode::Focused => (self.focus < self.panes.len())
                .then_some(self.focus)
                .into_iter()
                .collect(),
        }
    }

    pub fn streaming_count(&self) -> usize {
        self.panes.iter().filter(|p| p.is_live()).count()
    }

    /// Whether a tick is needed: something on screen moves by itself.
    pub fn animating(&self) -> bool {
        // A notice needs ticks too, to go when its time is up.
        self.streaming_count() > 0 || self.notice.is_some()
    }

    /// The session's spend over every pane, and how many answers' costs are still pending.
    pub fn spend(&self) -> (Cost, usize) {
        // A closed pane's answers were paid for all the same.
        let all = self.panes.iter().chain(&self.closed);
        all.fold((Cost::ZERO, 0), |(c, n), p| {
            let (pc, pn) = p.spend();
            (c + pc, n + pn)
        })
    }

    /// Recomputes the layout and gives each pane its width; what comes into view is rendered
    /// at the end of `update` (`render_visible`).
    pub fn relayout(&mut self) {
        let zoomed = self.zoom.then_some(self.focus);
        let text_width = self.area.width.saturating_sub(2);
        // The chips take a row of their own above the text.
        let chips = usize::from(!self.attached.is_empty());
        let rows = u16::try_from(self.prompt.rows_at(text_width) + chips).unwrap_or(u16::MAX);
        self.layout = layout::compute(self.area, self.panes.len(), zoomed, rows);
        for (pane, rect) in self.panes.iter_mut().zip(&self.layout.panes) {
            let inner = layout::inner(*rect);
            // Hidden panes (zoomed out of view) keep their rows for when they come back.
            if inner.width > 0 {
                pane.set_width(inner.width);
                pane.height = inner.height;
            }
        }
        self.dirty = true;
    }

    /// Renders, in every pane, the entries the next frame can show that are not yet rendered
    /// for its width, theme and highlighter. Cheap when nothing changed; `update` calls it
    /// after every action that can reveal entries, and the runtime before every frame (a
    /// streamed token only appends to its answer's text, so a live answer's new text is
    /// rendered here, once per frame, whatever the token rate).
    pub fn render_visible(&mut self) {
        self.render_in_view(false);
    }

    /// `render_visible` for a frame about to be drawn: it also gets the frame's allowance for
    /// rendering again what waited for a grammar.
    pub fn render_frame(&mut self) {
        self.render_in_view(true);
    }

    /// Between frames: the complete lines streams have brought are taken in now (the blocks
    /// they finish rendered, an open code fence fed), so the next frame renders only the
    /// unfinished blocks' tails (`MarkdownText::settle`). The runtime calls it after every
    /// 256 stream events it takes.
    pub fn settle_streams(&mut self) {
        let cx = Ctx {
            theme: self.themes.current(),
            highlighter: self.highlighter.as_deref(),
        };
        for pane in &mut self.panes {
            pane.settle_live(&cx);
        }
    }

    fn render_in_view(&mut self, frame: bool) {
        if let Some(h) = self.highlighter.as_deref().filter(|_| frame) {
            h.new_frame(self.streaming_count() > 0);
        }
        let cx = Ctx {
            theme: self.themes.current(),
            highlighter: self.highlighter.as_deref(),
        };
        for pane in &mut self.panes {
            pane.ensure_rendered(&cx);
        }
    }

    /// The theme everything is drawn in.
    pub fn theme(&self) -> &Theme {
        self.themes.current()
    }

    pub fn themes(&self) -> &Themes {
        &self.themes
    }

    /// Replaces the themes (at startup: the built-in ones, the person's, the chosen one).
    /// Called outside `update`, so it renders what is in view itself.
    pub fn set_themes(&mut self, themes: Themes) {
        self.themes = themes;
        self.render_visible();
        self.dirty = true;
    }

    pub fn highlighter(&self) -> Option<&Highlighter> {
        self.highlighter.as_deref()
    }

    pub fn set_notice(&mut self, level: NoticeLevel, text: impl Into<Clean>) {
        self.notice = Some(Notice {
            text: text.into(),
            level,
            at: Self::now(),
        });
    }

    /// Clears a notice that has been up long enough; `true` when one went.
    pub fn expire_notice(&mut self) -> bool {
        let now = Self::now();
        let expired = self
            .notice
            .as_ref()
            .is_some_and(|n| now.saturating_duration_since(n.at) >= n.level.lasts());
        if expired {
            self.notice = None;
        }
        expired
    }

    /// Now, from tokio's clock (which tests can pause and advance).
    pub fn now() -> Instant {
        Instant::now()
    }
}
