//! One pane: a model, its conversation, the answer streaming into it, and where it is scrolled.
//! Text is rendered here (in `update`), once per width and theme; views only copy the rows in
//! view.

pub use super::answer::{Answer, AnswerState, CostState, error_text};
use super::{PaneId, RequestId, Settings};
use crate::api::{ChatRequest, Limits};
use crate::chat::{Cost, Message, push_turn};
use crate::markdown::Ctx;
use crate::model::ModelRef;
use crate::sanitize::Clean;
use crate::text::WrappedText;

#[derive(Debug, Clone)]
pub enum Entry {
    /// `send`: the room's number for the send it came with (`Turn::User::send`).
    Prompt {
        text: String,
        lines: WrappedText,
        send: Option<u64>,
        /// Files sent with it (shown as chips under it, sent again with later turns).
        attachments: Vec<crate::attach::Attachment>,
    },
    Answer(Box<Answer>),
}

/// Scroll position. `follow` pins the view to the bottom while an answer grows. Scrolling up
/// unpins it at an anchor, an entry and a row inside it, so new text (or a narrower pane) does
/// not move what the person is reading, and the view never needs the height of the entries
/// above it: a frame costs the same with ten entries or ten thousand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub follow: bool,
    /// The entry at the top of the view when not following.
    pub entry: usize,
    /// Rows of that entry above the view.
    pub row: usize,
}

impl Default for Scroll {
    fn default() -> Self {
        Self {
            follow: true,
            entry: 0,
            row: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pane {
    pub id: PaneId,
    pub model: ModelRef,
    pub entries: Vec<Entry>,
    pub scroll: Scroll,
    /// Text width the entries are wrapped to (the pane's inner width).
    pub width: u16,
    /// Rows the transcript shows (the pane's inner height).
    pub height: u16,
    /// A note about the pane itself, e.g. "model rejected: rebind with Alt+M".
    pub note: Option<Clean>,
    /// OpenRouter routing preferences for this pane's requests.
    pub routing: crate::api::Routing,
    /// This pane's own settings (system prompt, temperature, seed, reasoning…), over the
    /// room's.
    pub settings: crate::pane_settings::PaneSettings,
    /// The model that served the latest answer, when it is not the one asked for (a fallback).
    pub served_instead: Option<Clean>,
    /// Whether reasoning blocks show their text or only a header line.
    pub reasoning_expanded: bool,
    /// The provider this pane was opened pinned to by a shoot-out (`Aurora Cloud · bf16`).
    pub pinned: Option<Clean>,
    /// How far apart the samples of the latest prompt are, once they have all ended (shown
    /// at the pane's foot).
    pub spread: Option<Clean>,
    /// A blind round: the model's identity is hidden on screen (set through `App::set_blind`,
    /// read through `Identity`).
    pub(super) blind: bool,
    /// This pane's model cannot take the attachments waiting to be sent: why.
    pub cannot_take: Option<Clean>,
}

impl Pane {
    pub fn new(id: PaneId, model: ModelRef) -> Self {
        Self {
            id,
            model,
            entries: Vec::new(),
            scroll: Scroll::default(),
            width: 40,
            height: 10,
            note: None,
            routing: crate::api::Routing::default(),
            settings: crate::pane_settings::PaneSettings::default(),
            served_instead: None,
            reasoning_expanded: false,
            spread: None,
            pinned: None,
            blind: false,
            cannot_take: None,
        }
    }

    /// How many answers each prompt gets (the pane's `samples`, at least 1).
    pub fn samples(&self) -> u32 {
        self.settings.samples.unwrap_or(1).max(1)
    }

    /// The answers after the latest prompt: its samples (and any asked again).
    pub fn latest_answers(&self) -> impl Iterator<Item = &Answer> {
        self.entries.iter().rev().map_while(|e| match e {
            Entry::Answer(a) => Some(a.as_ref()),
            Entry::Prompt { .. } => None,
        })
    }

    /// Recomputes the spread of the latest prompt's samples: shown once none is live.
    pub fn refresh_spread(&mut self) {
        let answers: Vec<&Answer> = self.latest_answers().collect();
        if answers.len() < 2 || answers.iter().any(|a| a.state.is_live()) {
            self.spread = None;
            return;
        }
        let samples: Vec<crate::spread::Sample<'_>> = answers
            .iter()
            .rev()
            .map(|a| crate::spread::Sample {
                text: &a.reply.content,
                cost: match a.cost {
                    CostState::Reported(c) => Some(c),
                    CostState::Pending | CostState::Unknown => None,
                },
                duration: a.reply.duration,
            })
            .collect();
        let spread = crate::spread::spread(&samples).map(|s| Clean::line(&s.line()));
        self.spread = spread;
    }

    pub fn answers(&self) -> impl DoubleEndedIterator<Item = &Answer> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Answer(a) => Some(a.as_ref()),
            Entry::Prompt { .. } => None,
        })
    }

