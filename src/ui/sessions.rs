//! The session browser overlay: a filter field, the matching sessions (damaged ones with
//! their reason), and what the keys do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, TableState};

use super::{Theme, centered, small_prompt};
use crate::app::{App, Browser, BrowserMode};
use crate::chat::Cost;
use crate::sanitize::Clean;

/// A session's models, unless this is a blind round (another session may hold this one's
/// models, so none are named).
fn models(app: &App, models: &[Clean]) -> String {
    if app.is_blind() {
        return "hidden in a blind round".to_owned();
    }
    let names: Vec<&str> = models.iter().map(Clean::as_str).collect();
    names.join(", ")
}

pub fn render(frame: &mut Frame, app: &App, b: &Browser, theme: &Theme) {
    let area = centered(
        frame.area(),
        110,
        frame.area().height.saturating_sub(4).max(10),
    );
    let keys = match b.mode {
        BrowserMode::Browse => " Enter opens · Ctrl+R renames · Ctrl+D deletes · Esc closes ",
        BrowserMode::Rename(_) => " type the new title · Enter confirms · Esc cancels ",
        BrowserMode::ConfirmDelete => " delete this session? y deletes · any other key keeps it ",
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(" sessions ")
        .title_bottom(Line::styled(keys, theme.dim()));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [filter, note, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(b.filter.textarea(), filter);
    let message = match (&b.rows, &b.message) {
        (None, _) => "reading sessions…".to_owned(),
        (_, Some(m)) => m.to_string(),
        (Some(_), None) => format!(
            "{} of {} sessions",
            b.visible().len(),
            b.rows.as_ref().map_or(0, Vec::len)
        ),
    };
    frame.render_widget(Paragraph::new(Line::styled(message, theme.dim())), note);
    let rows: Vec<Row> = b
        .visible()
        .into_iter()
        .map(|r| {
            let open = if r.id == app.session.id { "● " } else { "  " };
            match &r.damaged {
                Some(reason) => Row::new(vec![
                    Line::styled(format!("{open}{}", r.shown_id), theme.error()),
                    Line::styled(format!("DAMAGED: {reason}"), theme.error()),
                    Line::raw(""),
                    Line::raw(""),
                ]),
                None => Row::new(vec![
                    Line::raw(format!("{open}{}", r.title)),
                    Line::styled(models(app, &r.models), theme.dim()),
                    Line::styled(
                        r.updated.replace('T', " ").trim_end_matches('Z').to_owned(),
                        theme.dim(),
                    ),
                    Line::styled(
                        format!("{} · {}", r.prompts, Cost::usd(r.cost_usd)),
                        theme.cost(),
                    ),
                ]),
            }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Percentage(36),
            Constraint::Percentage(30),
            Constraint::Length(19),
            Constraint::Length(18),
        ],
    )
    .header(Row::new(vec!["title", "models", "updated", "prompts · spend"]).style(theme.dim()))
    .row_highlight_style(theme.status_bar());
    let mut state = TableState::default().with_selected(Some(b.selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let BrowserMode::Rename(input) = &b.mode {
        let at = centered(area, 60, 3);
        small_prompt(frame, at, " rename session ", input, theme);
    }
}
