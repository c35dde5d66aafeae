//! The model picker overlay: the query, what the search found and how it is sorted, a table
//! of the visible matches (id with a mark for free models, name, context, prices per million
//! tokens, inputs) and the highlighted model's short description. Only the rows in view are
//! built, so thousands of matches cost the same as twenty.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, TableState};

use super::{Theme, centered};
use crate::app::{App, ModelPurpose, Picker};
use crate::catalog::cache::age_label;
use crate::catalog::{context_label, per_million};
use crate::clock::unix_now;
use crate::keymap::{ModeKeys, PickerAction};

/// The picker's keys, from `[keys.picker]`, most used first (a narrow footer cuts the rest).
fn footer(k: &ModeKeys<PickerAction>) -> String {
    let moves: Vec<String> = [
        k.pair(PickerAction::Up, PickerAction::Down),
        k.pair(PickerAction::PageUp, PickerAction::PageDown),
    ]
    .into_iter()
    .flatten()
    .collect();
    super::hints(&[
        k.hint(PickerAction::Choose, "picks"),
        (!moves.is_empty()).then(|| format!("{} move", moves.join(" "))),
        k.hint(PickerAction::SortNext, "sort"),
        k.hint(PickerAction::FreeOnly, "free only"),
        k.hint(PickerAction::UseTyped, "use the typed id"),
        k.hint(PickerAction::Providers, "providers"),
        k.hint(PickerAction::Refresh, "refresh"),
        k.hint(PickerAction::Close, "closes"),
    ])
}

pub fn render(frame: &mut Frame, app: &App, p: &Picker, theme: &Theme) {
    let full = frame.area();
    let area = centered(
        full,
        full.width.saturating_sub(4).min(150),
        full.height.saturating_sub(2).max(8),
    );
    let title = match p.purpose {
        ModelPurpose::AddPane => " add a pane: pick a model ".to_owned(),
        ModelPurpose::Rebind(id) => {
            let current = app
                .pane_index(id)
                .and_then(|i| app.identity(i))
                .map(|n| n.model().into_string())
                .unwrap_or_default();
            format!(" change the model of {current} ")
        }
    };
    let keys = footer(&app.keymap.picker);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title)
        .title_bottom(Line::styled(
            crate::text::fit(&keys, usize::from(area.width.saturating_sub(2))),
            theme.dim(),
        ));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [query, status, table, detail] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(p.query.textarea(), query);
    frame.render_widget(
        Paragraph::new(Line::styled(
            crate::text::fit(&status_line(app, p), usize::from(status.width)),
            theme.dim(),
        )),
        status,
    );
    render_table(frame, p, table, theme);
    let providers = p
        .providers
        .as_ref()
        .filter(|(id, _)| p.current().is_some_and(|r| r.id == *id));
    let description = match p.current() {
        Some(_) if providers.is_some() => providers.map(|(_, l)| l.to_string()).unwrap_or_default(),
        Some(r) if !r.description.is_empty() => r.description.clone(),
        Some(r) => r.name.clone(),
        None if p.query.text().trim().is_empty() => String::new(),
        None => format!(
            "{} uses \"{}\" as the model id",
            app.keymap.picker.name(PickerAction::Choose),
            p.query.text().trim()
        ),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            crate::text::fit(&description, usize::from(detail.width)),
            theme.dim(),
        )),
        detail,
    );
}

fn status_line(app: &App, p: &Picker) -> String {
    let total = p.index().map_or(0, crate::catalog::Index::len);
    let mut parts = vec![format!("{} of {total} models", p.hits.len())];
    parts.push(format!("sort: {}", p.sort.as_str()));
    if p.free_only {
        parts.push("free only".into());
    }
    if let Some(at) = app.catalog.fetched_at {
        let source = if app.catalog.from_cache {
            "cached, "
        } else {
            ""
        };
        parts.push(format!(
            "catalog {source}fetched {}",
            age_label(unix_now().saturating_sub(at))
        ));
    }
    if let Some(m) = &p.message {
        parts.push(m.to_string());
    }
    parts.join(" · ")
}

fn render_table(frame: &mut Frame, p: &Picker, area: Rect, theme: &Theme) {
    let Some(index) = p.index() else {
        return;
    };
    let shown = usize::from(area.height.saturating_sub(1)).max(1);
    // Pages of rows: the highlighted one is always in view and rows do not shift per keystroke.
    let top = p.selected / shown * shown;
    let wide = area.width >= 130;
    let rows: Vec<Row> = p
        .hits
        .iter()
        .skip(top)
        .take(shown)
        .map(|&i| {
            let r = &index.rows[i];
            let star = if r.conditional_price { "*" } else { "" };
            let mut cells = vec![
                Line::from(vec![
                    Span::raw(r.id.clone()),
                    if r.free {
                        Span::styled(" ★free", theme.free())
                    } else {
                        Span::raw("")
                    },
                ]),
                Line::raw(r.name.clone()),
                Line::raw(context_label(r.context)).right_aligned(),
                Line::styled(
                    format!("{}{star}", per_million(r.prompt_per_m)),
                    theme.cost(),
                )
                .right_aligned(),
                Line::styled(
                    format!("{}{star}", per_million(r.completion_per_m)),
                    theme.cost(),
                )
                .right_aligned(),
                Line::styled(r.input_modalities.join("+"), theme.dim()),
            ];
            if wide {
                cells.push(Line::styled(r.description.clone(), theme.dim()));
            }
            Row::new(cells)
        })
        .collect();
    let mut widths = vec![
        Constraint::Percentage(if wide { 22 } else { 34 }),
        Constraint::Percentage(if wide { 16 } else { 26 }),
        Constraint::Length(7),
        Constraint::Length(9),
        Constraint::Length(9),
        Constraint::Length(16),
    ];
    if wide {
        widths.push(Constraint::Fill(1));
    }
    let mut header = vec!["id", "name", "context", "in $/M", "out $/M", "input"];
    if wide {
        header.push("description");
    }
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.dim()))
        .row_highlight_style(theme.selected())
        .column_spacing(1);
    let mut state = TableState::default().with_selected(Some(p.selected - top));
    frame.render_stateful_widget(table, area, &mut state);
}
