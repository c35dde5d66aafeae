//! The room's terminal backend: crossterm's, but for the one call made per frame with every
//! changed cell. Crossterm writes each cell's move and text as a command through `fmt`, which
//! cost about 250 instructions a cell (a tenth of a frame's CPU with one pane); here the two
//! that come per cell, the cursor move and the text, are written as bytes, and the rarer style
//! changes still go through crossterm's own commands. The bytes are the same as crossterm's
//! (tested against it), so the terminal sees nothing new.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::crossterm::queue;
use ratatui::crossterm::style::{
    Attribute, Color as CColor, Colors, SetAttribute, SetBackgroundColor, SetColors,
    SetForegroundColor, SetUnderlineColor,
};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

pub struct Screen<W: Write> {
    inner: CrosstermBackend<W>,
}

impl<W: Write> Screen<W> {
    pub fn new(writer: W) -> Self {
        Self {
            inner: CrosstermBackend::new(writer),
        }
    }
}

fn crossterm_color(c: Color) -> CColor {
    ratatui::backend::IntoCrossterm::into_crossterm(c)
}

/// What crossterm's `MoveTo(x, y)` writes.
fn move_to(w: &mut impl Write, x: u16, y: u16) -> io::Result<()> {
    let mut num = itoa::Buffer::new();
    w.write_all(b"\x1b[")?;
    w.write_all(num.format(u32::from(y) + 1).as_bytes())?;
    w.write_all(b";")?;
    w.write_all(num.format(u32::from(x) + 1).as_bytes())?;
    w.write_all(b"H")
}

/// The attribute changes from `from` to `to`, as ratatui's crossterm backend makes them.
fn modifiers(w: &mut impl Write, from: Modifier, to: Modifier) -> io::Result<()> {
    let removed = from - to;
    fn set(w: &mut impl Write, a: Attribute) -> io::Result<()> {
        queue!(w, SetAttribute(a))
    }
    if removed.contains(Modifier::REVERSED) {
        set(w, Attribute::NoReverse)?;
    }
    let reset_intensity = removed.intersects(Modifier::BOLD | Modifier::DIM);
    if reset_intensity {
        set(w, Attribute::NormalIntensity)?;
        if to.contains(Modifier::DIM) {
            set(w, Attribute::Dim)?;
        }
        if to.contains(Modifier::BOLD) {
            set(w, Attribute::Bold)?;
        }
    }
    for (m, a) in [
        (Modifier::ITALIC, Attribute::NoItalic),
        (Modifier::UNDERLINED, Attribute::NoUnderline),
        (Modifier::CROSSED_OUT, Attribute::NotCrossedOut),
        (Modifier::HIDDEN, Attribute::NoHidden),
    ] {
        if removed.contains(m) {
            set(w, a)?;
        }
    }
    if removed.intersects(Modifier::SLOW_BLINK | Modifier::RAPID_BLINK) {
        set(w, Attribute::NoBlink)?;
    }
    let added = to - from;
    if added.contains(Modifier::REVERSED) {
        set(w, Attribute::Reverse)?;
    }
    if added.contains(Modifier::BOLD) && !reset_intensity {
        set(w, Attribute::Bold)?;
    }
    if added.contains(Modifier::ITALIC) {
        set(w, Attribute::Italic)?;
    }
    if added.contains(Modifier::UNDERLINED) {
        set(w, Attribute::Underlined)?;
    }
    if added.contains(Modifier::DIM) && !reset_intensity {
        set(w, Attribute::Dim)?;
    }
    for (m, a) in [
        (Modifier::CROSSED_OUT, Attribute::CrossedOut),
        (Modifier::HIDDEN, Attribute::Hidden),
        (Modifier::SLOW_BLINK, Attribute::SlowBlink),
        (Modifier::RAPID_BLINK, Attribute::RapidBlink),
    ] {
        if added.contains(m) {
            set(w, a)?;
        }
    }
    Ok(())
}

