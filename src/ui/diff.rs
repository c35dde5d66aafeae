//! The diff view (F8): the rows `app::diff` computed, drawn over the panes with the place in
//! the list in the title. Removed words use the error style and added ones the style of a
//! free mark (red and green in the colour themes); their `[-…-]`/`{+…+}` markers are in the
//! text itself, so without colour nothing is lost.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::Theme;
use crate::app::App;
use crate::app::diff::{DiffView, Mark, hint, shown};

pub fn render(frame: &mut Frame, app: &App, view: &DiffView, theme: &Theme) {
    let full = frame.area();
    // Everything but the status bar: a comparison wants the room's whole width.
    let area = Rect {
        height: full.height.saturating_sub(1),
        ..full
    };
    let shown = shown(app);
    let total = view.rows.len();
    let top = view.scroll.min(total.saturating_sub(shown));
    let mut title = view.title.clone();
    if total > shown {
        title.push_str(&format!(
            "· rows {}-{} of {total} ",
            top + 1,
            (top + shown).min(total)
        ));
    }
    let width = usize::from(area.width.saturating_sub(2));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Line::from(super::fit_spans(
            vec![Span::styled(title, theme.title(true))],
            width,
        )))
        .title_bottom(Line::from(super::fit_spans(
            vec![Span::styled(hint(app, width), theme.dim())],
            width,
        )));
    let lines: Vec<Line> = view
        .rows
        .iter()
        .skip(top)
        .take(shown)
        .map(|row| {
            Line::from(
                row.iter()
                    .map(|(text, mark)| {
                        let style = match mark {
                            Mark::Text => theme.answer(),
                            Mark::Removed => theme.error(),
                            Mark::Added => theme.free(),
                            Mark::Heading => theme.key(),
                            Mark::Note => theme.dim(),
                        };
                        Span::styled(text.clone(), style)
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let inner = Rect {
        x: area.x.saturating_add(2),
        width: area.width.saturating_sub(4),
        ..block.inner(area)
    };
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
}
