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

pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = app.layout.status;
    let (spent, pending) = app.spend();
    let mut left = vec![Span::raw(" spend "), Span::raw(spent.to_string())];
    if pending > 0 {
        left.push(Span::raw(format!(" (+{pending} pending)")));
    }
    for (name, used, spent, budget) in crate::app::money::budget_use(app, spent) {
        left.push(Span::raw(format!(" · {name} ")));
        left.push(Span::styled(gauge(used), theme.gauge(used)));
        left.push(Span::raw(format!(
            " {}/{}",
            Cost::usd(spent),
            Cost::usd(budget)
        )));
    }
    if let Some(b) = app.account.balance {
        if let Some(c) = b.credits_left {
            left.push(Span::raw(format!(" · credits ${c:.4}")));
        } else if let Some(k) = b.key_left {
            left.push(Span::raw(format!(" · key limit left ${k:.4}")));
        }
    }
    if let Some(p) = app.identity(app.focus).and_then(|n| n.last_provider()) {
        left.push(Span::raw(format!(" · provider {p}")));
    }
    let streaming = app.streaming_count();
    if streaming > 0 {
        left.push(Span::raw(format!(" · {streaming} streaming")));
    }
    if !app.catalog.has_default() && app.catalog.error.is_some() {
        left.push(Span::styled(" · no catalog (F5 retries)", theme.error()));
    }
    if let Some(e) = &app.save_error {
        let text = format!(" · ⚠ not saved ({e}); retrying with the next save");
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
    fn the_gauge_fills_with_use_and_stops_at_full() {
        assert_eq!(gauge(0.0), "▱▱▱▱▱▱▱▱");
        assert_eq!(gauge(0.5), "▰▰▰▰▱▱▱▱");
        assert_eq!(gauge(3.0), "▰▰▰▰▰▰▰▰");
    }
}
