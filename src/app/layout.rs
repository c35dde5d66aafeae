//! Where everything goes on screen, as pure arithmetic shared by `update` (which wraps text to
//! the panes' widths) and `ui` (which draws into the same rectangles).

use ratatui::layout::Rect;

/// Narrowest useful pane; below it panes go into more rows instead (26 puts three panes
/// side by side on an 80-column terminal).
pub const MIN_PANE_WIDTH: u16 = 26;
/// Most rows the prompt box grows to before it scrolls.
pub const MAX_INPUT_ROWS: u16 = 8;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomLayout {
    /// One rectangle per pane, in pane order; hidden panes (while zoomed) get an empty one.
    pub panes: Vec<Rect>,
    pub input: Rect,
    pub status: Rect,
}

/// The grid for `n` panes in `area`: the fewest rows their width allows, balanced (5 panes
/// as 3+2, 6 as 3+3, not 4+1 or 4+2), and 9 as 3×3 however wide the screen.
pub fn grid(n: usize, area: Rect) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    let fit = usize::from((area.width / MIN_PANE_WIDTH).max(1));
    let least = match n {
        9.. => 3,
        5.. => 2,
        _ => 1,
    };
    let rows = n.div_ceil(fit).max(least).min(n);
    let cols = n.div_ceil(rows);
    (cols, n.div_ceil(cols))
}

/// Lays out the room: panes on top, the prompt box (1..=8 text rows plus borders), the status bar.
pub fn compute(area: Rect, panes: usize, zoomed: Option<usize>, input_rows: u16) -> RoomLayout {
    let status = Rect {
        y: area.bottom().saturating_sub(1),
        height: area.height.min(1),
        ..area
    };
    let input_h = (input_rows.clamp(1, MAX_INPUT_ROWS) + 2).min(area.height.saturating_sub(1));
    let input = Rect {
        y: status.y.saturating_sub(input_h),
        height: input_h,
        ..area
    };
    let room = Rect {
        height: input.y.saturating_sub(area.y),
        ..area
    };
    let mut rects = vec![Rect::default(); panes];
    match zoomed {
        Some(i) if i < panes => rects[i] = room,
        _ => {
            let (cols, rows) = grid(panes, room);
            for (i, rect) in rects.iter_mut().enumerate() {
                let (c, r) = (i % cols, i / cols);
                // The last row may hold fewer panes; they share its full width.
                let in_row = if r + 1 == rows {
                    panes - r * cols
                } else {
                    cols
                };
                *rect = cell(room, in_row, rows, c, r);
            }
        }
    }
    RoomLayout {
        panes: rects,
        input,
        status,
    }
}

fn cell(room: Rect, cols: usize, rows: usize, c: usize, r: usize) -> Rect {
    let split = |total: u16, parts: usize, i: usize| -> (u16, u16) {
        let parts = u32::try_from(parts.max(1)).unwrap_or(1);
        let i = u32::try_from(i).unwrap_or(0);
        let total = u32::from(total);
        let start = total * i / parts;
        let end = total * (i + 1) / parts;
        (
            u16::try_from(start).unwrap_or(0),
            u16::try_from(end - start).unwrap_or(0),
        )
    };
    let (x, w) = split(room.width, cols, c);
    let (y, h) = split(room.height, rows, r);
    Rect {
        x: room.x + x,
        y: room.y + y,
        width: w,
        height: h,
    }
}

/// The text area inside a pane's border.
pub fn inner(rect: Rect) -> Rect {
    Rect {
        x: rect.x.saturating_add(1),
        y: rect.y.saturating_add(1),
        width: rect.width.saturating_sub(2),
        height: rect.height.saturating_sub(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(w: u16, h: u16) -> Rect {
        Rect::new(0, 0, w, h)
    }

    #[test]
    fn panes_sit_side_by_side_while_they_fit() {
        assert_eq!(grid(1, area(120, 40)), (1, 1));
        assert_eq!(grid(3, area(120, 40)), (3, 1));
        assert_eq!(grid(4, area(120, 40)), (4, 1));
    }

    #[test]
    fn the_grid_balances_its_rows() {
        assert_eq!(grid(5, area(120, 40)), (3, 2));
        assert_eq!(grid(6, area(120, 40)), (3, 2));
        assert_eq!(grid(7, area(220, 60)), (4, 2));
        assert_eq!(grid(9, area(120, 40)), (3, 3));
        assert_eq!(grid(9, area(220, 60)), (3, 3));
        assert_eq!(grid(3, area(80, 24)), (3, 1));
        assert_eq!(grid(3, area(60, 24)), (2, 2));
        let l = compute(area(120, 40), 5, None, 1);
        let widths: Vec<u16> = l.panes.iter().map(|r| r.width).collect();
        assert_eq!(widths, vec![40, 40, 40, 60, 60]);
    }

    #[test]
    fn more_panes_than_fit_make_a_grid() {
        assert_eq!(grid(8, area(120, 40)), (4, 2));
        assert_eq!(grid(8, area(60, 40)), (2, 4));
        assert_eq!(grid(3, area(40, 30)), (1, 3));
    }

    #[test]
    fn the_room_tiles_the_screen_without_overlap() {
        for n in 1..=9 {
            for (w, h) in [(80, 24), (200, 60), (40, 15), (10, 5)] {
                let l = compute(area(w, h), n, None, 1);
                assert_eq!(l.status.y, h - 1);
                let cells: u32 = l
                    .panes
                    .iter()
                    .map(|r| u32::from(r.width) * u32::from(r.height))
                    .sum();
                assert_eq!(
                    cells,
                    u32::from(w) * u32::from(l.input.y),
                    "{n} panes in {w}x{h}"
                );
                for (i, a) in l.panes.iter().enumerate() {
                    for b in &l.panes[i + 1..] {
                        assert!(!a.intersects(*b) || a.is_empty() || b.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn zoom_gives_one_pane_the_whole_room_and_the_input_grows() {
        let l = compute(area(100, 30), 3, Some(1), 4);
        assert_eq!(l.panes[1], Rect::new(0, 0, 100, 23));
        assert!(l.panes[0].is_empty() && l.panes[2].is_empty());
        assert_eq!(l.input.height, 6);
    }
}
