//! The themes a room can cycle through: the built-in ones (embedded from `themes/`) and the
//! person's own (`<config dir>/themes/*.toml`, which may override a built-in by name).

use std::path::Path;

use super::file::{ThemeError, parse_theme};
use super::{ColorDepth, Theme};

/// Built-in themes: name and file text. The first is the default.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

pub const DEFAULT_THEME: &str = "dark";

#[derive(Debug, Clone, PartialEq)]
pub struct Themes {
    list: Vec<Theme>,
    current: usize,
}

impl Themes {
    /// The built-in themes only.
    pub fn builtin(depth: ColorDepth) -> Self {
        let mut list: Vec<Theme> = Vec::new();
        for (name, text) in BUILTIN {
            let default = list.first().cloned();
            let lookup = |n: &str| list.iter().find(|t| t.name() == n).cloned();
            let file = format!("themes/{name}.toml");
            // The built-in files are tested to parse; should one not, the room still starts.
            match parse_theme(text, &file, name, depth, default.as_ref(), &lookup) {
                Ok(theme) => list.push(theme),
                Err(e) => tracing::error!("built-in theme: {e}"),
            }
        }
        if list.is_empty() {
            list.push(Theme::blank(DEFAULT_THEME, depth));
        }
        Self { list, current: 0 }
    }

    /// The built-in themes and those in `dir` (`*.toml`, named by their file stem). A file
    /// with a mistake is left out and reported; the others still load.
    pub fn load(depth: ColorDepth, dir: Option<&Path>) -> (Self, Vec<ThemeError>) {
        let mut themes = Self::builtin(depth);
        let mut errors = Vec::new();
        let Some(dir) = dir else {
            return (themes, errors);
        };
        let mut pending: Vec<Pending> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut paths: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let file = path.display().to_string();
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                // A FIFO or a device named `x.toml` must not hang the start.
                match crate::store::read::read_settings(&path) {
                    Ok(text) => pending.push(Pending::new(name, file, text)),
                    Err(e) => errors.push(ThemeError {
                        file,
                        line: 0,
                        message: format!("cannot read: {e}"),
                    }),
                }
            }
        }
        // Parents before children, each file parsed once; a circle or a chain deeper than
        // `MAX_INHERITANCE` is an error for the themes in it, never a search.
        let mut order: Vec<(usize, usize)> = Vec::new();
        for i in 0..pending.len() {
            match chain(&pending, i) {
                Ok(depth) => order.push((depth, i)),
                Err(message) => errors.push(pending[i].error(message)),
            }
        }
        order.sort_unstable();
        let mut failed: Vec<&str> = Vec::new();
        for (_, i) in order {
            let p = &pending[i];
            if let Some(parent) = p.parent_in(&pending).filter(|n| failed.contains(n)) {
                errors.push(p.error(format!(
                    "inherits: theme `{parent}` could not be loaded (see its error)"
                )));
                failed.push(&p.name);
                continue;
            }
            let default = themes.list.first().cloned();
            let lookup = |n: &str| themes.get(n).cloned();
            match parse_theme(&p.text, &p.file, &p.name, depth, default.as_ref(), &lookup) {
                Ok(theme) => themes.insert(theme),
                Err(e) => {
                    errors.push(e);
                    failed.push(&p.name);
                }
            }
        }
        (themes, errors)
    }

    fn insert(&mut self, theme: Theme) {
        match self.list.iter().position(|t| t.name() == theme.name()) {
            Some(i) => self.list[i] = theme,
            None => self.list.push(theme),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Theme> {
        self.list.iter().find(|t| t.name() == name)
    }

    pub fn current(&self) -> &Theme {
        // `list` is never empty (see `builtin`); index 0 keeps this total anyway.
        self.list.get(self.current).unwrap_or(&self.list[0])
    }

    /// Makes `name` the current theme; the error lists the names there are.
    pub fn select(&mut self, name: &str) -> Result<(), String> {
        match self.list.iter().position(|t| t.name() == name) {
            Some(i) => {
                self.current = i;
                Ok(())
            }
            None => Err(format!(
                "no theme named `{name}` (have: {})",
                self.names().join(", ")
            )),
        }
    }

    /// Moves to the next theme (wrapping) and returns it.
    pub fn cycle(&mut self) -> &Theme {
        self.current = (self.current + 1) % self.list.len().max(1);
        self.current()
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(Theme::name).collect()
    }
}

/// How many of the person's own themes a theme may inherit through.
pub const MAX_INHERITANCE: usize = 16;

/// A person's theme file, read but not parsed yet.
struct Pending {
    name: String,
    file: String,
    text: String,
    /// What `inherits` names, and its line (a file that does not parse has none here; its
    /// parse reports the mistake).
    inherits: Option<(String, usize)>,
}

#[derive(serde::Deserialize)]
struct InheritsOnly {
    inherits: Option<toml::Spanned<String>>,
}

impl Pending {
    fn new(name: &str, file: String, text: String) -> Self {
        let inherits = toml::from_str::<InheritsOnly>(&text)
            .ok()
            .and_then(|t| t.inherits)
            .map(|s| {
                let line = text.as_bytes()[..s.span().start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                (s.into_inner(), line)
            });
        Self {
            name: name.to_owned(),
            file,
            text,
            inherits,
        }
    }

    /// The parent when it is another of the person's themes (a theme inheriting its own name
    /// starts from the built-in one it replaces).
    fn parent_in<'a>(&self, pending: &'a [Pending]) -> Option<&'a str> {
        let (parent, _) = self.inherits.as_ref()?;
        if *parent == self.name {
            return None;
        }
        pending
            .iter()
            .find(|p| p.name == *parent)
            .map(|p| p.name.as_str())
    }

    fn error(&self, message: String) -> ThemeError {
        ThemeError {
            file: self.file.clone(),
            line: self.inherits.as_ref().map_or(1, |(_, l)| *l),
            message,
        }
    }
}

