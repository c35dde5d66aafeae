//! The spend view (bar charts of this session's spend per model and per provider, a table per
//! model with answers, tokens, cost, mean time to first token, mean speed and a sparkline of
//! its recent speeds) and the account view (credits, the key's limit, today's spend, budgets).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Sparkline};

use super::{Theme, centered};
use crate::app::spend::{ModelStats, SpendReport, latest_round, report};
use crate::app::{App, Command};
use crate::catalog::cache::age_label;
use crate::chat::Cost;
use crate::clock::unix_now;
use crate::keymap::{AccountAction, SpendAction};
use crate::sanitize::Clean;
use crate::text::{fit, width_of};

fn frame_block(title: String, keys: &str, area: Rect, theme: &Theme) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(title)
        .title_bottom(super::footer(keys, area, theme))
}

pub fn render_spend(frame: &mut Frame, app: &App, theme: &Theme) {
    let full = frame.area();
    let area = centered(
        full,
        full.width.saturating_sub(4).min(140),
        full.height.saturating_sub(2),
    );
    let r = report(&app.panes);
    let uncosted = if r.uncosted > 0 {
        format!(", {} answer(s) of pending or unknown cost", r.uncosted)
    } else {
        String::new()
    };
    let search = if r.searches > 0 {
        format!(
            " (of it {} for {} web search(es))",
            r.search_cost, r.searches
        )
    } else {
        String::new()
    };
    let title = format!(" spend this session: {}{search}{uncosted} ", r.total);
    let k = &app.keymap;
    let mut closes: Vec<String> = k.label_for(Command::Spend).into_iter().collect();
    closes.extend(k.spend.labels(SpendAction::Close).into_iter().take(2));
    let keys = super::hints(&[
        Some(format!("{} closes", crate::keymap::either(&closes))),
        k.label_for(Command::Account)
            .map(|a| format!("{a} account")),
    ]);
    let block = frame_block(title, &keys, area, theme);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    if r.models.is_empty() || app.is_blind() {
        let text = if app.is_blind() {
            "Per-model figures (cost, speed, time to first token) would tell the models: they show after this round's vote."
        } else {
            "No answers yet: the numbers appear here as they come."
        };
        let hint = Paragraph::new(Line::styled(text, theme.dim()))
            .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(hint, inner);
        return;
    }
    let chart_rows = u16::try_from(r.models.len().max(r.providers.len())).unwrap_or(u16::MAX);
    let round = latest_round(&app.panes);
    let round_rows = if round.is_empty() {
        0
    } else {
        u16::try_from(round.len() + 2).unwrap_or(0)
    };
    let [charts, table, latest] = Layout::vertical([
        Constraint::Length(chart_rows.saturating_add(1).min(inner.height / 2)),
        Constraint::Min(3),
        Constraint::Length(round_rows),
    ])
    .areas(inner);
    render_round(frame, latest, &round, theme);
    let [by_model, by_provider] =
        // Two columns apart, so the first chart's costs never run into the second's names.
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .spacing(2)
            .areas(charts);
    let models: Vec<(Clean, Cost)> = r.models.iter().map(|m| (m.model.clone(), m.cost)).collect();
    bar_chart(frame, by_model, "per model", &models, theme);
    bar_chart(frame, by_provider, "per provider", &r.providers, theme);
    render_table(frame, table, &r, theme);
}

