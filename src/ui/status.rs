//! The status bar (spend, budget gauges, credits, the focused pane's provider, streams, the
//! catalog when it is missing, the send mode, a notice or the key hints) and the prompt box's
//! cost estimate.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::app::{App, Command, Estimate, NoticeLevel, SendMode};
use crate::chat::Cost;

/// Cells of a budget gauge.
const GAUGE_CELLS: usize = 8;

/// `▰▰▰▱▱▱▱▱`: `used` (0.0 to 1.0, more when passed) of the cells filled.
pub fn gauge(used: f64) -> String {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let filled = ((used.clamp(0.0, 1.0) * GAUGE_CELLS as f64).round() as usize).min(GAUGE_CELLS);
    format!("{}{}", "▰".repeat(filled), "▱".repeat(GAUGE_CELLS - filled))
}

/// What a status-bar field is worth when the bar is too narrow for all of them: the least
/// important go first, whole. Spend, budgets and errors are never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Worth {
    /// The focused pane's provider: its title and footers name it too.
    Provider,
    /// The send mode: the prompt box's title says it too.
    SendMode,
    /// How many panes stream: their spinners show it.
    Streaming,
    /// The account's credits: F4 shows them.
    Credits,
    Kept,
}

pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = app.layout.status;
    let (spent, pending) = app.spend();
    let mut spend = vec![Span::raw(" spend "), Span::raw(spent.to_string())];
    if pending > 0 {
        spend.push(Span::raw(format!(" (+{pending} pending)")));
    }
    let mut fields = vec![(Worth::Kept, spend)];
    for (name, used, spent, budget) in crate::app::money::budget_use(app, spent) {
        fields.push((
            Worth::Kept,
            vec![
                Span::raw(format!(" · {name} ")),
                Span::styled(gauge(used), theme.gauge(used)),
                Span::raw(format!(" {}/{}", Cost::usd(spent), Cost::usd(budget))),
            ],
        ));
    }
    if let Some(b) = app.account.balance {
        let text = match (b.credits_left, b.key_left) {
            (Some(c), _) => Some(format!(" · credits {}", Cost::usd(c))),
            (None, Some(k)) => Some(format!(" · key limit left {}", Cost::usd(k))),
            (None, None) => None,
        };
        if let Some(text) = text {
            fields.push((Worth::Credits, vec![Span::raw(text)]));
        }
    }
    if let Some(p) = app.identity(app.focus).and_then(|n| n.last_provider()) {
        fields.push((Worth::Provider, vec![Span::raw(format!(" · provider {p}"))]));
    }
    let streaming = app.streaming_count();
    if streaming > 0 {
        let text = format!(" · {streaming} streaming");
        fields.push((Worth::Streaming, vec![Span::raw(text)]));
    }
    if !app.catalog.has_default() && app.catalog.error.is_some() {
        let text = " · no catalog (F5 retries)";
        fields.push((Worth::Kept, vec![Span::styled(text, theme.error())]));
    }
    if let Some(e) = &app.save_error {
        let text = format!(" · ⚠ not saved ({e}); retrying with the next save");
        fields.push((Worth::Kept, vec![Span::styled(text, theme.error())]));
    }
    let mode = match app.send_mode {
        SendMode::All => " · send: all",
        SendMode::Focused => " · send: focused",
    };
    fields.push((Worth::SendMode, vec![Span::raw(mode)]));
    let right = match &app.notice {
        Some(n) => {
            let style = match n.level {
                NoticeLevel::Error => theme.error(),
                NoticeLevel::Info => theme.status_bar(),
            };
            Span::styled(format!(" {} ", app.scrub(&n.text)), style)
        }
        // From the live keymap: a rebound quit key is the one the hint names.
        None => {
            let key = |cmd| app.keymap.label_for(cmd);
            let hint = [(key(Command::Help), "help"), (key(Command::Quit), "quit")]
                .into_iter()
                .filter_map(|(k, what)| Some(format!("{} {what}", k?)))
                .collect::<Vec<_>>()
                .join(" · ");
            Span::raw(format!(" {hint} "))
        }
    };
    // The spend keeps its place; a notice longer than the rest of the bar ends in `…`.
    let spend_w: usize = fields[0].1.iter().map(Span::width).sum::<usize>() + 1;
    let room = usize::from(area.width).saturating_sub(spend_w);
    let right = Span::styled(crate::text::fit(&right.content, room), right.style);
    let right_w = u16::try_from(right.width())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let left = fit_fields(fields, usize::from(area.width - right_w));
    let [l, r] = Layout::horizontal([Constraint::Min(0), Constraint::Length(right_w)]).areas(area);
    frame.render_widget(Paragraph::new(left).style(theme.status_bar()), l);
    frame.render_widget(
        Paragraph::new(Line::from(right)).style(theme.status_bar()),
        r,
    );
}

