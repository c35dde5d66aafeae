//! The room as a saved session and back. A snapshot marks answers still streaming as
//! `interrupted`: if the app dies before the next save, that is what they were.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::pane::{Answer, AnswerState, CostState, Entry};
use super::{App, Effect, Settings};
use crate::clock;
use crate::model::ModelRefError;
use crate::record;
use crate::sanitize::Clean;
use crate::store::{AnswerRecord, FORMAT_VERSION, Finish, PaneRecord, Params, Session, Turn};
use crate::text::WrappedText;

/// Where the room's saves stand. `update` asks for a save by returning `Effect::Save` with a
/// number; the saver reports back the number it wrote. A save is in flight while the last
/// number asked for is above the last one written.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Saves {
    /// The runtime has a saver (without one, nothing is asked for).
    enabled: bool,
    /// A save was asked for by this action (coalesced into one effect at its end).
    due: bool,
    last_at: Option<tokio::time::Instant>,
    requested: u64,
    written: u64,
}

/// Who this room is on disk.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionMeta {
    pub id: String,
    /// Set by a named save; otherwise the title is the first prompt.
    pub title: Option<String>,
    pub created_at: String,
    /// Why this room went on as a copy of the session it had open, if it did.
    pub copied_because: Option<String>,
}

impl SessionMeta {
    pub fn new() -> Self {
        let now = clock::unix_now();
        Self {
            id: crate::store::new_id(now),
            title: None,
            created_at: clock::rfc3339(now),
            copied_because: None,
        }
    }
}

impl Default for SessionMeta {
    fn default() -> Self {
        Self::new()
    }
}

/// An answer as saved: a live one is what it would be if the app died now (interrupted).
fn answer_record(a: &Answer) -> AnswerRecord {
    let finish = match &a.state {
        AnswerState::Complete => Finish::Complete,
        AnswerState::Stopped => Finish::Stopped,
        AnswerState::Failed => Finish::Failed,
        AnswerState::Interrupted
        | AnswerState::Waiting
        | AnswerState::Streaming
        | AnswerState::Retrying { .. } => Finish::Interrupted,
    };
    record::answer_record(&a.reply, finish, a.cost)
}

impl App {
    /// The runtime saves this room (it has somewhere to save to).
    pub fn enable_saves(&mut self) {
        self.saves.enabled = true;
    }

    /// Asks for a save of the session soon: one at the end of this action, however many
    /// changes asked for it.
    pub fn request_save(&mut self) {
        self.saves.due = true;
    }

    /// Whether a save was asked for and not yet written.
    pub fn saving(&self) -> bool {
        self.saves.requested > self.saves.written
    }

    /// While answers stream, a save every few seconds keeps what arrived if the app is killed.
    pub(super) fn periodic_save(&mut self) {
        let every = Duration::from_secs(2);
        if self.streaming_count() > 0 && self.saves.last_at.is_none_or(|t| t.elapsed() >= every) {
            self.saves.due = true;
        }
    }

    /// The save this action asked for, if any.
    pub(super) fn due_save(&mut self) -> Option<Effect> {
        if !std::mem::take(&mut self.saves.due) || !self.saves.enabled {
            return None;
        }
        Some(self.save_now())
    }

    /// A save of the room as it is now, numbered so the report of its writing can be matched.
    pub(super) fn save_now(&mut self) -> Effect {
        self.saves.last_at = Some(Self::now());
        if self.saves.enabled {
            self.saves.requested += 1;
        }
        Effect::Save {
            seq: self.saves.requested,
            session: Box::new(self.snapshot()),
        }
    }

    /// The saver wrote snapshot `seq` (or failed to).
    pub(super) fn on_saved(&mut self, seq: u64, result: Result<(), super::WorkError>) {
        self.saves.written = self.saves.written.max(seq);
        match result {
            Ok(()) => self.save_error = None,
            // The room carries on; the next save tries again.
            Err(e) => self.save_error = Some(Clean::line(&e.to_string())),
        }
        self.mark_dirty();
    }

    /// The session's title: the named one, else the first prompt (shortened).
    pub fn title(&self) -> String {
        if let Some(t) = &self.session.title {
            return t.clone();
        }
        let first = self.panes.iter().chain(&self.closed).find_map(|p| {
            p.entries.iter().find_map(|e| match e {
                Entry::Prompt { text, .. } => Some(text.as_str()),
                Entry::Answer(_) => None,
            })
        });
        match first {
            Some(text) => {
                let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let mut t: String = line.chars().take(60).collect();
                if line.chars().count() > 60 {
                    t.push('…');
                }
                t
            }
            None => "untitled".to_owned(),
        }
    }

