//! Views: pure functions of `&App` that draw the room (panes, prompt, status bar) and its
//! overlays (help, model id). They read state and never change it.

mod pane;
mod sessions;
pub mod style;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, Wrap};

pub use pane::{PaneView, fit};
pub use style::Theme;

use crate::app::{App, ModelPurpose, NoticeLevel, Overlay, SendMode};

/// Draws the whole screen in the app's theme. `now` only drives countdowns and spinners.
pub fn render(frame: &mut Frame, app: &App, now: tokio::time::Instant) {
    let theme = app.theme();
    let area = frame.area();
    if theme.base() != ratatui::style::Style::default() {
        frame.buffer_mut().set_style(area, theme.base());
    }
    let reasoning_key = app.keymap.key_for(crate::app::Command::ToggleReasoning);
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
            reasoning_key: reasoning_key.clone(),
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
    render_status(frame, app, theme);
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => render_help(frame, app, theme),
        Overlay::Model { purpose, input } => {
            render_model_prompt(frame, app, *purpose, input, theme);
        }
        Overlay::Title(input) => {
            let area = centered(frame.area(), 64, 3);
            small_prompt(frame, area, " name this session ", input, theme);
        }
        Overlay::Sessions(b) => sessions::render(frame, app, b, theme),
    }
}

fn render_prompt(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = app.layout.input;
    let target = match app.send_mode {
        SendMode::All if app.panes.len() == 1 => " prompt → the pane ".to_owned(),
        SendMode::All => format!(" prompt → all {} panes ", app.panes.len()),
        SendMode::Focused => {
            let model = app.focused().map_or("no pane", |p| p.model.as_str());
            format!(" prompt → {} only ", crate::sanitize::sanitize(model, " "))
        }
    };
    let focused = matches!(app.overlay, Overlay::None);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(focused))
        .title(Line::styled(target, theme.title(focused)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(app.prompt.textarea(), inner);
}

fn render_status(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = app.layout.status;
    let (spent, pending) = app.spend();
    let mut left = vec![Span::raw(" spend "), Span::raw(spent.to_string())];
    if pending > 0 {
        left.push(Span::raw(format!(" (+{pending} pending)")));
    }
    if let Some(b) = app.balance {
        if let Some(c) = b.credits_left {
            left.push(Span::raw(format!(" · credits ${c:.4}")));
        } else if let Some(k) = b.key_left {
            left.push(Span::raw(format!(" · key limit left ${k:.4}")));
        }
    }
    if let Some(p) = app.focused().and_then(|p| p.last_provider()) {
        left.push(Span::raw(format!(" · provider {p}")));
    }
    let streaming = app.streaming_count();
    if streaming > 0 {
        left.push(Span::raw(format!(" · {streaming} streaming")));
    }
    if let Some(e) = &app.save_error {
        let text = format!(
            " · ⚠ not saved ({}); retrying with the next save",
            crate::sanitize::sanitize(e, " ")
        );
        left.push(Span::styled(text, theme.error()));
    }
    left.push(Span::raw(match app.send_mode {
        SendMode::All => " · send: all".to_owned(),
        SendMode::Focused => " · send: focused".to_owned(),
    }));
    let right = match &app.notice {
        Some(n) => {
            let style = match n.level {
                NoticeLevel::Error => theme.error(),
                NoticeLevel::Info => theme.status_bar(),
            };
            Span::styled(
                format!(" {} ", crate::sanitize::sanitize(&n.text, " ")),
                style,
            )
        }
        None => Span::raw(" F1 help · Ctrl+Q quit "),
    };
    let right_w = u16::try_from(right.width())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(right_w)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(left)).style(theme.status_bar()),
        l,
    );
    frame.render_widget(
        Paragraph::new(Line::from(right)).style(theme.status_bar()),
        r,
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
    let rows: Vec<Row> = app
        .keymap
        .help_rows()
        .into_iter()
        .filter(|(cmd, keys)| !keys.is_empty() && cmd.focus_index().is_none_or(|i| i == 0))
        .map(|(cmd, keys)| {
            // Nine "focus pane N" rows say one thing.
            let (keys, desc) = match cmd.focus_index() {
                Some(_) => (vec![format!("{} … 9", keys.join(", "))], "focus pane 1 … 9"),
                None => (keys, cmd.description()),
            };
            Row::new(vec![
                Line::styled(keys.join(", "), theme.key()),
                Line::raw(desc),
            ])
        })
        .collect();
    let mut rows = rows;
    rows.push(Row::new(vec![
        Line::styled("up / down", theme.key()),
        Line::raw("recall earlier prompts (at the prompt's first / last line)"),
    ]));
    rows.push(Row::new(vec![
        Line::styled("mouse wheel", theme.key()),
        Line::raw("scroll the pane under the pointer; click focuses it"),
    ]));
    let total = rows.len();
    let height = u16::try_from(total).unwrap_or(u16::MAX).saturating_add(2);
    let area = centered(frame.area(), 96, height);
    let shown = usize::from(area.height.saturating_sub(2));
    let scroll = app.help_scroll.min(total.saturating_sub(shown));
    let hint = if shown < total {
        format!(
            " ↑↓ PgUp PgDn scroll ({}-{} of {total}) · F1, ? or Esc closes ",
            scroll + 1,
            (scroll + shown).min(total)
        )
    } else {
        " F1, ? or Esc closes · keys are configurable in config.toml [keys] ".to_owned()
    };
    let table = Table::new(rows, [Constraint::Length(34), Constraint::Min(20)])
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

fn render_model_prompt(
    frame: &mut Frame,
    app: &App,
    purpose: ModelPurpose,
    input: &crate::app::Prompt,
    theme: &Theme,
) {
    let title = match purpose {
        ModelPurpose::AddPane => " add a pane: model id ".to_owned(),
        ModelPurpose::Rebind(id) => {
            let current = app
                .pane_index(id)
                .map(|i| app.panes[i].model.clone())
                .unwrap_or_default();
            format!(
                " change model of {} ",
                crate::sanitize::sanitize(&current, " ")
            )
        }
    };
    let area = centered(frame.area(), 64, 5);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title)
        .title_bottom(Line::styled(" Enter confirms · Esc cancels ", theme.dim()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [field, note] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(input.textarea(), field);
    if let Some(n) = app
        .notice
        .as_ref()
        .filter(|n| n.level == NoticeLevel::Error)
    {
        frame.render_widget(
            Paragraph::new(Line::styled(n.text.clone(), theme.error())).wrap(Wrap { trim: true }),
            note,
        );
    }
}
