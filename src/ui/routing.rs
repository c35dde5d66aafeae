//! The routing form overlay: one row per preference (choices show their value, text fields
//! their editor), the account-wide data policy, and what the request will carry.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::{Theme, centered};
use crate::app::routing::Field;
use crate::app::{App, RoutingForm};
use crate::keymap::{FormAction, ModeKeys};

/// The form's keys, from `[keys.routing]`: ` ↑↓ field · ←→ Space change · Enter applies · … `.
fn footer(k: &ModeKeys<FormAction>) -> String {
    let change = k
        .pair(FormAction::ChoicePrev, FormAction::ChoiceNext)
        .map(|pair| {
            let mut keys = vec![pair];
            keys.extend(k.labels(FormAction::ChoiceNext).into_iter().skip(1));
            format!("{} change", keys.join(" "))
        });
    super::hints(&[
        k.pair(FormAction::PrevField, FormAction::NextField)
            .map(|p| format!("{p} field")),
        change,
        k.hint(FormAction::Apply, "applies"),
        k.hint(FormAction::Reset, "resets"),
        k.hint(FormAction::Close, "cancels"),
    ])
}

pub fn render(frame: &mut Frame, app: &App, form: &RoutingForm, theme: &Theme) {
    let rows = u16::try_from(Field::ALL.len()).unwrap_or(8);
    let area = centered(frame.area(), 96, rows + 8);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(format!(" routing for {} ", form.label))
        .title_bottom(super::footer(&footer(&app.keymap.routing), area, theme));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [fields, policy, preview] = Layout::vertical([
        Constraint::Length(rows),
        Constraint::Length(2),
        Constraint::Min(1),
    ])
    .areas(inner);
    for (i, field) in Field::ALL.into_iter().enumerate() {
        let y = fields.y + u16::try_from(i).unwrap_or(0);
        if y >= fields.bottom() {
            break;
        }
        let row = Rect {
            y,
            height: 1,
            ..fields
        };
        let [label, value] =
            Layout::horizontal([Constraint::Length(20), Constraint::Min(1)]).areas(row);
        let focused = form.field == i;
        let marker = if focused { "▸ " } else { "  " };
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("{marker}{}", field.label()),
                theme.title(focused),
            )),
            label,
        );
        match form.input(field) {
            Some(input) => frame.render_widget(input.textarea(), value),
            None => {
                let text = form.choice_text(field);
                let line = if focused {
                    Line::from(vec![Span::styled(format!("‹ {text} ›"), theme.key())])
                } else {
                    Line::raw(text)
                };
                frame.render_widget(Paragraph::new(line), value);
            }
        }
    }
    let policy_text = if app.settings.deny_data_collection {
        "data collection: deny (account-wide, from config.toml) — only providers that neither store nor train on prompts"
    } else {
        "data collection: the account's default (set data_collection = \"deny\" in config.toml to exclude providers that store prompts)"
    };
    frame.render_widget(
        Paragraph::new(Line::styled(policy_text, theme.dim())).wrap(Wrap { trim: true }),
        policy,
    );
    let (text, style) = match form.preview(app.settings.deny_data_collection) {
        Ok(text) => (text, theme.dim()),
        Err(text) => (text, theme.error()),
    };
    frame.render_widget(
        Paragraph::new(Line::styled(text.into_string(), style)).wrap(Wrap { trim: true }),
        preview,
    );
}
