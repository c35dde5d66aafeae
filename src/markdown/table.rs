//! Tables that fit the pane: columns keep their natural width when they can, otherwise the
//! narrow ones keep theirs and the wide ones share what is left, their cells wrapping. Every
//! row is exactly as wide as the border, so the border never breaks; a pane too narrow for
//! even that gets one "header: value" line per cell instead.

use pulldown_cmark::Alignment;
use ratatui::style::Style;
use ratatui::text::Span;
use unicode_segmentation::UnicodeSegmentation;

use super::Ctx;
use super::wrap::{Breaks, Piece, spans_width, wrap_pieces};
use crate::text::width_of;

type Cell = Vec<Piece>;

#[derive(Debug, Default)]
pub struct Table {
    aligns: Vec<Alignment>,
    /// The header row first (when there is one), then the body.
    rows: Vec<Vec<Cell>>,
    has_header: bool,
    row: Vec<Cell>,
}

impl Table {
    pub fn new(aligns: Vec<Alignment>) -> Self {
        Self {
            aligns,
            ..Self::default()
        }
    }

    pub fn push_cell(&mut self, cell: Cell) {
        self.row.push(cell);
    }

    pub fn end_row(&mut self, header: bool) {
        if header {
            self.has_header = true;
        }
        self.rows.push(std::mem::take(&mut self.row));
    }