/// The fields that fit `width`, dropping the least important whole; what still does not fit
/// ends in `…`.
fn fit_fields(mut fields: Vec<(Worth, Vec<Span<'static>>)>, width: usize) -> Line<'static> {
    let total = |f: &[(Worth, Vec<Span<'static>>)]| -> usize {
        f.iter().flat_map(|(_, s)| s).map(Span::width).sum()
    };
    for worth in [
        Worth::Provider,
        Worth::SendMode,
        Worth::Streaming,
        Worth::Credits,
    ] {
        if total(&fields) <= width {
            break;
        }
        fields.retain(|(w, _)| *w != worth);
    }
    Line::from(super::fit_spans(
        fields.into_iter().flat_map(|(_, s)| s).collect(),
        width,
    ))
}

/// ` ≤ $0.0123 for 3 panes (≈) + 1 of unknown price · session budget left $0.40 `.
pub fn estimate_line(app: &App, est: &Estimate, theme: &Theme) -> Line<'static> {
    let priced = est.panes - est.unknown.len();
    let mut spans = Vec::new();
    if priced > 0 {
        let panes = if priced == 1 {
            "1 pane".to_owned()
        } else {
            format!("{priced} panes")
        };
        spans.push(Span::styled(
            format!(" ≤ {} for {panes} (≈)", est.max),
            theme.cost(),
        ));
    }
    if let Some(files) = &est.attachments {
        // Models count images and pages in tokens of their own: a guess, said as one.
        spans.push(Span::styled(
            format!(" with {files} (≈ tokens)"),
            theme.dim(),
        ));
    }
    if est.ocr_fee > Cost::ZERO {
        // Pages are counted from the file or guessed from its size.
        spans.push(Span::styled(
            format!(" · OCR ≈{} of it", est.ocr_fee),
            theme.dim(),
        ));
    }
    if !est.not_taking.is_empty() {
        let panes: Vec<&str> = est.not_taking.iter().map(|c| c.as_str()).collect();
        spans.push(Span::styled(
            format!(" · ✗ {} cannot take them", panes.join(", ")),
            theme.error(),
        ));
    }
    if !est.unknown.is_empty() {
        let lead = if priced > 0 { " + " } else { " " };
        let what = match est.unknown.as_slice() {
            [one] => format!("{one} at an unknown price"),
            many => format!("{} panes at unknown prices", many.len()),
        };
        spans.push(Span::styled(format!("{lead}{what}"), theme.dim()));
    }
    if let Some(b) = app.settings.session_budget {
        let left = (b - app.spend().0.as_usd()).max(0.0);
        let style = if est.max.as_usd() > left {
            theme.error()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(
            format!(" · session budget left {}", Cost::usd(left)),
            style,
        ));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrow_bar_drops_whole_fields_least_important_first() {
        let field = |w, t: &str| (w, vec![Span::raw(t.to_owned())]);
        let fields = vec![
            field(Worth::Kept, " spend $0.00577"),
            field(Worth::Credits, " · credits $4.99"),
            field(Worth::Provider, " · provider Aurora Cloud"),
            field(Worth::SendMode, " · send: all"),
        ];
        let text = |l: Line| {
            l.spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        assert_eq!(
            text(fit_fields(fields.clone(), 80)),
            " spend $0.00577 · credits $4.99 · provider Aurora Cloud · send: all"
        );
        assert_eq!(
            text(fit_fields(fields.clone(), 50)),
            " spend $0.00577 · credits $4.99 · send: all"
        );
        assert_eq!(
            text(fit_fields(fields.clone(), 32)),
            " spend $0.00577 · credits $4.99"
        );
        assert_eq!(text(fit_fields(fields, 10)), " spend $0…");
    }

    #[test]
    fn the_gauge_fills_with_use_and_stops_at_full() {
        assert_eq!(gauge(0.0), "▱▱▱▱▱▱▱▱");
        assert_eq!(gauge(0.5), "▰▰▰▰▱▱▱▱");
        assert_eq!(gauge(3.0), "▰▰▰▰▰▰▰▰");
    }
}
