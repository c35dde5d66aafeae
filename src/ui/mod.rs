//! Views: pure functions of `&App` that draw the room (panes, prompt, status bar) and its
//! overlays (help, model id). They read state and never change it.

mod arena;
mod diff;
mod pane;
mod picker;
mod routing;
mod sessions;
mod spend;
mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table};

pub use crate::theme::Theme;
pub use pane::PaneView;

use crate::app::{App, Overlay, SendMode};
use crate::text::width_of;

/// Draws the whole screen in the app's theme. `now` only drives countdowns and spinners.
pub fn render(frame: &mut Frame, app: &App, now: tokio::time::Instant) {
    let theme = app.theme();
    let area = frame.area();
    if theme.base() != ratatui::style::Style::default() {
        frame.buffer_mut().set_style(area, theme.base());
    }
    // A zoomed pane says so, and where the prompt still goes.
    let zoom_note = (app.zoom && app.panes.len() > 1).then(|| {
        let back = app
            .keymap
            .label_for(crate::app::Command::Zoom)
            .map(|k| format!(" ({k} shows all)"))
            .unwrap_or_default();
        match app.send_mode {
            SendMode::All => format!(
                "zoomed{back} · the prompt still goes to all {} panes",
                app.panes.len()
            ),
            SendMode::Focused => format!("zoomed{back} · the prompt goes to this pane"),
        }
    });
    for (i, (pane, rect)) in app.panes.iter().zip(&app.layout.panes).enumerate() {
        if rect.is_empty() {
            continue;
        }
        let view = PaneView {
            pane,
            index: i,
            focused: i == app.focus,
            spinner: app.spinner,
            theme,
            now,
            reasoning_key: app.reasoning_key.as_deref(),
            zoom_note: zoom_note.as_deref(),
        };
        frame.render_widget(view, *rect);
    }
    if app.panes.is_empty() {
        let room = Rect {
            height: app.layout.input.y,
            ..frame.area()
        };
        let hint = Paragraph::new("No panes. Add one with Alt+N (F1 lists every key).")
            .style(theme.dim())
            .block(Block::bordered().border_style(theme.border(false)));
        frame.render_widget(hint, room);
    }
    render_prompt(frame, app, theme);
    status::render(frame, app, theme);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => render_help(frame, app, theme),
        Overlay::Picker(p) => picker::render(frame, app, p, theme),
        Overlay::Routing(form) => routing::render(frame, app, form, theme),
        Overlay::Spend => spend::render_spend(frame, app, theme),
        Overlay::Account => spend::render_account(frame, app, theme),
        Overlay::Title(input) => {
            let area = centered(frame.area(), 64, 3);
            small_prompt(frame, area, " name this session ", input, theme);
        }
        Overlay::JumpTo(input) => {
            let area = centered(frame.area(), 40, 3);
            small_prompt(frame, area, " go to prompt ", input, theme);
        }
        Overlay::Sessions(b) => sessions::render(frame, app, b, theme),
        Overlay::Leaderboard(view) => arena::render_board(frame, view, theme),
        Overlay::Diff(view) => diff::render(frame, app, view, theme),
        Overlay::Tag(input) => {
            let area = centered(frame.area(), 64, 3);
            small_prompt(frame, area, " tags for this round's vote ", input, theme);
        }
        Overlay::AttachPath(p) => render_attach_path(frame, p, theme),
        Overlay::AttachOffer(o) => {
            let path = crate::sanitize::sanitize(&o.path.display().to_string(), " ");
            let lines = vec![
                Line::raw(format!("The pasted text names a file: {path}")),
                Line::styled(
                    "Enter or y attaches it (the pasted text goes) · Esc or n keeps it as text",
                    theme.dim(),
                ),
            ];
            message_box(frame, " attach the pasted file? ", lines, theme);
        }
        Overlay::AttachConfirm(c) => {
            let mut lines: Vec<Line> = c
                .lines
                .iter()
                .map(|l| Line::raw(l.as_str().to_owned()))
                .collect();
            if let Some(last) = lines.last_mut() {
                *last = Line::styled(last.to_string(), theme.key());
            }
            message_box(
                frame,
                " some panes cannot take the attachments ",
                lines,
                theme,
            );
        }
    }
}

fn render_prompt(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = app.layout.input;
    let n = app.panes.len();
    let mut target = match (n, app.send_mode) {
        (0, _) => " prompt · no pane to ask ".to_owned(),
        (1, _) => " prompt → the pane ".to_owned(),
        (n, SendMode::All) => format!(" prompt → all {n} panes "),
        (_, SendMode::Focused) => {
            let model = app
                .identity(app.focus)
                .map_or_else(String::new, |n| n.model().into_string());
            format!(" prompt → pane {} only ({model}) ", app.focus + 1)
        }
    };
    if app.zoom && n > 1 {
        target.push_str(&format!("· pane {} zoomed ", app.focus + 1));
    }
    if app.sync_scroll && n > 1 {
        target.push_str("· scroll synced ");
    }
    let focused = matches!(app.overlay, Overlay::None);
    let room = usize::from(area.width).saturating_sub(width_of(&target) + 4);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(focused))
        .title(Line::styled(target, theme.title(focused)));
    if let Some(hint) = arena::round_hint(app, room) {
        block = block.title(Line::styled(hint, theme.key()).right_aligned());
    }
    if let Some(est) = &app.money.estimate {
        block = block.title_bottom(status::estimate_line(app, est, theme).right_aligned());
    }
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    if let Some(chips) = crate::app::attach::chips(app) {
        let width = usize::from(inner.width);
        let line = Line::from(fit_spans(vec![Span::styled(chips, theme.key())], width));
        frame.render_widget(Paragraph::new(line), Rect { height: 1, ..inner });
        inner.y += 1;
        inner.height = inner.height.saturating_sub(1);
    }
    frame.render_widget(app.prompt.textarea(), inner);
}