    /// The whole room as a session record. Settled answers (finished, cost final) never change
    /// again, so their records are built once and shared with every later snapshot: the UI
    /// thread then copies pointers, not the transcript.
    pub fn snapshot(&mut self) -> Session {
        let mut cache = std::mem::take(&mut self.saved_answers);
        let mut kept = HashMap::with_capacity(cache.len());
        let params = Params {
            max_tokens: self.settings.max_tokens,
            temperature: self.settings.temperature,
            system: self.settings.system.clone(),
        };
        let panes = super::arena::snapshot_order(self)
            .into_iter()
            .map(|(p, closed)| PaneRecord {
                model: p.model.to_string(),
                closed,
                routing: p.routing.clone(),
                settings: p.settings.clone(),
                params: params.clone(),
                turns: p
                    .entries
                    .iter()
                    .map(|e| match e {
                        Entry::Prompt {
                            text,
                            send,
                            attachments,
                            ..
                        } => Turn::User {
                            content: text.clone(),
                            send: *send,
                            attachments: attachments.clone(),
                        },
                        Entry::Answer(a) => {
                            let settled = !a.state.is_live() && a.cost != CostState::Pending;
                            if !settled {
                                return Turn::Assistant(Arc::new(answer_record(a)));
                            }
                            let record = cache
                                .remove(&a.request)
                                .unwrap_or_else(|| Arc::new(answer_record(a)));
                            kept.insert(a.request, record.clone());
                            Turn::Assistant(record)
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut s = Session {
            version: FORMAT_VERSION,
            id: self.session.id.clone(),
            title: self.title(),
            created_at: self.session.created_at.clone(),
            updated_at: clock::rfc3339(clock::unix_now()),
            panes,
            totals: crate::store::Totals::default(),
            arena: super::arena::record(self),
        };
        s.retotal();
        self.saved_answers = kept;
        s
    }

    /// Goes on as the copy `id` that the saver made of this session, and says why.
    pub fn moved_to(&mut self, id: String, title: String, why: String) {
        self.session.id = id;
        self.session.title = Some(title);
        self.session.copied_because = Some(why.clone());
        self.set_notice(super::NoticeLevel::Error, why);
        self.mark_dirty();
    }

    /// A message from the store's background work: in the session browser when it is open,
    /// else in the status bar.
    pub fn store_notice(&mut self, error: bool, text: String) {
        if let super::Overlay::Sessions(b) = &mut self.overlay {
            b.message = Some(crate::sanitize::Clean::line(&text));
        } else {
            let level = if error {
                super::NoticeLevel::Error
            } else {
                super::NoticeLevel::Info
            };
            self.set_notice(level, text);
        }
        self.mark_dirty();
    }

    /// A room reopened from `session`, and the effects that finish its business (costs still
    /// pending when it was saved are reconciled now). A session file is an edge like the
    /// command line: a model in it that cannot be sent refuses the whole file, which is left
    /// as it is.
    pub fn from_session(
        session: &Session,
        keymap: crate::keymap::Keymap,
        mut settings: Settings,
    ) -> Result<(Self, Vec<Effect>), ModelRefError> {
        if let Some(params) = session.panes.first().map(|p| &p.params) {
            if params.max_tokens > 0 {
                settings.max_tokens = params.max_tokens;
            }
            settings.temperature = params.temperature.or(settings.temperature);
            settings.system = params.system.clone().or(settings.system);
        }
        let models = crate::model::parse_all(&session.models())?;
        let mut app = App::new(&models, keymap, settings);
        app.session = SessionMeta {
            id: session.id.clone(),
            title: Some(session.title.clone()).filter(|t| !t.is_empty() && *t != "untitled"),
            created_at: session.created_at.clone(),
            copied_because: None,
        };
        let mut fx = Vec::new();
        for (i, record) in session.panes.iter().enumerate() {
            let mut entries = Vec::with_capacity(record.turns.len());
            for turn in &record.turns {
                match turn {
                    // Wrapped, like answers, when it comes into view.
                    Turn::User {
                        content,
                        send,
                        attachments,
                    } => entries.push(Entry::Prompt {
                        text: content.clone(),
                        lines: WrappedText::default(),
                        send: *send,
                        attachments: attachments.clone(),
                    }),
                    Turn::Assistant(a) => {
                        let request = app.fresh_request_id();
                        let answer = restore_answer(a, request);
                        // A settled answer never changes, so saves reuse the record as it was
                        // read: nothing is copied, and the file keeps what it said.
                        let settled = !answer.state.is_live() && answer.cost != CostState::Pending;
                        if settled {
                            app.saved_answers.insert(request, a.clone());
                        }
                        if let (CostState::Pending, Some(id)) =
                            (answer.cost, &answer.reply.generation_id)
                        {
                            fx.push(Effect::Reconcile {
                                pane: app.panes[i].id,
                                request,
                                generation_id: id.clone(),
                            });
                        }
                        entries.push(Entry::Answer(Box::new(answer)));
                    }
                }
            }
            app.panes[i].entries = entries;
            app.panes[i].routing = record.routing.clone();
            app.panes[i].settings = record.settings.clone();
        }
        // Up recalls the session's prompts in the order they were sent, a broadcast once and
        // a focused send in its place, as a shell's history would.
        for prompt in session.prompts() {
            app.history.push(prompt);
        }
        let ids: Vec<super::PaneId> = app.panes.iter().map(|p| p.id).collect();
        super::arena::restore(&mut app, &session.arena, &ids);
        // Closed panes stay closed, their answers kept for the session's record.
        for i in (0..session.panes.len()).rev() {
            if session.panes[i].closed {
                let pane = app.panes.remove(i);
                app.closed.insert(0, pane);
            }
        }
        app.focus = 0;
        super::catalog::refresh_served(&mut app);
        app.relayout();
        Ok((app, fx))
    }
}

/// An answer as saved; its rows are rendered at the room's first layout.
fn restore_answer(a: &AnswerRecord, request: super::RequestId) -> Answer {
    let state = match a.finish {
        Finish::Complete => AnswerState::Complete,
        Finish::Stopped => AnswerState::Stopped,
        Finish::Interrupted => AnswerState::Interrupted,
        Finish::Failed => AnswerState::Failed,
    };
    let reply = record::restore_reply(a, App::now());
    Answer::new(request, reply, state, record::restore_cost(a))
}
