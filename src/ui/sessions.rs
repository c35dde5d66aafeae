//! The session browser overlay: a filter field, the matching sessions (damaged ones with
//! their reason), and what the keys do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Row, Table, TableState};

use super::{Theme, centered, small_prompt};
use crate::app::{App, Browser, BrowserMode};
use crate::chat::Cost;
use crate::keymap::{BrowserAction, DialogAction};
use crate::sanitize::Clean;
use crate::text::fit;

/// `2026-12-02T03:58:47Z` as `2026-12-02 03:58 UTC`: the zone said, the seconds left out.
fn utc_time(stamp: &str) -> String {
    let t = stamp.replace('T', " ");
    let t = t.trim_end_matches('Z');
    match t.get(..16) {
        Some(minutes) if t.len() >= 16 => format!("{minutes} UTC"),
        _ => format!("{t} UTC"),
    }
}

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
        frame.area().width.saturating_sub(4).min(160),
        frame.area().height.saturating_sub(4).max(10),
    );
    let k = &app.keymap;
    let keys = match b.mode {
        BrowserMode::Browse => super::hints(&[
            k.browser.hint(BrowserAction::Open, "opens"),
            k.browser.hint(BrowserAction::Rename, "renames"),
            k.browser.hint(BrowserAction::Delete, "deletes"),
            k.browser.hint(BrowserAction::Close, "closes"),
        ]),
        BrowserMode::Rename(_) => super::hints(&[
            Some("type the new title".to_owned()),
            k.dialog.hint(DialogAction::Confirm, "confirms"),
            k.dialog.hint(DialogAction::Cancel, "cancels"),
        ]),
        BrowserMode::ConfirmDelete => super::hints(&[
            Some("delete this session?".to_owned()),
            k.browser.hint(BrowserAction::ConfirmDelete, "deletes"),
            Some("any other key keeps it".to_owned()),
        ]),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(" sessions ")
        .title_bottom(super::footer(&keys, area, theme));
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
    // Fixed columns first; the title and the models share what is left, each cut with `…`.
    let (id_w, when_w, spend_w) = (20, 20, 16);
    let open_w = 2;
    let rest = usize::from(list.width).saturating_sub(open_w + id_w + when_w + spend_w + 4);
    // Narrow, the models go (the filter still finds them) and the title keeps the room.
    let title_w = if rest >= 48 { rest * 11 / 20 } else { rest };
    let models_w = rest - title_w;
    let rows: Vec<Row> = b
        .visible()
        .into_iter()
        .map(|r| {
            let open = if r.id == app.session.id { "●" } else { " " };
            let id = Line::styled(fit(&r.shown_id, id_w), theme.dim());
            match &r.damaged {
                Some(reason) => Row::new(vec![
                    Line::styled(open, theme.error()),
                    id,
                    Line::styled(fit(&format!("DAMAGED: {reason}"), title_w), theme.error()),
                    Line::raw(""),
                    Line::raw(""),
                    Line::raw(""),
                ]),
                None => Row::new(vec![
                    Line::raw(open),
                    id,
                    Line::raw(fit(&r.title, title_w)),
                    Line::styled(fit(&models(app, &r.models), models_w), theme.dim()),
                    Line::styled(utc_time(&r.updated), theme.dim()),
                    Line::styled(
                        format!("{} · {}", r.prompts, Cost::usd(r.cost_usd)),
                        theme.cost(),
                    ),
                ]),
            }
        })
        .collect();
    let width = |w: usize| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX));
    let table = Table::new(
        rows,
        [
            width(open_w - 1),
            width(id_w),
            width(title_w),
            width(models_w),
            width(when_w),
            width(spend_w),
        ],
    )
    .header(
        Row::new(vec![
            "",
            "id",
            "title",
            "models",
            "updated (UTC)",
            "prompts · spend",
        ])
        .style(theme.dim()),
    )
    .row_highlight_style(theme.status_bar());
    let mut state = TableState::default().with_selected(Some(b.selected));
    frame.render_stateful_widget(table, list, &mut state);
    if let BrowserMode::Rename(input) = &b.mode {
        let at = centered(area, 60, 3);
        small_prompt(frame, app, at, " rename session ", input);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_say_their_zone() {
        assert_eq!(
            super::utc_time("2026-12-02T03:58:47Z"),
            "2026-12-02 03:58 UTC"
        );
        assert_eq!(super::utc_time("2026-12-02"), "2026-12-02 UTC");
    }
}
