//! Colours a theme may name, and how many the terminal can show. Themes may ask for RGB; a
//! 256- or 16-colour terminal gets the nearest colour it has, and `NO_COLOR` gets none.

use std::str::FromStr;

use ratatui::style::Color;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColorDepth {
    /// `NO_COLOR`: modifiers (bold, italic, reverse…) only.
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// What `COLORTERM` and `TERM` say the terminal supports. Unknown terminals get 16 colours,
    /// which every colour terminal has.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Self {
        let colorterm = colorterm.unwrap_or_default().to_ascii_lowercase();
        let term = term.unwrap_or_default().to_ascii_lowercase();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            Self::TrueColor
        } else if term.contains("256") {
            Self::Ansi256
        } else if term == "dumb" {
            Self::None
        } else {
            Self::Ansi16
        }
    }

    /// From the environment: `NO_COLOR` (any non-empty value) wins, then `override_`
    /// (config's `color_depth`), then `COLORTERM`/`TERM`.
    pub fn from_env(override_: Option<Self>) -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Self::None;
        }
        override_.unwrap_or_else(|| {
            let colorterm = std::env::var("COLORTERM").ok();
            let term = std::env::var("TERM").ok();
            Self::detect(colorterm.as_deref(), term.as_deref())
        })
    }

    /// config's `color_depth`: `auto` (None), `truecolor`, `256`, `16` or `none`.
    pub fn parse_setting(s: &str) -> Result<Option<Self>, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(None),
            "truecolor" | "24bit" | "rgb" => Ok(Some(Self::TrueColor)),
            "256" => Ok(Some(Self::Ansi256)),
            "16" => Ok(Some(Self::Ansi16)),
            "none" | "mono" => Ok(Some(Self::None)),
            _ => Err(format!(
                "color_depth `{s}`: use auto, truecolor, 256, 16 or none"
            )),
        }
    }

    /// `c` as this terminal can show it; `None` when it shows no colour at all.
    pub fn adapt(self, c: Color) -> Option<Color> {
        match (self, c) {
            (Self::None, _) => None,
            (_, Color::Reset) | (Self::TrueColor, _) => Some(c),
            (Self::Ansi256, Color::Rgb(r, g, b)) => Some(Color::Indexed(nearest_256(r, g, b))),
            (Self::Ansi16, Color::Rgb(r, g, b)) => Some(nearest_16(r, g, b)),
            (Self::Ansi16, Color::Indexed(i)) if i >= 16 => {
                let (r, g, b) = index_rgb(i);
                Some(nearest_16(r, g, b))
            }
            (Self::Ansi16 | Self::Ansi256, other) => Some(other),
        }
    }
}

/// A colour as a theme writes it: an ANSI name (`red`, `lightblue`, `darkgray`), `#rrggbb`, an
/// index 0-255, or `default`/`reset` for the terminal's own.
pub fn parse_color(s: &str) -> Option<Color> {
    let s = s.trim();
    match s.to_ascii_lowercase().as_str() {
        "default" | "reset" => return Some(Color::Reset),
        // ratatui reads `#abc` as nothing useful; spell the short form out.
        short if short.len() == 4 && short.starts_with('#') => {
            let long: String = short[1..].chars().flat_map(|c| [c, c]).collect();
            return Color::from_str(&format!("#{long}")).ok();
        }
        _ => {}
    }
    Color::from_str(s).ok()
}

/// The 16 ANSI colours as xterm draws them by default: the yardstick for "nearest".
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn distance((r1, g1, b1): (u8, u8, u8), (r2, g2, b2): (u8, u8, u8)) -> u32 {
    // Weighted towards green, as the eye is; cheap and good enough to pick among 16 or 256.
    let d = |a: u8, b: u8| u32::from(a.abs_diff(b)).pow(2);
    2 * d(r1, r2) + 4 * d(g1, g2) + 3 * d(b1, b2)
}