    pub fn last_answer(&self) -> Option<&Answer> {
        self.answers().next_back()
    }

    pub fn answer_mut(&mut self, request: RequestId) -> Option<&mut Answer> {
        self.entries.iter_mut().rev().find_map(|e| match e {
            Entry::Answer(a) if a.request == request => Some(a.as_mut()),
            _ => None,
        })
    }

    /// The requests still streaming (or waiting, or retrying): the latest prompt's samples.
    pub fn live_requests(&self) -> Vec<RequestId> {
        self.latest_answers()
            .filter(|a| a.state.is_live())
            .map(|a| a.request)
            .collect()
    }

    pub fn is_live(&self) -> bool {
        self.latest_answers().any(|a| a.state.is_live())
    }

    /// Sum of known costs, and how many answers still have a pending cost.
    pub fn spend(&self) -> (Cost, usize) {
        let mut total = Cost::ZERO;
        let mut pending = 0;
        for a in self.answers() {
            match a.cost {
                CostState::Reported(c) => total += c,
                CostState::Pending => pending += 1,
                CostState::Unknown => {}
            }
        }
        (total, pending)
    }

    /// The provider that served the latest answer that named one (views ask `Identity`).
    pub fn last_provider(&self) -> Option<&str> {
        self.answers()
            .rev()
            .find_map(|a| a.reply.provider.as_deref())
    }

    /// The conversation before entry `upto`: each prompt with its latest answer (a regenerated
    /// answer replaces the earlier one). A prompt whose answer has no text is left out with it:
    /// it never reached the model, and user/assistant turns must alternate.
    pub fn history(&self, upto: usize) -> Vec<Message> {
        let entries = &self.entries[..upto.min(self.entries.len())];
        let mut out = Vec::new();
        let mut i = 0;
        while i < entries.len() {
            let Entry::Prompt {
                text, attachments, ..
            } = &entries[i]
            else {
                i += 1;
                continue;
            };
            let mut latest = None;
            i += 1;
            while let Some(Entry::Answer(a)) = entries.get(i) {
                latest = Some(a);
                i += 1;
            }
            if let Some(a) = latest {
                push_turn(
                    &mut out,
                    user_message(text, attachments),
                    a.reply.to_message(),
                );
            }
        }
        out
    }

    /// The request for an answer at entry index `at`: the conversation before its prompt, then
    /// the prompt, to the pane's endpoint with its routing.
    pub fn chat_for(&self, at: usize, settings: &Settings) -> ChatRequest {
        let prompt_at = self.entries[..at.min(self.entries.len())]
            .iter()
            .rposition(|e| matches!(e, Entry::Prompt { .. }))
            .unwrap_or(0);
        let mut messages = Vec::new();
        if let Some(system) = settings.system.as_ref().filter(|s| !s.trim().is_empty()) {
            messages.push(Message::system(system.clone()));
        }
        messages.extend(self.history(prompt_at));
        if let Some(Entry::Prompt {
            text, attachments, ..
        }) = self.entries.get(prompt_at)
        {
            messages.push(user_message(text, attachments));
        }
        let limits = Limits {
            max_tokens: settings.max_tokens,
            temperature: settings.temperature,
            deny_data_collection: settings.deny_data_collection,
        };
        let mut req = ChatRequest::for_model(&self.model, messages, limits, self.routing.clone());
        req.pdf_engine = settings.pdf_engine;
        req.apply_settings(&self.settings);
        req
    }

    /// Takes a new width. Nothing is rendered here: entries render when they come into view
    /// (`ensure_rendered`), so a resize storm or reopening a long session costs what is seen.
    pub fn set_width(&mut self, width: u16) {
        self.width = width;
    }

    /// Renders entry `i` for the pane's width and `cx`, if it is not already.
    fn render_entry(&mut self, i: usize, cx: &Ctx<'_>) {
        let width = self.width;
        match self.entries.get_mut(i) {
            Some(Entry::Prompt {
                text,
                lines,
                attachments,
                ..
            }) if lines.width() != width => {
                *lines = WrappedText::new(&Clean::text(&shown_prompt(text, attachments)), width);
            }
            Some(Entry::Answer(a)) => a.render(width, cx),
            Some(Entry::Prompt { .. }) | None => {}
        }
    }

