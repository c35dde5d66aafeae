//! A row of a pane into the buffer, as `Buffer::set_line` puts it, faster for plain ASCII.
//! A frame copies every row in view (about 9,000 cells in a 200×50 room), and ratatui splits
//! each span into grapheme clusters and measures each one's width first: at a flood's 60
//! frames a second that was a tenth of the room's CPU. A span of printable ASCII has one
//! cluster per byte, each one cell wide, so its bytes go straight to the cells; anything else
//! goes through ratatui as before.

use ratatui::buffer::Buffer;
use ratatui::text::Line;

/// `buf.set_line(x, y, line, width)`, cell for cell.
pub fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, width: u16) {
    let mut left = width;
    let mut x = x;
    for span in line {
        if left == 0 {
            break;
        }
        let text = span.content.as_ref();
        let style = line.style.patch(span.style);
        let end = if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            let mut room = buf.area.right().saturating_sub(x).min(left);
            let mut at = x;
            for i in 0..text.len() {
                if room == 0 {
                    break;
                }
                room -= 1;
                buf[(at, y)].set_symbol(&text[i..=i]).set_style(style);
                at += 1;
            }
            at
        } else {
            buf.set_stringn(x, y, text, usize::from(left), style).0
        };
        left = left.saturating_sub(end.saturating_sub(x));
        x = end;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Modifier, Style};
    use ratatui::text::Span;

    use super::*;

    fn span() -> impl Strategy<Value = Span<'static>> {
        let text = prop_oneof![
            "[ -~]{0,12}",
            "[a-z 日本🦀é\u{301}\t\r\n\u{7f}]{0,8}",
            Just(String::new()),
        ];
        (text, 0u8..4, any::<u8>()).prop_map(|(t, c, bits)| {
            let style = Style::new()
                .fg(Color::Indexed(c))
                .add_modifier(Modifier::from_bits_truncate(u16::from(bits)));
            Span::styled(t, style)
        })
    }

    proptest! {
        #[test]
        fn a_row_is_put_as_ratatui_puts_it(
            spans in proptest::collection::vec(span(), 0..6),
            x in 0u16..24,
            width in 0u16..30,
            line_bg in 0u8..3,
        ) {
            let line = Line::from(spans).style(Style::new().bg(Color::Indexed(line_bg)));
            let area = Rect::new(0, 0, 20, 2);
            let (mut theirs, mut ours) = (Buffer::empty(area), Buffer::empty(area));
            for buf in [&mut theirs, &mut ours] {
                buf.set_string(0, 1, "under 日本", Style::new().fg(Color::Red));
            }
            theirs.set_line(x.min(19), 1, &line, width);
            put_line(&mut ours, x.min(19), 1, &line, width);
            prop_assert_eq!(ours, theirs);
        }
    }
}
