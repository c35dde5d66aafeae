//! Views: pure functions of `&App` that draw the room (panes, prompt, status bar) and its
//! overlays (help, model id). They read state and never change it.

mod arena;
mod cells;
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

use crate::app::{App, Command, Overlay, SendMode};
use crate::keymap::{AttachAction, ConfirmAction, DialogAction, HelpAction};
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
            .label_for(Command::Zoom)
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
    let send_key = app.keymap.label_for(Command::Send);
    let follow_key = app.keymap.quick_label_for(Command::ScrollBottom);
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
            send_key: send_key.as_deref(),
            follow_key: follow_key.as_deref(),
        };
        frame.render_widget(view, *rect);
    }
    if app.panes.is_empty() {
        let room = Rect {
            height: app.layout.input.y,
            ..frame.area()
        };
        let k = &app.keymap;
        let text = format!(
            "No panes. Add one with {} ({} lists every key).",
            k.name(Command::AddPane),
            k.name(Command::Help)
        );
        let hint = Paragraph::new(text)
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
            small_prompt(frame, app, area, " name this session ", input);
        }
        Overlay::JumpTo(input) => {
            let area = centered(frame.area(), 40, 3);
            small_prompt(frame, app, area, " go to prompt ", input);
        }
        Overlay::Sessions(b) => sessions::render(frame, app, b, theme),
        Overlay::Leaderboard(view) => arena::render_board(frame, &app.keymap, view, theme),
        Overlay::Diff(view) => diff::render(frame, app, view, theme),
        Overlay::Tag(input) => {
            let area = centered(frame.area(), 64, 3);
            small_prompt(frame, app, area, " tags for this round's vote ", input);
        }
        Overlay::AttachPath(p) => render_attach_path(frame, app, p),
        Overlay::AttachOffer(o) => {
            let path = crate::sanitize::sanitize(&o.path.display().to_string(), " ");
            let k = &app.keymap.confirm;
            let (yes, no) = (k.labels(ConfirmAction::Yes), k.labels(ConfirmAction::No));
            let keys = format!(
                "{} attaches it (the pasted text goes) · {} keeps it as text",
                crate::keymap::either(&yes[..yes.len().min(2)]),
                crate::keymap::either(&no[..no.len().min(2)]),
            );
            let lines = vec![
                Line::raw(format!("The pasted text names a file: {path}")),
                Line::styled(keys, theme.dim()),
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
fn render_attach_path(frame: &mut Frame, app: &App, p: &crate::app::attach::PathPrompt) {
    let theme = app.theme();
    let k = &app.keymap.attach;
    let hint = hints(&[
        k.hint(AttachAction::Complete, "completes"),
        k.hint(AttachAction::Attach, "attaches"),
        k.hint(AttachAction::Cancel, "cancels"),
    ]);
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
        .title_bottom(footer(&hint, area, theme));
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

/// A one-line text field in a bordered box, its keys (`[keys.dialog]`) underneath.
fn small_prompt(frame: &mut Frame, app: &App, area: Rect, title: &str, input: &crate::app::Prompt) {
    let theme = app.theme();
    let keys = &app.keymap.dialog;
    let hint = hints(&[
        keys.hint(DialogAction::Confirm, "confirms"),
        keys.hint(DialogAction::Cancel, "cancels"),
    ]);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title.to_owned())
        .title_bottom(footer(&hint, area, theme));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(input.textarea(), inner);
}

pub(crate) use crate::keymap::hints;

/// A box's bottom line of key hints, cut with `…` to the box (`area`) when it is too narrow.
pub(crate) fn footer(text: &str, area: Rect, theme: &Theme) -> Line<'static> {
    let room = usize::from(area.width.saturating_sub(2));
    // The closing space goes before any word does.
    let text = if width_of(text) > room {
        text.trim_end()
    } else {
        text
    };
    Line::styled(crate::text::fit(text, room), theme.dim())
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

/// Every key, mode by mode, from the live keymap: a heading row per mode, then its keys.
fn render_help(frame: &mut Frame, app: &App, theme: &Theme) {
    let k = &app.keymap;
    let mut entries: Vec<(String, String, bool)> = Vec::new();
    for section in k.help_sections() {
        if section.rows.is_empty() {
            continue;
        }
        if !entries.is_empty() {
            entries.push((String::new(), String::new(), false));
        }
        entries.push((section.title.to_owned(), section.table, true));
        entries.extend(
            section
                .rows
                .into_iter()
                .map(|(keys, desc)| (keys, desc.to_owned(), false)),
        );
        if section.title == "room" {
            entries.push((
                "mouse wheel".into(),
                "scroll the pane under the pointer; click focuses it".into(),
                false,
            ));
        }
    }
    // As wide as the longest entry needs, so descriptions are not cut when the screen allows.
    let key_w = entries
        .iter()
        .map(|(k, _, _)| width_of(k))
        .max()
        .unwrap_or(0)
        .min(34);
    let desc_w = entries
        .iter()
        .map(|(_, d, _)| width_of(d))
        .max()
        .unwrap_or(0);
    let want = u16::try_from(key_w + desc_w + 4).unwrap_or(u16::MAX);
    let rows: Vec<Row> = entries
        .into_iter()
        .map(|(keys, desc, heading)| {
            if heading {
                Row::new(vec![
                    Line::styled(keys, theme.title(true)),
                    Line::styled(desc, theme.dim()),
                ])
            } else {
                Row::new(vec![Line::styled(keys, theme.key()), Line::raw(desc)])
            }
        })
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
    let mut closes = k.labels_for(Command::Help);
    closes.extend(k.help.labels(HelpAction::Close).into_iter().take(1));
    let closes = format!("{} closes{typed}", crate::keymap::either(&closes));
    let hint = if shown < total {
        let scroll_keys = [
            k.help.pair(HelpAction::ScrollUp, HelpAction::ScrollDown),
            k.help.pair(HelpAction::PageUp, HelpAction::PageDown),
        ];
        let scroll_keys: Vec<String> = scroll_keys.into_iter().flatten().collect();
        format!(
            " {} scroll ({}-{} of {total}) · {closes} ",
            scroll_keys.join(" "),
            scroll + 1,
            (scroll + shown).min(total)
        )
    } else if app.help_typed {
        format!(" {closes} ")
    } else {
        format!(" {closes} · keys are set in config.toml's [keys] tables ")
    };
    let key_w = u16::try_from(key_w).unwrap_or(34);
    let table = Table::new(rows, [Constraint::Length(key_w), Constraint::Min(20)])
        .column_spacing(2)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.border(true))
                .title(" keys ")
                .title_bottom(footer(&hint, area, theme)),
        );
    let mut state = ratatui::widgets::TableState::default().with_offset(scroll);
    frame.render_widget(Clear, area);
    frame.render_stateful_widget(table, area, &mut state);
}