    /// `MarkdownText::settle` for the answers still streaming (rows kept up to date at this
    /// pane's width only: an answer out of view waits for the view).
    pub fn settle_live(&mut self, cx: &Ctx<'_>) {
        let width = self.width;
        for entry in self.entries.iter_mut().rev() {
            match entry {
                Entry::Answer(a) if a.state.is_live() => a.text.settle(&a.reply.content, width, cx),
                Entry::Answer(_) => break,
                Entry::Prompt { .. } => {}
            }
        }
    }

    /// Rows of entry `i`, rendered first if need be.
    fn measured(&mut self, i: usize, cx: &Ctx<'_>) -> usize {
        self.render_entry(i, cx);
        self.entries.get(i).map_or(0, |e| self.entry_height(e))
    }

    /// Renders what the view can show: from the anchor down, and the bottom of the transcript
    /// (where the view goes when following, or when the anchor is near the end).
    pub fn ensure_rendered(&mut self, cx: &Ctx<'_>) {
        let height = usize::from(self.height.max(1));
        let n = self.entries.len();
        if !self.scroll.follow {
            let need = height + self.scroll.row;
            let mut rows = 0;
            let mut i = self.scroll.entry.min(n);
            while i < n && rows < need {
                rows += self.measured(i, cx);
                i += 1;
            }
        }
        let mut rows = 0;
        for i in (0..n).rev() {
            rows += self.measured(i, cx);
            if rows >= height {
                break;
            }
        }
        self.colour_view(cx);
    }

    /// Highlights the code the view is about to show that was left plain while it was out of
    /// sight (`MarkdownText::colour`): the rows of each answer in view, from where the view
    /// starts, as `ui::pane` walks them.
    fn colour_view(&mut self, cx: &Ctx<'_>) {
        let height = usize::from(self.height.max(1));
        let (first, mut skip) = self.view_start();
        let mut left = height;
        let expanded = self.reasoning_expanded;
        let mut shown = Vec::new();
        for k in first..self.entries.len() {
            if left == 0 {
                break;
            }
            let h = self.entry_height(&self.entries[k]);
            if let Entry::Answer(a) = &self.entries[k] {
                let above = a.reasoning_rows(expanded);
                let from = skip.saturating_sub(above);
                let to = (skip + left).saturating_sub(above).min(a.text.len());
                if from < to {
                    shown.push((k, from..to));
                }
            }
            left = left.saturating_sub(h.saturating_sub(skip));
            skip = 0;
        }
        for (k, rows) in shown {
            if let Some(Entry::Answer(a)) = self.entries.get_mut(k) {
                a.text.colour(&a.reply.content, rows, cx);
            }
        }
    }

    /// Where the view starts: an entry and the rows of it above the view. Reads only the
    /// entries in view (rendered by `ensure_rendered`).
    pub fn view_start(&self) -> (usize, usize) {
        let height = usize::from(self.height.max(1));
        if !self.scroll.follow
            && self.rows_from(self.scroll.entry, self.scroll.row, height) >= height
        {
            return (self.scroll.entry, self.scroll.row);
        }
        let mut rows = 0;
        for i in (0..self.entries.len()).rev() {
            rows += self.entry_height(&self.entries[i]);
            if rows >= height {
                return (i, rows - height);
            }
        }
        (0, 0)
    }

    /// Rows from (`entry`, `row`) to the end, counting no further than `limit`.
    fn rows_from(&self, entry: usize, row: usize, limit: usize) -> usize {
        let mut rows = 0usize;
        for (k, e) in self.entries.iter().enumerate().skip(entry) {
            let h = self.entry_height(e);
            rows += if k == entry { h.saturating_sub(row) } else { h };
            if rows > limit {
                break;
            }
        }
        rows
    }

    /// Rows an entry takes: a prompt's lines; an answer's reasoning block, text and footer;
    /// and one blank separator.
    pub fn entry_height(&self, entry: &Entry) -> usize {
        match entry {
            Entry::Prompt { lines, .. } => lines.len() + 1,
            Entry::Answer(a) => {
                a.reasoning_rows(self.reasoning_expanded) + a.text.len() + 1 + self.footer_rows(a)
            }
        }
    }

    /// Rows of the whole transcript as rendered so far (entries never rendered count only
    /// their footer and separator). For tests and benchmarks; views never need it.
    pub fn total_lines(&self) -> usize {
        self.entries.iter().map(|e| self.entry_height(e)).sum()
    }

