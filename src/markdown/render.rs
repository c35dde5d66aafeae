//! pulldown-cmark events → styled rows. Containers (quotes, list items) stack prefixes that
//! start every row inside them; inline text gathers into styled pieces and wraps to what the
//! prefixes leave. Links show their URL as text (already sanitized, never as OSC 8).

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::Ctx;
use super::code::{CodeCache, label_row, line_rows, plain};
use super::table::Table;
use super::wrap::{Breaks, Piece, clip, spans_width, wrap_pieces};

const BULLETS: [&str; 3] = ["• ", "◦ ", "▪ "];

struct Prefix {
    first: Vec<Span<'static>>,
    rest: Vec<Span<'static>>,
    /// The first row inside has not been written yet (it carries a list marker).
    pending: bool,
}

struct List {
    next: Option<u64>,
    items: usize,
}

struct CodeAcc {
    lang: String,
    text: String,
    offset: usize,
}

pub struct Writer<'c, 'x> {
    cx: &'c Ctx<'x>,
    cache: &'c mut CodeCache,
    width: usize,
    /// The parsed text and where it starts in the answer (code blocks are cached by offset).
    src: &'c str,
    base: usize,
    out: Vec<Line<'static>>,
    prefixes: Vec<Prefix>,
    inline: Vec<Piece>,
    styles: Vec<Style>,
    links: Vec<(String, usize)>,
    lists: Vec<List>,
    need_blank: bool,
    code: Option<CodeAcc>,
    table: Option<Table>,
}

impl<'c, 'x> Writer<'c, 'x> {
    pub fn new(
        cx: &'c Ctx<'x>,
        cache: &'c mut CodeCache,
        width: usize,
        src: &'c str,
        base: usize,
    ) -> Self {
        Self {
            cx,
            cache,
            width,
            src,
            base,
            out: Vec::new(),
            prefixes: Vec::new(),
            inline: Vec::new(),
            styles: vec![cx.theme.answer()],
            links: Vec::new(),
            lists: Vec::new(),
            need_blank: false,
            code: None,
            table: None,
        }
    }