/// The path prompt: its field, then what the last Tab found.
fn render_attach_path(frame: &mut Frame, p: &crate::app::attach::PathPrompt, theme: &Theme) {
    let extra: Vec<String> = match &p.message {
        Some(m) => vec![m.as_str().to_owned()],
        None if p.candidates.is_empty() => Vec::new(),
        None => vec![crate::sanitize::sanitize(&p.candidates.join("  "), " ")],
    };
    let width = frame.area().width.saturating_sub(4).min(90);
    let wrapped: Vec<String> = extra
        .iter()
        .flat_map(|t| crate::text::wrap(t, usize::from(width.saturating_sub(2)).max(1)))
        .take(8)
        .collect();
    let height = 3 + u16::try_from(wrapped.len()).unwrap_or(8);
    let area = centered(frame.area(), width, height);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(" attach a file ")
        .title_bottom(Line::styled(
            " Tab completes · Enter attaches · Esc cancels ",
            theme.dim(),
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(p.input.textarea(), Rect { height: 1, ..inner });
    for (k, row) in wrapped.iter().enumerate() {
        let y = inner.y + 1 + u16::try_from(k).unwrap_or(0);
        if y < inner.bottom() {
            let line = Line::styled(row.clone(), theme.dim());
            frame.render_widget(
                Paragraph::new(line),
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
            );
        }
    }
}

/// A few lines of text in a bordered box, for a question.
fn message_box(frame: &mut Frame, title: &str, lines: Vec<Line<'static>>, theme: &Theme) {
    let width = frame.area().width.saturating_sub(4).min(100);
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum();
    let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(frame.area(), width, height);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title.to_owned());
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A one-line text field in a bordered box.
fn small_prompt(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    input: &crate::app::Prompt,
    theme: &Theme,
) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title.to_owned())
        .title_bottom(Line::styled(" Enter confirms · Esc cancels ", theme.dim()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(input.textarea(), inner);
}

/// `spans` cut to `width` columns, the cut ending in `…` (ratatui would cut without a mark).
pub(crate) fn fit_spans(mut spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut used = 0;
    for i in 0..spans.len() {
        let w = spans[i].width();
        if used + w > width {
            let cut = crate::text::fit(&spans[i].content, width.saturating_sub(used));
            spans[i] = Span::styled(cut, spans[i].style);
            spans.truncate(i + 1);
            break;
        }
        used += w;
    }
    spans
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn render_help(frame: &mut Frame, app: &App, theme: &Theme) {
    let mut entries: Vec<(String, &str)> = app
        .keymap
        .help_rows()
        .into_iter()
        .filter(|(cmd, keys)| !keys.is_empty() && cmd.focus_index().is_none_or(|i| i == 0))
        .map(|(cmd, keys)| match cmd.focus_index() {
            // Nine "focus pane N" rows say one thing.
            Some(_) => (format!("{} … 9", keys.join(", ")), "focus pane 1 … 9"),
            None => (keys.join(", "), cmd.description()),
        })
        .collect();
    entries.push((
        "up / down".into(),
        "recall earlier prompts (at the prompt's first / last line)",
    ));
    entries.push((
        "mouse wheel".into(),
        "scroll the pane under the pointer; click focuses it",
    ));
    // As wide as the longest entry needs, so descriptions are not cut when the screen allows.
    let key_w = entries
        .iter()
        .map(|(k, _)| width_of(k))
        .max()
        .unwrap_or(0)
        .min(34);
    let desc_w = entries.iter().map(|(_, d)| width_of(d)).max().unwrap_or(0);
    let want = u16::try_from(key_w + desc_w + 4).unwrap_or(u16::MAX);
    let rows: Vec<Row> = entries
        .into_iter()
        .map(|(keys, desc)| Row::new(vec![Line::styled(keys, theme.key()), Line::raw(desc)]))
        .collect();
    let total = rows.len();
    let height = u16::try_from(total).unwrap_or(u16::MAX).saturating_add(2);
    let area = centered(frame.area(), want, height);
    let shown = usize::from(area.height.saturating_sub(2));
    let scroll = app.help_scroll.min(total.saturating_sub(shown));
    let typed = if app.help_typed {
        " · type on for a prompt that starts with ?"
    } else {
        ""
    };
    let hint = if shown < total {
        format!(
            " ↑↓ PgUp PgDn scroll ({}-{} of {total}) · F1, ? or Esc closes{typed} ",
            scroll + 1,
            (scroll + shown).min(total)
        )
    } else if app.help_typed {
        format!(" F1, ? or Esc closes{typed} ")
    } else {
        " F1, ? or Esc closes · keys are configurable in config.toml [keys] ".to_owned()
    };
    let key_w = u16::try_from(key_w).unwrap_or(34);
    let table = Table::new(rows, [Constraint::Length(key_w), Constraint::Min(20)])
        .column_spacing(2)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.border(true))
                .title(" keys ")
                .title_bottom(Line::styled(hint, theme.dim())),
        );
    let mut state = ratatui::widgets::TableState::default().with_offset(scroll);
    frame.render_widget(Clear, area);
    frame.render_stateful_widget(table, area, &mut state);
}