/// The RGB value of a 256-colour index (the 6×6×6 cube and the grey ramp; 0-15 as xterm).
pub fn index_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI16[usize::from(i)].1,
        16..=231 => {
            let i = i - 16;
            (
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

/// The nearest of the cube and grey ramp (16-255); 0-15 are left out because terminals
/// redefine them.
pub fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    (16..=255u8)
        .min_by_key(|&i| distance(index_rgb(i), (r, g, b)))
        .unwrap_or(16)
}

/// The nearest of the 16 ANSI colours. Plain distance would turn every muted colour of a
/// highlighting theme into grey, so a colour with a clear hue keeps its hue (red, green,
/// yellow, blue, magenta, cyan; the light variant when it is bright), and only near-greys
/// become black, grey or white by lightness.
pub fn nearest_16(r: u8, g: u8, b: u8) -> Color {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let chroma = max - min;
    if chroma < 32 {
        let light = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
        return match light {
            0..=63 => Color::Black,
            64..=159 => Color::DarkGray,
            160..=223 => Color::Gray,
            _ => Color::White,
        };
    }
    // Stretch the colour to full saturation, then take the nearest hue.
    let stretch = |c: u8| u8::try_from(u16::from(c - min) * 255 / u16::from(chroma)).unwrap_or(255);
    let pure = (stretch(r), stretch(g), stretch(b));
    let hues = [
        ((255, 0, 0), Color::Red, Color::LightRed),
        ((0, 255, 0), Color::Green, Color::LightGreen),
        ((255, 255, 0), Color::Yellow, Color::LightYellow),
        ((0, 0, 255), Color::Blue, Color::LightBlue),
        ((255, 0, 255), Color::Magenta, Color::LightMagenta),
        ((0, 255, 255), Color::Cyan, Color::LightCyan),
    ];
    hues.iter()
        .min_by_key(|(rgb, _, _)| distance(*rgb, pure))
        .map_or(
            Color::Reset,
            |&(_, normal, light)| if max >= 192 { light } else { normal },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_colorterm_and_term() {
        let d = ColorDepth::detect;
        assert_eq!(d(Some("truecolor"), Some("xterm")), ColorDepth::TrueColor);
        assert_eq!(d(Some("24bit"), None), ColorDepth::TrueColor);
        assert_eq!(d(None, Some("xterm-256color")), ColorDepth::Ansi256);
        assert_eq!(d(None, Some("tmux-256color")), ColorDepth::Ansi256);
        assert_eq!(d(None, Some("xterm")), ColorDepth::Ansi16);
        assert_eq!(d(None, Some("linux")), ColorDepth::Ansi16);
        assert_eq!(d(None, Some("dumb")), ColorDepth::None);
        assert_eq!(d(None, None), ColorDepth::Ansi16);
    }

    #[test]
    fn settings_parse() {
        assert_eq!(ColorDepth::parse_setting("auto"), Ok(None));
        assert_eq!(
            ColorDepth::parse_setting("256"),
            Ok(Some(ColorDepth::Ansi256))
        );
        assert!(ColorDepth::parse_setting("lots").is_err());
    }

    #[test]
    fn colours_parse_in_every_spelling() {
        assert_eq!(parse_color("red"), Some(Color::Red));
        assert_eq!(parse_color("darkgray"), Some(Color::DarkGray));
        assert_eq!(parse_color("#ff8000"), Some(Color::Rgb(255, 128, 0)));
        assert_eq!(parse_color("#f80"), Some(Color::Rgb(255, 136, 0)));
        assert_eq!(parse_color("236"), Some(Color::Indexed(236)));
        assert_eq!(parse_color("default"), Some(Color::Reset));
        assert_eq!(parse_color("redd"), None);
        assert_eq!(parse_color("#12345"), None);
    }

    #[test]
    fn rgb_gets_the_nearest_colour_the_terminal_has() {
        let rgb = Color::Rgb(0x2b, 0x30, 0x3b);
        assert_eq!(ColorDepth::TrueColor.adapt(rgb), Some(rgb));
        assert_eq!(ColorDepth::Ansi256.adapt(rgb), Some(Color::Indexed(236)));
        assert_eq!(ColorDepth::Ansi16.adapt(rgb), Some(Color::Black));
        assert_eq!(
            ColorDepth::Ansi16.adapt(Color::Rgb(250, 10, 10)),
            Some(Color::LightRed)
        );
        assert_eq!(
            ColorDepth::Ansi16.adapt(Color::Indexed(196)),
            Some(Color::LightRed)
        );
        assert_eq!(ColorDepth::Ansi256.adapt(Color::Red), Some(Color::Red));
        assert_eq!(ColorDepth::None.adapt(Color::Red), None);
        assert_eq!(nearest_256(255, 255, 255), 231);
        // Muted highlighting colours keep their hue on 16 colours.
        assert_eq!(nearest_16(180, 142, 173), Color::Magenta);
        assert_eq!(nearest_16(143, 161, 179), Color::Blue);
        assert_eq!(nearest_16(163, 190, 140), Color::Green);
        assert_eq!(nearest_16(235, 203, 139), Color::LightYellow);
        assert_eq!(nearest_16(192, 197, 206), Color::Gray);
        assert_eq!(nearest_16(101, 115, 126), Color::DarkGray);
        assert_eq!(nearest_256(128, 128, 128), 244);
    }
}
