//! One pane on screen: a bordered box titled with its model, provider and spend, showing only
//! the transcript rows in view (copied from the rendered rows, never rendered here).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

use crate::app::Identity;
use crate::app::pane::{Answer, AnswerState, Entry, Pane, wrap_note};
use crate::app::sources::{SourceRow, source_rows};
use crate::chat::Cost;
use crate::theme::Theme;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub struct PaneView<'a> {
    pub pane: &'a Pane,
    pub index: usize,
    pub focused: bool,
    pub spinner: usize,
    pub theme: &'a Theme,
    pub now: tokio::time::Instant,
    /// The key that shows or hides reasoning, for the reasoning header's hint.
    pub reasoning_key: Option<&'a str>,
    /// Set while this pane is zoomed: what it says about the panes out of view.
    pub zoom_note: Option<&'a str>,
    /// The key that sends, for an empty pane's hint.
    pub send_key: Option<&'a str>,
    /// The key that follows the stream again, for a scrolled pane's foot.
    pub follow_key: Option<&'a str>,
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let pane = self.pane;
        let block = Block::bordered()
            .border_type(if self.focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(t.border(self.focused))
            .title(self.title(area.width.saturating_sub(2)))
            .title_bottom(self.scroll_hint());
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let rows = self.visible_rows(usize::from(inner.height));
        if rows.is_empty() && pane.entries.is_empty() {
            let text = match self.send_key {
                Some(k) => format!("Ask something below; {k} sends it to every pane."),
                None => "Ask something below.".to_owned(),
            };
            let hint = Line::styled(text, t.dim());
            Paragraph::new(hint)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .render(inner, buf);
        } else {
            for (y, line) in (inner.y..).zip(rows) {
                super::cells::put_line(buf, inner.x, y, &line, inner.width);
            }
        }
        if let Some(note) = self.names().note() {
            // Whole, wrapped at the pane's foot (up to half its height), not cut to a row.
            let rows = wrap_note(&note, inner.width);
            let most = usize::from((inner.height / 2).max(1));
            let shown = &rows[..rows.len().min(most)];
            let top = inner.bottom() - u16::try_from(shown.len()).unwrap_or(1);
            for (y, row) in (top..).zip(shown) {
                let last = shown.len() < rows.len() && y + 1 == inner.bottom();
                let row = if last {
                    format!("{row}…")
                } else {
                    row.clone()
                };
                buf.set_line(inner.x, y, &Line::styled(row, t.error()), inner.width);
            }
        }
    }
}