/// The latest round ranked per measure, each line cut with `…` to the view's width.
fn render_round(frame: &mut Frame, area: Rect, round: &[(&str, String)], theme: &Theme) {
    if round.is_empty() {
        return;
    }
    let mut lines = vec![
        Line::default(),
        Line::styled("latest round, ranked", theme.dim()),
    ];
    for (what, ranking) in round {
        let head = format!("{what:<12}");
        let room = usize::from(area.width).saturating_sub(width_of(&head));
        lines.push(Line::from(vec![
            Span::styled(head, theme.dim()),
            Span::raw(fit(ranking, room)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// Horizontal bars scaled to the dearest, one row each: the name (cut with `…`), the bar,
/// and the cost after it, so bars stay proportional and never run into their labels.
fn bar_chart(frame: &mut Frame, area: Rect, title: &str, items: &[(Clean, Cost)], theme: &Theme) {
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(title.to_owned(), theme.dim())),
        head,
    );
    let lines: Vec<Line> = bar_rows(items, usize::from(area.width))
        .into_iter()
        .map(|(label, bar, cost)| {
            Line::from(vec![
                Span::raw(label),
                Span::styled(bar, theme.chart()),
                Span::styled(cost, theme.cost()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

/// The label, bar and cost text of each row of a bar chart `width` columns wide.
fn bar_rows(items: &[(Clean, Cost)], width: usize) -> Vec<(String, String, String)> {
    let costs: Vec<String> = items.iter().map(|(_, c)| c.to_string()).collect();
    let cost_w = costs.iter().map(|c| width_of(c)).max().unwrap_or(0);
    let name_w = items.iter().map(|(n, _)| width_of(n)).max().unwrap_or(0);
    let label_w = name_w.min(width.saturating_sub(cost_w + 2) / 2).max(1);
    let bar_w = width.saturating_sub(label_w + cost_w + 2);
    let max = items
        .iter()
        .map(|(_, c)| c.as_usd())
        .fold(0.0_f64, f64::max);
    items
        .iter()
        .zip(costs)
        .map(|((name, cost), text)| {
            let label = fit(name, label_w);
            let pad = label_w.saturating_sub(width_of(&label));
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let cells = if max > 0.0 {
                ((cost.as_usd() / max) * bar_w as f64).round().max(0.0) as usize
            } else {
                0
            };
            // A cost too small for a cell still shows one, so it is not mistaken for none.
            let cells = if cost.as_usd() > 0.0 { cells.max(1) } else { 0 }.min(bar_w);
            (
                format!("{label}{} ", " ".repeat(pad)),
                format!("{}{} ", "█".repeat(cells), " ".repeat(bar_w - cells)),
                text,
            )
        })
        .collect()
}

fn render_table(frame: &mut Frame, area: Rect, r: &SpendReport, theme: &Theme) {
    // The search column only when this session searched: it would crowd the rest for nothing.
    let searched = r.searches > 0;
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(8),
        Constraint::Length(17),
        Constraint::Length(11),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Fill(2),
    ];
    let mut heads = vec![
        "model",
        "answers",
        "tokens in → out",
        "cost",
        "mean TTFT",
        "tok/s",
        // The column that narrows: too narrow for this, it says "trend" rather than be cut.
        "tok/s, recent answers|trend",
    ];
    if searched {
        widths.insert(4, Constraint::Length(12));
        heads.insert(4, "of it search");
    }
    let mut y = area.y;
    let header_row = Rect {
        y,
        height: 1,
        ..area
    };
    for (cell, text) in Layout::horizontal(widths.iter().copied())
        .spacing(1)
        .split(header_row)
        .iter()
        .zip(heads)
    {
        // A heading `long|short` gives its short form where the long one does not fit.
        let width = usize::from(cell.width);
        let text = match text.split_once('|') {
            Some((long, _)) if width_of(long) <= width => long.to_owned(),
            Some((_, short)) => fit(short, width),
            None => fit(text, width),
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), *cell);
    }
    y += 1;
    for m in &r.models {
        if y >= area.bottom() {
            break;
        }
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        let cells = Layout::horizontal(widths.iter().copied())
            .spacing(1)
            .split(row);
        for (i, (cell, text)) in cells.iter().zip(row_text(m, searched)).enumerate() {
            // A model name wider than its column ends in `…` rather than being cut short.
            let text = if i == 0 {
                Line::raw(fit(&m.model, usize::from(cell.width)))
            } else {
                text
            };
            frame.render_widget(Paragraph::new(text), *cell);
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let speeds: Vec<u64> = m
            .recent_speeds
            .iter()
            .map(|s| s.round().max(0.0) as u64)
            .collect();
        if let Some(cell) = cells.last() {
            frame.render_widget(
                Sparkline::default().data(&speeds).style(theme.chart()),
                *cell,
            );
        }
        y += 1;
    }
}

fn row_text(m: &ModelStats, searched: bool) -> Vec<Line<'static>> {
    let search = searched.then(|| {
        Line::raw(match m.searches {
            0 => "–".to_owned(),
            #[allow(clippy::cast_precision_loss)]
            n => format!("{n} × {}", Cost::usd(m.search_cost.as_usd() / n as f64)),
        })
        .right_aligned()
    });
    let cost = if m.uncosted > 0 {
        format!("{}+{}?", m.cost, m.uncosted)
    } else {
        m.cost.to_string()
    };
    let mut row = vec![
        Line::raw(m.model.to_string()),
        Line::raw(m.answers.to_string()).right_aligned(),
        Line::raw(format!("{} → {}", m.prompt_tokens, m.completion_tokens)).right_aligned(),
        Line::raw(cost).right_aligned(),
    ];
    row.extend(search);
    row.extend([
        Line::raw(
            m.mean_ttft
                .map_or("–".into(), |t| format!("{:.2} s", t.as_secs_f64())),
        )
        .right_aligned(),
        Line::raw(
            m.mean_tokens_per_second
                .map_or("–".into(), |t| format!("{t:.0}")),
        )
        .right_aligned(),
    ]);
    row
}

pub fn render_account(frame: &mut Frame, app: &App, theme: &Theme) {
    let full = frame.area();
    let area = centered(full, full.width.saturating_sub(4).min(130), 14);
    let k = &app.keymap;
    let mut closes: Vec<String> = k.label_for(Command::Account).into_iter().collect();
    closes.extend(k.account.labels(AccountAction::Close).into_iter().take(2));
    let keys = super::hints(&[
        k.account.hint(AccountAction::Refresh, "refreshes"),
        Some(format!("{} closes", crate::keymap::either(&closes))),
        k.label_for(Command::Spend).map(|s| format!("{s} spend")),
    ]);
    let block = frame_block(" account ".into(), &keys, area, theme);
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let a = &app.account;
    let usd = |v: f64| Cost::usd(v).to_string();
    let mut lines: Vec<Line> = Vec::new();
    let label = |t: &str| Span::styled(format!("{t:<10}"), theme.dim());
    match &a.credits {
        None => lines.push(Line::from(vec![label("credits"), Span::raw("…")])),
        Some(Ok(c)) => lines.push(Line::from(vec![
            label("credits"),
            Span::raw(format!(
                "purchased {} · used {} · ",
                usd(c.total_credits),
                usd(c.total_usage)
            )),
            Span::styled(format!("left {}", usd(c.remaining())), theme.cost()),
        ])),
        Some(Err(e)) => lines.push(Line::from(vec![
            label("credits"),
            Span::styled(format!("not available: {e}"), theme.error()),
        ])),
    }
    match &a.key {
        None => lines.push(Line::from(vec![label("key"), Span::raw("…")])),
        Some(Ok(k)) => {
            let limit = match (k.limit, k.limit_remaining) {
                (Some(l), Some(r)) => format!("limit {} · remaining {}", usd(l), usd(r)),
                (Some(l), None) => format!("limit {}", usd(l)),
                _ => "no limit".to_owned(),
            };
            let reset = k
                .limit_reset
                .as_deref()
                .map(|r| format!(" (resets {r})"))
                .unwrap_or_default();
            let used = match (k.usage_daily, k.usage) {
                (Some(d), Some(u)) => format!(" · used today {} · in all {}", usd(d), usd(u)),
                (None, Some(u)) => format!(" · used {}", usd(u)),
                _ => String::new(),
            };
            let tier = if k.is_free_tier == Some(true) {
                " · free tier"
            } else {
                ""
            };
            let name = a
                .key_label
                .as_ref()
                .map(|l| format!("{l} · "))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                label("key"),
                Span::raw(format!("{name}{limit}{reset}{used}{tier}")),
            ]));
        }
        Some(Err(e)) => lines.push(Line::from(vec![
            label("key"),
            Span::styled(format!("not available: {e}"), theme.error()),
        ])),
    }
    lines.push(Line::default());
    let (spent, pending) = app.spend();
    let mut here = format!("this session {spent}");
    if pending > 0 {
        here.push_str(&format!(" (+{pending} pending)"));
    }
    if let Some(today) = app.money.spent_today() {
        here.push_str(&format!(" · today (UTC, every run) {}", Cost::usd(today)));
    }
    lines.push(Line::from(vec![label("spent"), Span::raw(here)]));
    for (name, used, spent, budget) in crate::app::money::budget_use(app, spent) {
        lines.push(Line::from(vec![
            label("budget"),
            Span::styled(
                format!(
                    "{name}: {} of {} ({:.0}%)",
                    Cost::usd(spent),
                    Cost::usd(budget),
                    used * 100.0
                ),
                theme.gauge(used),
            ),
        ]));
    }
    lines.push(Line::default());
    let status = match (a.loading, a.fetched_at) {
        (true, _) => "refreshing…".to_owned(),
        (false, Some(at)) => format!("as of {}", age_label(unix_now().saturating_sub(at))),
        (false, None) => "not fetched yet".to_owned(),
    };
    lines.push(Line::styled(status, theme.dim()));
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_bars_are_proportional_and_names_shrink_with_an_ellipsis() {
        let items = vec![
            (Clean::text("demo/verbose-model-name"), Cost::usd(0.004)),
            (Clean::text("demo/fast"), Cost::usd(0.001)),
            (Clean::text("demo/free"), Cost::ZERO),
        ];
        for width in [30, 44, 80] {
            let rows = bar_rows(&items, width);
            let cells: Vec<usize> = rows
                .iter()
                .map(|(_, b, _)| b.matches('█').count())
                .collect();
            assert_eq!(cells[2], 0, "{rows:?}");
            assert!(
                cells[0] >= 3 * cells[1] && cells[1] >= 1,
                "{width}: {rows:?}"
            );
            for (label, bar, cost) in &rows {
                assert!(width_of(label) + width_of(bar) + width_of(cost) <= width);
                assert!(label.ends_with(' ') && bar.ends_with(' '), "{rows:?}");
            }
            let first = &rows[0].0;
            assert!(
                first.trim_end() == "demo/verbose-model-name" || first.trim_end().ends_with('…'),
                "{width}: {first:?}"
            );
        }
        assert_eq!(bar_rows(&items, 30)[1].2, "$0.001");
    }
}