    pub fn render(mut self, width: usize, cx: &Ctx<'_>) -> Vec<Vec<Span<'static>>> {
        if !self.row.is_empty() {
            // A row still being written (mid-stream) shows with what it has.
            self.end_row(false);
        }
        let n = self.rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for row in &mut self.rows {
            row.resize_with(n, Vec::new);
        }
        let natural: Vec<usize> = (0..n).map(|c| self.column_max(c, cell_width)).collect();
        let least: Vec<usize> = (0..n)
            .map(|c| self.column_max(c, widest_grapheme))
            .collect();
        let overhead = 3 * n + 1;
        let fits_at_least = overhead + least.iter().sum::<usize>() <= width;
        if !fits_at_least {
            return self.records(width, cx);
        }
        let widths = column_widths(&natural, &least, width - overhead);
        let border = cx.theme.table_border();
        let mut out = vec![rule('┌', '┬', '┐', &widths, border)];
        for (i, row) in self.rows.iter().enumerate() {
            let header = self.has_header && i == 0;
            self.row_lines(row, &widths, header, cx, &mut out);
            if header && self.rows.len() > 1 {
                out.push(rule('├', '┼', '┤', &widths, border));
            }
        }
        out.push(rule('└', '┴', '┘', &widths, border));
        out
    }

    fn column_max(&self, c: usize, f: fn(&Cell) -> usize) -> usize {
        self.rows.iter().map(|r| f(&r[c])).max().unwrap_or(0).max(1)
    }

    fn row_lines(
        &self,
        row: &[Cell],
        widths: &[usize],
        header: bool,
        cx: &Ctx<'_>,
        out: &mut Vec<Vec<Span<'static>>>,
    ) {
        let border = cx.theme.table_border();
        let cells: Vec<Vec<Vec<Span<'static>>>> = row
            .iter()
            .zip(widths)
            .map(|(cell, &w)| {
                let cell = if header {
                    restyle(cell, cx.theme.table_header())
                } else {
                    cell.clone()
                };
                wrap_pieces(&cell, w, Breaks::Words)
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            let mut line = vec![Span::styled("│", border)];
            for (c, (lines, &w)) in cells.iter().zip(widths).enumerate() {
                let content = lines.get(k).cloned().unwrap_or_default();
                let room = w.saturating_sub(spans_width(&content));
                let align = self.aligns.get(c).copied().unwrap_or(Alignment::None);
                let (left, right) = match align {
                    Alignment::Right => (room, 0),
                    Alignment::Center => (room / 2, room - room / 2),
                    Alignment::Left | Alignment::None => (0, room),
                };
                line.push(Span::raw(" ".repeat(left + 1)));
                line.extend(content);
                line.push(Span::raw(" ".repeat(right + 1)));
                line.push(Span::styled("│", border));
            }
            out.push(line);
        }
    }

    /// Too narrow for columns: each body row as "header: value" lines, rows apart.
    fn records(&self, width: usize, cx: &Ctx<'_>) -> Vec<Vec<Span<'static>>> {
        let (header, body) = match (self.has_header, self.rows.split_first()) {
            (true, Some((h, b))) => (Some(h), b),
            _ => (None, &self.rows[..]),
        };
        let mut out = Vec::new();
        for (i, row) in body.iter().enumerate() {
            if i > 0 {
                out.push(vec![Span::styled(
                    "─".repeat(width.min(3)),
                    cx.theme.table_border(),
                )]);
            }
            for (c, cell) in row.iter().enumerate() {
                let mut pieces = match header.and_then(|h| h.get(c)) {
                    Some(h) => restyle(h, cx.theme.table_header()),
                    None => Vec::new(),
                };
                if !pieces.is_empty() {
                    pieces.push((": ".to_owned(), cx.theme.table_header()));
                }
                pieces.extend(cell.iter().cloned());
                out.extend(wrap_pieces(&pieces, width, Breaks::Words));
            }
        }
        out
    }
}

fn restyle(cell: &[Piece], style: Style) -> Cell {
    cell.iter()
        .map(|(t, s)| (t.clone(), s.patch(style)))
        .collect()
}

fn cell_width(cell: &Cell) -> usize {
    cell.iter().map(|(t, _)| width_of(t)).sum()
}

/// The widest single grapheme: a column narrower than that cannot hold the cell.
fn widest_grapheme(cell: &Cell) -> usize {
    cell.iter()
        .flat_map(|(t, _)| t.graphemes(true))
        .map(width_of)
        .max()
        .unwrap_or(1)
}

/// Natural widths when they fit in `budget`; otherwise columns narrower than an even share
/// keep theirs and the rest split what is left (never below `least`).
fn column_widths(natural: &[usize], least: &[usize], budget: usize) -> Vec<usize> {
    if natural.iter().sum::<usize>() <= budget {
        return natural.to_vec();
    }
    let n = natural.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&c| natural[c]);
    let mut widths = vec![0; n];
    let mut left = budget;
    for (k, &c) in order.iter().enumerate() {
        let share = left / (n - k);
        widths[c] = natural[c].min(share).max(least[c]);
        left = left.saturating_sub(widths[c]);
    }
    // Hand out what rounding left over to the columns still short of their natural width.
    for &c in order.iter().rev() {
        let extra = left.min(natural[c].saturating_sub(widths[c]));
        widths[c] += extra;
        left -= extra;
    }
    // `least` may have pushed the total over the budget: take it back from the widest.
    while widths.iter().sum::<usize>() > budget {
        let Some(c) = (0..n)
            .filter(|&c| widths[c] > least[c])
            .max_by_key(|&c| widths[c])
        else {
            break;
        };
        widths[c] -= 1;
    }
    widths
}

fn rule(left: char, mid: char, right: char, widths: &[usize], style: Style) -> Vec<Span<'static>> {
    let mut s = String::new();
    s.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            s.push(mid);
        }
        s.extend(std::iter::repeat_n('─', w + 2));
    }
    s.push(right);
    vec![Span::styled(s, style)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_natural_when_they_fit_and_shared_when_not() {
        assert_eq!(column_widths(&[3, 5], &[1, 1], 20), vec![3, 5]);
        // The narrow column keeps its width; the wide ones split the rest.
        assert_eq!(column_widths(&[3, 40, 40], &[1, 1, 1], 23), vec![3, 10, 10]);
        assert_eq!(column_widths(&[30, 30], &[1, 1], 11), vec![5, 6]);
        // Two-column graphemes need two columns.
        let w = column_widths(&[10, 10, 10], &[2, 2, 1], 6);
        assert!(
            w.iter().sum::<usize>() <= 6 && w[0] >= 2 && w[1] >= 2,
            "{w:?}"
        );
    }
}