impl<W: Write> Backend for Screen<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // The backend is itself a writer (to the one it holds).
        let w = &mut self.inner;
        let (mut fg, mut bg, mut underline) = (Color::Reset, Color::Reset, Color::Reset);
        let mut modifier = Modifier::empty();
        let mut last: Option<(u16, u16)> = None;
        for (x, y, cell) in content {
            if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
                move_to(w, x, y)?;
            }
            last = Some((x, y));
            if cell.modifier != modifier {
                modifiers(w, modifier, cell.modifier)?;
                modifier = cell.modifier;
            }
            if cell.fg != fg || cell.bg != bg {
                let colors = Colors::new(crossterm_color(cell.fg), crossterm_color(cell.bg));
                queue!(w, SetColors(colors))?;
                (fg, bg) = (cell.fg, cell.bg);
            }
            if cell.underline_color != underline {
                queue!(w, SetUnderlineColor(crossterm_color(cell.underline_color)))?;
                underline = cell.underline_color;
            }
            w.write_all(cell.symbol().as_bytes())?;
        }
        queue!(
            w,
            SetForegroundColor(CColor::Reset),
            SetBackgroundColor(CColor::Reset),
            SetUnderlineColor(CColor::Reset),
            SetAttribute(Attribute::Reset),
        )
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    fn color() -> impl Strategy<Value = Color> {
        prop_oneof![
            Just(Color::Reset),
            (0u8..16).prop_map(|i| [
                Color::Black,
                Color::Red,
                Color::Green,
                Color::Yellow,
                Color::Blue,
                Color::Magenta,
                Color::Cyan,
                Color::Gray,
                Color::DarkGray,
                Color::LightRed,
                Color::LightGreen,
                Color::LightYellow,
                Color::LightBlue,
                Color::LightMagenta,
                Color::LightCyan,
                Color::White
            ][usize::from(i)]),
            any::<u8>().prop_map(Color::Indexed),
            any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
        ]
    }

    fn cell() -> impl Strategy<Value = (String, Color, Color, Color, u16)> {
        let symbol = prop_oneof![
            Just(" ".to_owned()),
            "[a-z{}()]".prop_map(|s| s),
            Just("日".to_owned()),
            Just("🦀".to_owned()),
            Just("é".to_owned()),
        ];
        (symbol, color(), color(), color(), any::<u16>())
    }

    /// A writer whose bytes the test can still read after handing it to a backend.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Both backends' bytes for drawing `next` over `prev`, as `Terminal` diffs them.
    fn both(prev: &Buffer, next: &Buffer) -> (Vec<u8>, Vec<u8>) {
        let (theirs, ours) = (Shared::default(), Shared::default());
        Backend::draw(
            &mut CrosstermBackend::new(theirs.clone()),
            prev.diff_iter(next),
        )
        .unwrap();
        Screen::new(ours.clone())
            .draw(prev.diff_iter(next))
            .unwrap();
        (theirs.0.take(), ours.0.take())
    }

    proptest! {
        #[test]
        fn a_frame_is_written_as_crossterm_writes_it(
            cells in proptest::collection::vec(cell(), 60),
            changed in proptest::collection::vec(any::<bool>(), 60),
        ) {
            let area = Rect::new(0, 0, 12, 5);
            let prev = Buffer::empty(area);
            let mut next = Buffer::empty(area);
            for (i, ((symbol, fg, bg, ul, bits), change)) in cells.iter().zip(&changed).enumerate() {
                if !change {
                    continue;
                }
                let (x, y) = ((i % 12) as u16, (i / 12) as u16);
                let style = Style::new()
                    .fg(*fg)
                    .bg(*bg)
                    .underline_color(*ul)
                    .add_modifier(Modifier::from_bits_truncate(*bits));
                next.set_stringn(x, y, symbol, 12 - usize::from(x), style);
            }
            let (theirs, ours) = both(&prev, &next);
            prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
            // And back again: every modifier and colour removed.
            let (theirs, ours) = both(&next, &prev);
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_real_frame_is_written_as_crossterm_writes_it() {
        let area = Rect::new(0, 0, 80, 24);
        let prev = Buffer::empty(area);
        let mut next = Buffer::empty(area);
        next.set_string(
            3,
            2,
            "fn main() { 日本語 🦀 }",
            Style::new().fg(Color::Rgb(1, 2, 3)),
        );
        next.set_string(
            0,
            23,
            "status",
            Style::new().add_modifier(Modifier::BOLD | Modifier::DIM),
        );
        next.set_string(
            70,
            10,
            "x",
            Style::new()
                .bg(Color::Indexed(236))
                .add_modifier(Modifier::REVERSED),
        );
        let (theirs, ours) = both(&prev, &next);
        assert_eq!(ours, theirs);
        assert!(!ours.is_empty());
    }
}