    /// Renders `events` (one or more whole blocks, or an unfinished tail) into rows.
    pub fn render(mut self, events: &[(Event<'_>, Range<usize>)]) -> Vec<Line<'static>> {
        for (i, (event, range)) in events.iter().enumerate() {
            self.event(event, range, events.get(i + 1).map(|(e, _)| e));
        }
        // An unfinished tail may stop inside anything: close what is open.
        if let Some(code) = self.code.take() {
            self.code_block(&code);
        }
        if let Some(table) = self.table.take() {
            self.table_rows(table);
        }
        self.flush();
        self.out
    }

    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, s: Style) {
        self.styles.push(self.style().patch(s));
    }

    fn pop_style(&mut self) {
        if self.styles.len() > 1 {
            self.styles.pop();
        }
    }

    fn push(&mut self, text: &str, style: Style) {
        match self.inline.last_mut() {
            Some((t, s)) if *s == style && t != "\n" && text != "\n" => t.push_str(text),
            _ => self.inline.push((text.to_owned(), style)),
        }
    }

    fn prefix_width(&self) -> usize {
        self.prefixes.iter().map(|p| spans_width(&p.rest)).sum()
    }

    fn avail(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    fn emit(&mut self, row: Vec<Span<'static>>) {
        let mut spans = Vec::with_capacity(row.len() + self.prefixes.len());
        for p in &mut self.prefixes {
            if p.pending {
                spans.extend(p.first.iter().cloned());
                p.pending = false;
            } else {
                spans.extend(p.rest.iter().cloned());
            }
        }
        spans.extend(row);
        if spans_width(&spans) > self.width {
            // Containers nested deeper than the pane is wide: cut rather than overflow.
            spans = clip(spans, self.width);
        }
        self.out.push(Line::from(spans));
    }

    /// A blank row inside the containers (a quote keeps its bar).
    fn blank(&mut self) {
        let mut spans: Vec<Span<'static>> = self
            .prefixes
            .iter()
            .flat_map(|p| p.rest.iter().cloned())
            .collect();
        if let Some(last) = spans.last_mut() {
            let trimmed = last.content.trim_end().to_owned();
            last.content = trimmed.into();
        }
        spans.retain(|s| !s.content.is_empty());
        self.out.push(Line::from(spans));
    }

    fn start_block(&mut self) {
        self.flush();
        if self.need_blank && !self.out.is_empty() {
            self.blank();
        }
        self.need_blank = false;
    }

    /// Wraps and writes the inline text gathered so far (hard breaks start new rows).
    fn flush(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let pieces = std::mem::take(&mut self.inline);
        let avail = self.avail();
        for segment in pieces.split(|(t, _)| t == "\n") {
            for row in wrap_pieces(segment, avail, Breaks::Words) {
                self.emit(row);
            }
        }
    }

    fn event(&mut self, event: &Event<'_>, range: &Range<usize>, next: Option<&Event<'_>>) {
        match event {
            Event::Start(tag) => self.start(tag, range, next),
            Event::End(tag) => self.end(*tag),
            Event::Text(t) => match &mut self.code {
                Some(code) => code.text.push_str(t),
                None => self.push(t, self.style()),
            },
            Event::Code(t) => {
                let style = self.style().patch(self.cx.theme.inline_code());
                if self.cx.theme.has_color() {
                    self.push(t, style);
                } else {
                    // Without colour, the backticks are what marks code.
                    self.push(&format!("`{t}`"), style);
                }
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push(t, self.style()),
            Event::Html(t) | Event::InlineHtml(t) => {
                let style = self.style();
                for (i, line) in t.strip_suffix('\n').unwrap_or(t).split('\n').enumerate() {
                    if i > 0 {
                        self.push("\n", style);
                    }
                    self.push(line, style);
                }
            }
            Event::FootnoteReference(t) => self.push(&format!("[^{t}]"), self.style()),
            Event::SoftBreak => self.push(" ", self.style()),
            Event::HardBreak => self.push("\n", self.style()),
            Event::Rule => {
                self.start_block();
                let row = vec![Span::styled("─".repeat(self.avail()), self.cx.theme.rule())];
                self.emit(row);
                self.need_blank = true;
            }
            Event::TaskListMarker(done) => {
                let mark = if *done { "☑ " } else { "☐ " };
                self.push(mark, self.cx.theme.list_marker());
            }
        }
    }

    fn start(&mut self, tag: &Tag<'_>, range: &Range<usize>, next: Option<&Event<'_>>) {
        let theme = self.cx.theme;
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.start_block(),
            Tag::Heading { level, .. } => {
                self.start_block();
                let n = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                };
                self.push_style(theme.heading(n));
            }
            Tag::BlockQuote(_) => {
                self.start_block();
                let bar = vec![Span::styled("│ ", theme.quote_bar())];
                self.prefixes.push(Prefix {
                    first: bar.clone(),
                    rest: bar,
                    pending: false,
                });
                self.push_style(theme.quote());
            }
            Tag::CodeBlock(kind) => {
                self.start_block();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
                    CodeBlockKind::Indented => "",
                };
                let start = range.start.min(self.src.len());
                let line_start = self.src[..start].rfind('\n').map_or(0, |i| i + 1);
                self.code = Some(CodeAcc {
                    lang: lang.to_owned(),
                    text: String::new(),
                    offset: self.base + line_start,
                });
            }
            Tag::List(start) => {
                self.start_block();
                self.lists.push(List {
                    next: *start,
                    items: 0,
                });
            }
            Tag::Item => {
                self.flush();
                let depth = self.lists.len().saturating_sub(1);
                let loose = matches!(next, Some(Event::Start(Tag::Paragraph)));
                let Some(list) = self.lists.last_mut() else {
                    return;
                };
                let marker = match &mut list.next {
                    Some(n) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    None => BULLETS[depth % BULLETS.len()].to_owned(),
                };
                list.items += 1;
                if list.items > 1 && loose {
                    self.blank();
                }
                self.need_blank = false;
                let pad = " ".repeat(crate::text::width_of(&marker));
                self.prefixes.push(Prefix {
                    first: vec![Span::styled(marker, theme.list_marker())],
                    rest: vec![Span::raw(pad)],
                    pending: true,
                });
            }
            Tag::Table(aligns) => {
                self.start_block();
                self.table = Some(Table::new(aligns.clone()));
            }
            Tag::TableHead | Tag::TableRow => self.inline.clear(),
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => self.push_style(theme.emphasis()),
            Tag::Strong => self.push_style(theme.strong()),
            Tag::Strikethrough => self.push_style(theme.strikethrough()),
            Tag::Link { dest_url, .. } => {
                self.push_style(theme.link());
                self.links.push((dest_url.to_string(), self.inline.len()));
            }
            Tag::Image { dest_url, .. } => {
                self.push("[image: ", self.style().patch(theme.dim()));
                self.push_style(theme.link());
                self.links.push((dest_url.to_string(), self.inline.len()));
            }
            Tag::FootnoteDefinition(label) => {
                self.start_block();
                self.push(&format!("[^{label}]: "), theme.dim());
            }
            Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock | TagEnd::FootnoteDefinition => {
                self.flush();
                self.need_blank = true;
            }
            TagEnd::Heading(_) => {
                self.flush();
                self.pop_style();
                self.need_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.prefixes.pop();
                self.pop_style();
                self.need_blank = true;
            }
            TagEnd::CodeBlock => {
                if let Some(code) = self.code.take() {
                    self.code_block(&code);
                }
                self.need_blank = true;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
                self.need_blank = true;
            }
            TagEnd::Item => {
                self.flush();
                if self.prefixes.last().is_some_and(|p| p.pending) {
                    // An empty item still shows its marker.
                    self.emit(Vec::new());
                }
                self.prefixes.pop();
                self.need_blank = false;
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.table_rows(table);
                }
                self.need_blank = true;
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    t.end_row(tag == TagEnd::TableHead);
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(t) = &mut self.table {
                    t.push_cell(cell);
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.pop_style(),
            TagEnd::Link => self.end_link(""),
            TagEnd::Image => self.end_link("]"),
            TagEnd::MetadataBlock(_)
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }

    /// After a link's text: its URL, unless the text already is the URL.
    fn end_link(&mut self, close: &str) {
        self.pop_style();
        let Some((url, from)) = self.links.pop() else {
            return;
        };
        if !close.is_empty() {
            self.push(close, self.style().patch(self.cx.theme.dim()));
        }
        let text: String = self.inline[from.min(self.inline.len())..]
            .iter()
            .map(|(t, _)| t.as_str())
            .collect();
        let bare = url.strip_prefix("mailto:").unwrap_or(&url);
        if url.is_empty() || text == url || text == bare {
            return;
        }
        let style = self.style().patch(self.cx.theme.url());
        self.push(" (", style);
        self.push(&url, style);
        self.push(")", style);
    }

    fn code_block(&mut self, code: &CodeAcc) {
        let avail = self.avail();
        let mut rows = Vec::new();
        if let Some(label) = label_row(&code.lang, avail, self.cx) {
            rows.push(label);
        }
        let mut lines = 0;
        for (i, line) in code.text.split_inclusive('\n').enumerate() {
            let pieces = if line.ends_with('\n') {
                self.cache.line(code.offset, &code.lang, i, line, self.cx)
            } else {
                plain(line, self.cx)
            };
            line_rows(&pieces, avail, self.cx, &mut rows);
            lines += 1;
        }
        if lines == 0 {
            line_rows(&[], avail, self.cx, &mut rows);
        }
        for row in rows {
            self.emit(row);
        }
    }

    fn table_rows(&mut self, table: Table) {
        self.flush();
        for row in table.render(self.avail(), self.cx) {
            self.emit(row);
        }
    }
}