impl PaneView<'_> {
    /// Every name of the pane's model goes through here (a blind round hides them).
    fn names(&self) -> Identity<'_> {
        self.pane.identity(self.index)
    }

    /// Number, model, provider, spend and spinner; the provider goes first when space is short
    /// (the status bar and the answer footers name it too).
    fn title(&self, width: u16) -> Line<'static> {
        let t = self.theme;
        let pane = self.pane;
        let names = self.names();
        let mut head = vec![
            Span::styled(format!(" {} ", self.index + 1), t.key()),
            Span::styled(names.model().into_string(), t.title(self.focused)),
        ];
        // The model that really answered (a fallback), and the routing asked for.
        if let Some(pin) = names.pinned() {
            head.push(Span::styled(format!(" @ {pin}"), t.provider()));
        }
        if let Some(served) = names.served_instead() {
            head.push(Span::styled(format!(" → {served}"), t.routing()));
        }
        if let Some(routing) = names.routing() {
            head.push(Span::styled(format!(" [{routing}]"), t.routing()));
        }
        if let Some(settings) = names.settings() {
            head.push(Span::styled(format!(" {{{settings}}}"), t.routing()));
        }
        let provider = names
            .last_provider()
            .map(|p| vec![Span::raw(" · "), Span::styled(p.to_string(), t.provider())])
            .unwrap_or_default();
        let (spent, pending) = pane.spend();
        let mut tail = Vec::new();
        // A blind pane's own spend would tell its price, and so its model.
        if (spent > Cost::ZERO || pending > 0) && !names.is_blind() {
            let mut text = spent.to_string();
            if pending > 0 {
                text.push_str("+…");
            }
            tail.extend([Span::raw(" · "), Span::styled(text, t.cost())]);
        }
        if pane.is_live() {
            tail.push(Span::styled(
                format!(" {}", SPINNER[self.spinner % SPINNER.len()]),
                t.streaming(),
            ));
        }
        tail.push(Span::raw(" "));
        let full: usize = [&head, &provider, &tail]
            .iter()
            .flat_map(|v| v.iter())
            .map(Span::width)
            .sum();
        let mut spans = head;
        if full <= usize::from(width) {
            spans.extend(provider);
        }
        // The spend and spinner stay; the model and its routing end in `…` when cut.
        let tail_w: usize = tail.iter().map(Span::width).sum();
        let mut spans = super::fit_spans(spans, usize::from(width).saturating_sub(tail_w));
        spans.extend(tail);
        Line::from(spans)
    }

    fn scroll_hint(&self) -> Line<'static> {
        let mut parts = Vec::new();
        if let Some(note) = self.zoom_note {
            parts.push(note.to_owned());
        }
        let follow = self.pane.scroll.follow;
        if follow {
            // At the bottom, the foot says how far apart the latest samples are.
            if let Some(s) = &self.pane.spread {
                parts.push(format!("≈ {s}"));
            }
        } else {
            parts.push(match self.follow_key {
                Some(k) => format!("↑ scrolled · {k} follows"),
                None => "↑ scrolled".to_owned(),
            });
        }
        if parts.is_empty() {
            return Line::default();
        }
        let line = Line::styled(format!(" {} ", parts.join(" · ")), self.theme.dim());
        if follow && self.zoom_note.is_none() {
            line
        } else {
            line.right_aligned()
        }
    }

    /// The rows in view: from where the view starts (the scroll anchor, or the bottom), copying
    /// only rows in view, so the cost grows neither with the transcript nor with the answer.
    fn visible_rows(&self, height: usize) -> Vec<Line<'static>> {
        let pane = self.pane;
        let (first, skip) = pane.view_start();
        let mut out = Vec::with_capacity(height);
        for (k, entry) in pane.entries.iter().enumerate().skip(first) {
            self.entry_rows(entry, if k == first { skip } else { 0 }, height, &mut out);
            if out.len() >= height {
                break;
            }
        }
        out.truncate(height);
        out
    }

    fn entry_rows(&self, entry: &Entry, skip: usize, limit: usize, out: &mut Vec<Line<'static>>) {
        let t = self.theme;
        let mut k = skip;
        let room = |out: &Vec<Line<'static>>| out.len() < limit;
        match entry {
            Entry::Prompt { lines, .. } => {
                while k < lines.len() && room(out) {
                    let text = lines.row(k).unwrap_or_default().to_owned();
                    out.push(Line::styled(text, t.prompt()));
                    k += 1;
                }
                k -= lines.len().min(k);
            }
            Entry::Answer(a) => {
                let expanded = self.pane.reasoning_expanded;
                let reasoning = a.reasoning_rows(expanded);
                while k < reasoning && room(out) {
                    out.push(self.reasoning_row(a, k, expanded));
                    k += 1;
                }
                k -= reasoning.min(k);
                while k < a.text.len() && room(out) {
                    out.push(a.text.row(k).cloned().unwrap_or_default());
                    k += 1;
                }
                k -= a.text.len().min(k);
                if room(out) {
                    let footer = self.footer(a);
                    let n = footer.len();
                    out.extend(footer.into_iter().skip(k));
                    k -= n.min(k);
                }
            }
        }
        if k == 0 && room(out) {
            out.push(Line::default());
        }
    }

    /// Row `k` of an answer's reasoning block: the header, then (expanded) the text behind a
    /// bar and a blank row.
    fn reasoning_row(&self, a: &Answer, k: usize, expanded: bool) -> Line<'static> {
        let t = self.theme;
        if k == 0 {
            let mut header = a.reasoning_header(expanded);
            // Its tokens and cost would tell a price: a blind round keeps only the first part.
            if self.names().is_blind() {
                header = header.split(" · ").next().unwrap_or_default().to_owned();
            }
            let mut spans = vec![Span::styled(header, t.reasoning_header())];
            if let Some(key) = self.reasoning_key {
                spans.push(Span::styled(format!(" ({key})"), t.dim()));
            }
            return Line::from(spans);
        }
        match a.thinking.row(k - 1) {
            Some(text) => Line::from(vec![
                Span::styled("│ ", t.reasoning_header()),
                Span::styled(text.to_owned(), t.reasoning()),
            ]),
            None => Line::default(),
        }
    }

    /// An answer's sources (when it cites any) and then its footer.
    fn footer(&self, a: &Answer) -> Vec<Line<'static>> {
        let t = self.theme;
        let mut rows: Vec<Line<'static>> = source_rows(a, self.pane.width)
            .into_iter()
            .map(|(kind, row)| {
                let style = match kind {
                    SourceRow::Head => t.dim(),
                    SourceRow::Title => t.link(),
                    SourceRow::Url => t.url(),
                };
                Line::styled(row, style)
            })
            .collect();
        rows.extend(self.status_rows(a));
        rows
    }

    /// The footer proper: a live answer's spinner line, or a finished one's figures.
    fn status_rows(&self, a: &Answer) -> Vec<Line<'static>> {
        let t = self.theme;
        let spin = SPINNER[self.spinner % SPINNER.len()];
        let live = match &a.state {
            AnswerState::Waiting if a.queued => {
                Some("queued: this endpoint has as many answers streaming as it may".to_owned())
            }
            AnswerState::Waiting => Some("waiting for the first token…".to_owned()),
            // The reasoning header above counts what has come.
            AnswerState::Streaming if a.reply.content.is_empty() && a.has_reasoning() => {
                Some("thinking".to_owned())
            }
            AnswerState::Streaming => Some(match self.names().provider(a) {
                Some(p) => format!("streaming from {p}"),
                None => "streaming".to_owned(),
            }),
            AnswerState::Retrying { at } => {
                let left = at.saturating_duration_since(self.now).as_secs_f64().ceil();
                Some(format!("429: rate limited, retrying in {left:.0} s"))
            }
            AnswerState::Complete
            | AnswerState::Stopped
            | AnswerState::Failed
            | AnswerState::Interrupted => None,
        };
        if let Some(text) = live {
            return vec![Line::styled(format!("{spin} {text}"), t.streaming())];
        }
        let style = match a.state {
            AnswerState::Failed => t.error(),
            AnswerState::Stopped | AnswerState::Interrupted => t.stopped(),
            _ => t.dim(),
        };
        let text = self.names().footer(a).unwrap_or_default();
        wrap_note(&text, self.pane.width)
            .into_iter()
            .map(|row| Line::styled(row, style))
            .collect()
    }
}