    /// Scrolls by `delta` rows (negative is up), rendering the entries it passes; reaching
    /// the bottom resumes following.
    pub fn scroll_by(&mut self, delta: isize, cx: &Ctx<'_>) {
        let height = usize::from(self.height.max(1));
        self.ensure_rendered(cx);
        let (mut entry, mut row) = self.view_start();
        let mut d = delta.unsigned_abs();
        if delta < 0 {
            while d > 0 {
                if row >= d {
                    row -= d;
                    break;
                }
                if entry == 0 {
                    row = 0;
                    break;
                }
                d -= row + 1;
                entry -= 1;
                row = self.measured(entry, cx).saturating_sub(1);
            }
        } else {
            row += d;
            while entry + 1 < self.entries.len() {
                let h = self.measured(entry, cx);
                if row < h {
                    break;
                }
                row -= h;
                entry += 1;
            }
        }
        self.anchor(entry, row, height, cx);
    }

    /// Puts the top of the view at (`entry`, `row`); at the bottom, follows again.
    fn anchor(&mut self, entry: usize, row: usize, height: usize, cx: &Ctx<'_>) {
        // Render what the check below reads.
        let mut rows = 0;
        for i in entry..self.entries.len() {
            rows += self.measured(i, cx);
            if rows > height + row {
                break;
            }
        }
        let at_bottom = self.rows_from(entry, row, height) <= height;
        self.scroll = Scroll {
            follow: at_bottom,
            entry,
            row,
        };
    }

    pub fn scroll_to_top(&mut self, cx: &Ctx<'_>) {
        let height = usize::from(self.height.max(1));
        self.anchor(0, 0, height, cx);
    }

    /// The prompt the top row belongs to (or the nearest above it), counted from 0, and
    /// whether the view starts exactly at that prompt's first row.
    pub fn prompt_at_top(&mut self, cx: &Ctx<'_>) -> Option<(usize, bool)> {
        self.ensure_rendered(cx);
        let (entry, row) = self.view_start();
        let upto = self.entries.get(..=entry)?;
        let k = upto
            .iter()
            .filter(|e| matches!(e, Entry::Prompt { .. }))
            .count();
        let exact = row == 0 && matches!(upto.last(), Some(Entry::Prompt { .. }));
        k.checked_sub(1).map(|k| (k, exact))
    }

    /// Puts prompt `k` (from 0) at the top of the view; false, and nothing moves, when the
    /// pane has no such prompt.
    pub fn scroll_to_prompt(&mut self, k: usize, cx: &Ctx<'_>) -> bool {
        let at = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Entry::Prompt { .. }))
            .nth(k)
            .map(|(i, _)| i);
        let Some(at) = at else { return false };
        let height = usize::from(self.height.max(1));
        self.anchor(at, 0, height, cx);
        true
    }

    pub fn scroll_to_bottom(&mut self) {
        self.scroll = Scroll::default();
    }
}

pub fn prompt_entry(text: String, width: u16, send: Option<u64>) -> Entry {
    prompt_entry_with(text, Vec::new(), width, send)
}

/// A prompt sent with files: they show as chips on a line under its text.
pub fn prompt_entry_with(
    text: String,
    attachments: Vec<crate::attach::Attachment>,
    width: u16,
    send: Option<u64>,
) -> Entry {
    let lines = WrappedText::new(&Clean::text(&shown_prompt(&text, &attachments)), width);
    Entry::Prompt {
        text,
        lines,
        send,
        attachments,
    }
}

/// A prompt as its pane shows it: the text, then a line of chips.
fn shown_prompt(text: &str, attachments: &[crate::attach::Attachment]) -> String {
    if attachments.is_empty() {
        return text.to_owned();
    }
    let chips: Vec<String> = attachments
        .iter()
        .map(crate::attach::Attachment::chip)
        .collect();
    format!("{text}\n{}", chips.join("  "))
}

/// A prompt as it goes to a model: its text and the files whose bytes are in hand (one whose
/// stored copy was missing when the session was reopened cannot be sent again; `send`
/// refuses to ask anew a prompt that lost one, so only history can lack it).
fn user_message(text: &str, attachments: &[crate::attach::Attachment]) -> Message {
    let mut m = Message::user(text);
    m.attachments = attachments
        .iter()
        .filter(|a| a.has_data())
        .cloned()
        .collect();
    m
}

/// Wraps a one-off string (a footer, an error message) to the pane width, each ` · ` field
/// whole on a row while it fits.
pub fn wrap_note(text: &str, width: u16) -> Vec<String> {
    crate::text::wrap_fields(text, usize::from(width.max(1)))
}
