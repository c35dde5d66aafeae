//! A theme file: `inherits`, `code_theme`, a `[palette]` of named colours and a `[ui]` table
//! of slots. A mistake is reported with the file, the line and the key, never guessed around.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use toml::Spanned;

use super::color::parse_color;
use super::{ColorDepth, Slot, Theme};

/// The syntect themes a theme may name in `code_theme` (syntect's bundled set).
pub const CODE_THEMES: &[&str] = &[
    "InspiredGitHub",
    "Solarized (dark)",
    "Solarized (light)",
    "base16-eighties.dark",
    "base16-mocha.dark",
    "base16-ocean.dark",
    "base16-ocean.light",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeError {
    /// The file as the person knows it (a path, or `themes/dark.toml` for a built-in one).
    pub file: String,
    /// 0 when the file could not be read at all.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

impl std::error::Error for ThemeError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeToml {
    inherits: Option<Spanned<String>>,
    code_theme: Option<Spanned<String>>,
    #[serde(default)]
    palette: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    ui: BTreeMap<String, Spanned<StyleToml>>,
}

/// A slot's value: `"cyan"` (the foreground), or `{ fg, bg, modifiers }`.
enum StyleToml {
    Fg(String),
    Table(StyleTable),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StyleTable {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

impl<'de> Deserialize<'de> for StyleToml {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StyleToml;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    r#"a colour ("cyan") or a table ({ fg = "cyan", modifiers = ["bold"] })"#,
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StyleToml, E> {
                Ok(StyleToml::Fg(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StyleToml, A::Error> {
                StyleTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(StyleToml::Table)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a theme file. `parent` gives the theme named by `inherits`; without `inherits` the
/// theme starts from `default_parent` (the default theme, or nothing for the default itself).
pub fn parse_theme(
    text: &str,
    file: &str,
    name: &str,
    depth: ColorDepth,
    default_parent: Option<&Theme>,
    parent: &dyn Fn(&str) -> Option<Theme>,
) -> Result<Theme, ThemeError> {
    let err = |offset: usize, message: String| ThemeError {
        file: file.to_owned(),
        line: line_of(text, offset),
        message,
    };
    let toml: ThemeToml = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        // serde lists every expected key after an unknown one; the README has that list.
        let message = match e.message().split_once(", expected") {
            Some((head, _)) if head.starts_with("unknown field") => {
                format!(
                    "{} (see the theme keys in the README)",
                    head.replace("field", "key")
                )
            }
            _ => e.message().trim().to_owned(),
        };
        err(offset, message)
    })?;
    let mut theme = match &toml.inherits {
        Some(p) => parent(p.get_ref()).ok_or_else(|| {
            err(
                p.span().start,
                format!("inherits: no theme named `{}`", p.get_ref()),
            )
        })?,
        None => default_parent
            .cloned()
            .unwrap_or_else(|| Theme::blank(name, depth)),
    };
    theme.rename(name);
    if let Some(code) = &toml.code_theme {
        if !CODE_THEMES.contains(&code.get_ref().as_str()) {
            return Err(err(
                code.span().start,
                format!(
                    "code_theme: no highlighting theme named `{}` (have: {})",
                    code.get_ref(),
                    CODE_THEMES.join(", ")
                ),
            ));
        }
        theme.set_code_theme(code.get_ref());
    }
    let mut palette = BTreeMap::new();
    for (key, value) in &toml.palette {
        let c = parse_color(value.get_ref()).ok_or_else(|| {
            err(
                value.span().start,
                format!(
                    "[palette] {key}: `{}` is not a colour (a name like `red`, `#rrggbb` or 0-255)",
                    value.get_ref()
                ),
            )
        })?;
        palette.insert(key.as_str(), c);
    }
    let colour = |key: &str, field: &str, value: &str, at: usize| {
        palette
            .get(value)
            .copied()
            .or_else(|| parse_color(value))
            .ok_or_else(|| {
                err(
                    at,
                    format!(
                        "[ui] {key}{field}: unknown colour `{value}` (not in [palette]; not a name like `red`, `#rrggbb` or 0-255)"
                    ),
                )
            })
    };
    for (key, value) in &toml.ui {
        let at = value.span().start;
        let slot = Slot::from_key(key).ok_or_else(|| {
            err(
                at,
                format!("[ui] unknown key `{key}` (see the theme keys in the README)"),
            )
        })?;
        let mut style = Style::new();
        match value.get_ref() {
            StyleToml::Fg(c) => style = with_fg(style, colour(key, "", c, at)?, depth),
            StyleToml::Table(t) => {
                if let Some(fg) = &t.fg {
                    let c = colour(key, ".fg", fg.get_ref(), fg.span().start)?;
                    style = with_fg(style, c, depth);
                }
                if let Some(bg) = &t.bg {
                    let c = colour(key, ".bg", bg.get_ref(), bg.span().start)?;
                    if let Some(c) = depth.adapt(c) {
                        style = style.bg(c);
                    }
                }
                for m in &t.modifiers {
                    let modifier: Modifier = Theme::modifier(m.get_ref()).ok_or_else(|| {
                        err(
                            m.span().start,
                            format!(
                                "[ui] {key}.modifiers: unknown modifier `{}` (bold, dim, italic, underlined, reversed, crossed_out, …)",
                                m.get_ref()
                            ),
                        )
                    })?;
                    style = style.add_modifier(modifier);
                }
            }
        }
        theme.set(slot, style);
    }
    Ok(theme)
}

fn with_fg(style: Style, c: Color, depth: ColorDepth) -> Style {
    match depth.adapt(c) {
        Some(c) => style.fg(c),
        None => style,
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    // Bytes, not a str slice: an offset inside a character must not panic.
    let before = &text.as_bytes()[..offset.min(text.len())];
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Theme, ThemeError> {
        let base = Theme::blank("base", ColorDepth::TrueColor);
        parse_theme(
            text,
            "mine.toml",
            "mine",
            ColorDepth::TrueColor,
            Some(&base),
            &|n| (n == "base").then(|| base.clone()),
        )
    }

    #[test]
    fn slots_take_colours_palette_names_and_modifiers() {
        let t = parse(
            "code_theme = \"InspiredGitHub\"\n[palette]\naccent = \"#102030\"\n[ui]\nerror = \"red\"\nborder_focused = { fg = \"accent\", bg = \"236\", modifiers = [\"bold\", \"italic\"] }\n",
        )
        .unwrap();
        assert_eq!(t.name(), "mine");
        assert_eq!(t.code_theme(), "InspiredGitHub");
        assert_eq!(t.error(), Style::new().fg(Color::Red));
        assert_eq!(
            t.border(true),
            Style::new()
                .fg(Color::Rgb(0x10, 0x20, 0x30))
                .bg(Color::Indexed(236))
                .add_modifier(Modifier::BOLD | Modifier::ITALIC)
        );
        assert_eq!(t.border(false), Style::new());
    }

    #[test]
    fn every_mistake_names_the_line_and_the_key() {
        let cases = [
            (
                "[ui]\nerror = \"red\"\nbordr = \"red\"\n",
                3,
                "unknown key `bordr`",
            ),
            (
                "[ui]\n\nerror = \"redd\"\n",
                3,
                "[ui] error: unknown colour `redd`",
            ),
            (
                "[ui]\nerror = { fg = \"red\", modifiers = [\"blink\"] }\n",
                2,
                "unknown modifier `blink`",
            ),
            (
                "[ui]\nerror = { fg = \"red\", colour = \"x\" }\n",
                2,
                "unknown key `colour`",
            ),
            (
                "[palette]\na = \"nope\"\n",
                2,
                "[palette] a: `nope` is not a colour",
            ),
            (
                "\ncode_theme = \"Monokai\"\n",
                2,
                "code_theme: no highlighting theme",
            ),
            (
                "inherits = \"nord\"\n",
                1,
                "inherits: no theme named `nord`",
            ),
            ("[ui]\nerror = [1, 2]\n", 2, "invalid type"),
            ("colour = 1\n", 1, "unknown key `colour`"),
            ("[ui\n", 1, ""),
        ];
        for (text, line, needle) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.to_string().starts_with("mine.toml:"), "{e}");
            assert!(e.message.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn garbage_never_panics() {
        let pieces = [
            "[ui]",
            "[palette]",
            "error",
            " = ",
            "\"",
            "{",
            "}",
            "fg",
            "日本語",
            "🦀",
            "\n",
            "#",
            "[",
            "]",
            "inherits",
            "code_theme",
            "modifiers",
            ",",
            "'",
            "\\u{0}",
            "=",
        ];
        let mut seed = 0x9e37_79b9_u64;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..12 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[usize::try_from(seed % 21).unwrap()]);
            }
            if let Err(e) = parse(&text) {
                assert!(e.line >= 1, "{text:?}: {e}");
            }
        }
    }

    #[test]
    fn no_colour_keeps_only_modifiers() {
        let base = Theme::blank("base", ColorDepth::None);
        let t = parse_theme(
            "[ui]\nerror = { fg = \"red\", bg = \"#000000\", modifiers = [\"bold\"] }\n",
            "x.toml",
            "x",
            ColorDepth::None,
            Some(&base),
            &|_| None,
        )
        .unwrap();
        assert_eq!(t.error(), Style::new().add_modifier(Modifier::BOLD));
    }

    #[test]
    fn a_theme_inherits_what_it_does_not_set() {
        let mut base = Theme::blank("base", ColorDepth::TrueColor);
        base.set(Slot::Cost, Style::new().fg(Color::Green));
        let t = parse_theme(
            "inherits = \"base\"\n[ui]\nerror = \"red\"\n",
            "x.toml",
            "x",
            ColorDepth::TrueColor,
            None,
            &|n| (n == "base").then(|| base.clone()),
        )
        .unwrap();
        assert_eq!(t.cost(), Style::new().fg(Color::Green));
        assert_eq!(t.error(), Style::new().fg(Color::Red));
    }
}