/// How many of the person's themes `pending[i]` inherits through, or why it cannot load.
fn chain(pending: &[Pending], i: usize) -> Result<usize, String> {
    let mut names: Vec<&str> = vec![&pending[i].name];
    let mut at = &pending[i];
    while let Some(parent) = at.parent_in(pending) {
        if names.contains(&parent) {
            names.push(parent);
            return Err(format!("inherits in a circle: {}", names.join(" → ")));
        }
        names.push(parent);
        if names.len() > MAX_INHERITANCE + 1 {
            return Err(format!(
                "inherits through more than {MAX_INHERITANCE} themes ({} → …)",
                names[..3].join(" → ")
            ));
        }
        let Some(next) = pending.iter().find(|p| p.name == parent) else {
            break;
        };
        at = next;
    }
    Ok(names.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    #[test]
    fn built_ins_load_in_order_and_the_default_keeps_the_room_colours() {
        let t = Themes::builtin(ColorDepth::TrueColor);
        assert_eq!(t.names(), vec!["dark", "light", "high-contrast"]);
        let dark = t.current();
        assert_eq!(dark.error().fg, Some(Color::Red));
        assert_eq!(dark.border(true).fg, Some(Color::Cyan));
        assert!(dark.dim().add_modifier.contains(Modifier::DIM));
    }

    #[test]
    fn cycling_wraps_and_select_names_what_exists() {
        let mut t = Themes::builtin(ColorDepth::Ansi256);
        assert_eq!(t.cycle().name(), "light");
        assert_eq!(t.cycle().name(), "high-contrast");
        assert_eq!(t.cycle().name(), "dark");
        t.select("light").unwrap();
        assert_eq!(t.current().name(), "light");
        let e = t.select("nord").unwrap_err();
        assert!(e.contains("dark, light, high-contrast"), "{e}");
    }

    #[test]
    fn the_persons_themes_load_override_and_inherit_and_bad_ones_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).unwrap();
        w(
            "b-child.toml",
            "inherits = \"z-parent\"\n[ui]\ncost = \"blue\"\n",
        );
        w("z-parent.toml", "[ui]\nerror = \"#ff0000\"\n");
        w(
            "light.toml",
            "inherits = \"light\"\n[ui]\nerror = \"green\"\n",
        );
        w("broken.toml", "[ui]\nerror = \"red\"\nbordr = \"red\"\n");
        w("notes.txt", "not a theme");
        let (t, errors) = Themes::load(ColorDepth::TrueColor, Some(dir.path()));
        assert_eq!(
            t.names(),
            vec!["dark", "light", "high-contrast", "z-parent", "b-child"]
        );
        let child = t.get("b-child").unwrap();
        assert_eq!(child.error().fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(child.cost().fg, Some(Color::Blue));
        // Not set by either file: from the default theme.
        assert_eq!(child.border(true).fg, Some(Color::Cyan));
        assert_eq!(t.get("light").unwrap().error().fg, Some(Color::Green));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].file.ends_with("broken.toml"));
        assert_eq!(errors[0].line, 3);
        assert!(errors[0].message.contains("bordr"));
    }

    #[test]
    fn inheriting_in_a_circle_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "inherits = \"b\"\n").unwrap();
        std::fs::write(dir.path().join("b.toml"), "inherits = \"a\"\n").unwrap();
        std::fs::write(dir.path().join("c.toml"), "inherits = \"a\"\n").unwrap();
        let (t, errors) = Themes::load(ColorDepth::TrueColor, Some(dir.path()));
        assert_eq!(t.names().len(), 3);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].message.contains("in a circle: a → b → a"),
            "{}",
            errors[0]
        );
        assert!(
            errors[2].message.contains("in a circle: c → a → b → a"),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn a_chain_deeper_than_the_cap_is_refused_with_the_reason() {
        // t0000 inherits t0001 … t1999: thousands of levels (the sorted file order is the worst
        // for a resolver that goes round until nothing changes).
        let dir = tempfile::tempdir().unwrap();
        let n = 2000;
        for i in 0..n {
            let text = if i + 1 < n {
                format!("inherits = \"t{:04}\"\n[ui]\nerror = \"red\"\n", i + 1)
            } else {
                "[ui]\nerror = \"blue\"\n".to_owned()
            };
            std::fs::write(dir.path().join(format!("t{i:04}.toml")), text).unwrap();
        }
        let (t, errors) = Themes::load(ColorDepth::TrueColor, Some(dir.path()));
        // The root and the 16 themes above it load; every deeper one says why it does not.
        assert_eq!(t.names().len(), 3 + MAX_INHERITANCE + 1);
        assert_eq!(errors.len(), n - MAX_INHERITANCE - 1);
        assert!(
            errors[0]
                .message
                .contains("more than 16 themes (t0000 → t0001 → t0002 → …)"),
            "{}",
            errors[0]
        );
        assert_eq!(errors[0].line, 1);
        assert_eq!(t.get("t1983").unwrap().error().fg, Some(Color::Red));
    }
}
