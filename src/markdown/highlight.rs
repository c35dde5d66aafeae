//! Syntax highlighting with syntect (its Oniguruma backend). `Highlighter::load` reads syntect's
//! bundled syntaxes and themes plus ours in `assets/syntaxes/`; the runtime calls it once, off
//! the UI thread, and hands the result to `update`. A grammar is read and its regexes compiled
//! when a block first needs it: inline by default, or, for the room (`in_background`), on a
//! thread of its own while the block shows plain (issue 10: a frame must never wait for it;
//! Oniguruma compiles one in about 3 ms, fancy-regex, used before, in 40 ms to 100 ms and more).
//! `LineHighlighter` colours a code block one line at a time, so a streaming block never
//! highlights a line twice.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ratatui::style::{Color, Modifier};
use syntect::highlighting::{
    FontStyle, HighlightIterator, HighlightState, Highlighter as Painter, Theme as CodeTheme,
    ThemeSet,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet, SyntaxSetBuilder};

use super::wrap::Piece;
use crate::theme::Theme;

/// Grammars syntect does not bundle, embedded at build time.
const EXTRA_SYNTAXES: &[(&str, &str)] = &[(
    "TOML",
    include_str!("../../assets/syntaxes/TOML.sublime-syntax"),
)];

/// Samples of common languages, for `warm_up` (benchmarks that want compiled grammars). The
/// room does not run it: with fancy-regex its ~80 MB of compiled regexes were most of the room's
/// memory (issue 10), and most sessions show few of these languages.
const WARM_UP: &[(&str, &str)] = &[
    (
        "rust",
        "use std::io;\n#[derive(Debug)]\npub struct S<'a> { v: &'a [u64] }\nfn f(xs: &[u64]) -> u64 {\n    let n: u32 = 1; // c\n    xs.iter().copied().filter(|x| x % 2 == 0).sum()\n}\nimpl S<'_> { fn g(&self) -> Option<String> { Some(format!(\"{}\", self.v.len())) } }\n",
    ),
    (
        "python",
        "import os\n@dataclass\nclass A(B):\n    def f(self, x: int) -> list[str]:\n        \"\"\"Doc.\"\"\"\n        for t in x:\n            yield f\"{t!r}\"  # c\n        return [i for i in x if i]\n",
    ),
    (
        "js",
        "import x from 'y';\nconst f = async (x) => { return `a${x}`; };\nclass C extends D { m() {} }\n",
    ),
    (
        "bash",
        "#!/bin/bash\nfor f in *.txt; do\n  echo \"$f\" | grep -v x > \"${f%.txt}.out\"\ndone\n",
    ),
    (
        "json",
        "{\"a\": [1, 2.5, true, null], \"b\": {\"c\": \"d\"}}\n",
    ),
    ("toml", "[a]\nb = \"c\" # d\n[[e]]\nf = 1\n"),
    (
        "c",
        "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 1); return 0; }\n",
    ),
    (
        "cpp",
        "#include <vector>\nint main() { std::vector<int> v{1}; return v[0]; }\n",
    ),
    (
        "go",
        "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"x\") }\n",
    ),
    ("yaml", "a: [1, b]\nc:\n  - d: e # f\n"),
    (
        "sql",
        "SELECT a, COUNT(*) FROM t WHERE b = 'c' GROUP BY a;\n",
    ),
    ("html", "<!DOCTYPE html>\n<p class=\"x\">y</p>\n"),
    (
        "java",
        "public class A { public static void main(String[] a) { System.out.println(1); } }\n",
    ),
];

/// The longest code line highlighted, in bytes. Past it a grammar's regexes can take time that
/// grows with the square of the line (8 KB of `(` in a bash block: 170 ms with Oniguruma; 60 KB
/// of `"a\` took 3.8 s with fancy-regex), and a frame must not wait on a model's output. Such a
/// line (minified code, a blob, hostile output) shows plain, and the lines after it are coloured
/// from the grammar's state before it. At the cap the worst case measured was 3 ms.
pub const HIGHLIGHT_LINE_CAP: usize = 1024;

/// Bytes of code blocks that may be rendered again per frame, all answers together: blocks
/// that waited for their grammar, and blocks left plain until shown (about 1.5 µs a byte for
/// Rust on this project's 2-core machine; a block larger than all of it still gets its turn).
/// While answers stream, some 0.75 ms a frame: a flood brings many blocks into view at once.
const REWORK_WHILE_STREAMING: usize = 512;
/// When nothing streams (reopening a session, scrolling back, a grammar that has compiled):
/// a screen of code is coloured in one frame of a few milliseconds.
const REWORK_PER_FRAME: usize = 4 * 1024;

pub struct Highlighter {
    /// syntect's bundled grammars, as loaded: each grammar's contexts are read when it is
    /// first used, so the ~75 grammars cost little until an answer needs one.
    pub(super) syntaxes: Arc<SyntaxSet>,
    /// Ours, a set of their own (added to the bundled set, they would make it read every
    /// grammar at load: tens of MB and a few hundred ms). Searched first.
    pub(super) extra: Arc<SyntaxSet>,
    themes: ThemeSet,
    /// Set for the room: grammars compile on their own thread.
    background: Option<Background>,
}

/// Grammars compiled off the UI thread, and what the answers that waited for them may redo.
struct Background {
    compiled: Arc<Compiled>,
    /// Tells the room a grammar has compiled (wakes its loop).
    notify: Arc<dyn Fn() + Send + Sync>,
    /// What is left of this frame's `REWORK_PER_FRAME`.
    budget: AtomicUsize,
    /// Some answer wanted more than this frame's budget: another frame is needed.
    starved: AtomicBool,
    /// Held by a test to keep grammars compiling until it lets go (Oniguruma compiles a
    /// grammar in a few milliseconds, sooner than a test can look at a block waiting for it).
    #[cfg(test)]
    gate: Arc<Mutex<()>>,
}

#[derive(Default)]
struct Compiled {
    /// By grammar name: `false` while compiling, `true` once compiled.
    grammars: Mutex<HashMap<String, bool>>,
    /// Grammars compiled so far: an answer that showed a block plain at an older count is
    /// rendered again.
    count: AtomicU64,
}

/// Marks a grammar compiled when its thread ends, however it ends (a grammar that failed
/// stays plain, as it would inline).
struct Done {
    compiled: Arc<Compiled>,
    name: String,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl Drop for Done {
    fn drop(&mut self) {
        let mut grammars = self
            .compiled
            .grammars
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        grammars.insert(std::mem::take(&mut self.name), true);
        drop(grammars);
        self.compiled.count.fetch_add(1, Ordering::Release);
        (self.notify)();
    }
}

impl fmt::Debug for Highlighter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Highlighter")
            .field("syntaxes", &self.syntaxes.syntaxes().len())
            .field("extra", &self.extra.syntaxes().len())
            .field("themes", &self.themes.themes.len())
            .finish()
    }
}

/// Two loads are different highlighters; what matters to `Action` equality is identity.
impl PartialEq for Highlighter {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Highlighter {
    /// syntect's bundled syntaxes and themes, and ours. Call it off the UI thread.
    pub fn load() -> Self {
        let mut builder = SyntaxSetBuilder::new();
        for (name, text) in EXTRA_SYNTAXES {
            match syntect::parsing::SyntaxDefinition::load_from_str(text, true, Some(name)) {
                Ok(def) => builder.add(def),
                Err(e) => tracing::error!("the {name} grammar does not load: {e}"),
            }
        }
        Self {
            syntaxes: Arc::new(SyntaxSet::load_defaults_newlines()),
            extra: Arc::new(builder.build()),
            themes: ThemeSet::load_defaults(),
            background: None,
        }
    }

    /// The room's highlighter: each grammar compiles on a thread of its own the first time a
    /// block needs it (the block shows plain until then), and `notify` is called when one has
    /// compiled. Call it off the UI thread: the regexes that guess a tagless block's language
    /// from its first line are compiled here too.
    pub fn in_background(notify: impl Fn() + Send + Sync + 'static) -> Self {
        let mut h = Self::load();
        let _ = h.syntaxes.find_syntax_by_first_line("");
        let _ = h.extra.find_syntax_by_first_line("");
        h.background = Some(Background {
            compiled: Arc::default(),
            notify: Arc::new(notify),
            budget: AtomicUsize::new(REWORK_PER_FRAME),
            starved: AtomicBool::new(false),
            #[cfg(test)]
            gate: Arc::default(),
        });
        h
    }

    /// Keeps every grammar compiling in the background until the guard is dropped.
    #[cfg(test)]
    pub(crate) fn hold_compiling(&self) -> std::sync::MutexGuard<'_, ()> {
        let bg = self.background.as_ref().expect("a background highlighter");
        bg.gate.lock().unwrap()
    }

    /// Whether `syntax` can highlight now. With grammars compiled in the background, the first
    /// call for a grammar starts compiling it (on its warm-up sample, if it has one, and on
    /// `first`, the block's first line) and says `false` until that is done.
    pub fn is_ready(&self, syntax: &SyntaxReference, first: &str) -> bool {
        let Some(bg) = &self.background else {
            return true;
        };
        let mut grammars = bg
            .compiled
            .grammars
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(ready) = grammars.get(&syntax.name) {
            return *ready;
        }
        grammars.insert(syntax.name.clone(), false);
        drop(grammars);
        let set = Arc::clone(if self.is_ours(syntax) {
            &self.extra
        } else {
            &self.syntaxes
        });
        let sample = WARM_UP
            .iter()
            .find(|(lang, _)| self.syntax(lang).is_some_and(|s| s.name == syntax.name))
            .map_or("", |(_, code)| *code);
        let mut lines: Vec<String> = sample.split_inclusive('\n').map(str::to_owned).collect();
        lines.push(format!("{}\n", first.trim_end_matches('\n')));
        let done = Done {
            compiled: Arc::clone(&bg.compiled),
            name: syntax.name.clone(),
            notify: Arc::clone(&bg.notify),
        };
        #[cfg(test)]
        let gate = Arc::clone(&bg.gate);
        let spawned = std::thread::Builder::new()
            .name("grammar".into())
            .spawn(move || {
                #[cfg(test)]
                drop(gate.lock());
                if let Some(syntax) = set.find_syntax_by_name(&done.name) {
                    let mut parse = ParseState::new(syntax);
                    for line in &lines {
                        if parse.parse_line(line, &set).is_err() {
                            break;
                        }
                    }
                }
                drop(done);
            });
        if let Err(e) = spawned {
            // The closure (and `done` in it) is dropped: the grammar counts as compiled and
            // compiles inline on first use.
            tracing::warn!("no thread to compile a grammar on: {e}");
        }
        false
    }

    /// Grammars compiled in the background so far (0 when they compile inline).
    pub fn compiled(&self) -> u64 {
        self.background
            .as_ref()
            .map_or(0, |bg| bg.compiled.count.load(Ordering::Acquire))
    }

    /// Starts a frame's allowance for rendering code again (what waited for a grammar, what
    /// was left plain until shown), the smaller one while answers stream.
    pub fn new_frame(&self, streaming: bool) {
        if let Some(bg) = &self.background {
            let allowance = if streaming {
                REWORK_WHILE_STREAMING
            } else {
                REWORK_PER_FRAME
            };
            bg.budget.store(allowance, Ordering::Relaxed);
            bg.starved.store(false, Ordering::Relaxed);
        }
    }

    /// Whether a block of `bytes` may be rendered again in this frame: while any allowance is
    /// left (so a block larger than all of it still gets its turn). `false` asks for another
    /// frame.
    pub fn take_rework(&self, bytes: usize) -> bool {
        let Some(bg) = &self.background else {
            return true;
        };
        let left = bg.budget.load(Ordering::Relaxed);
        if left == 0 {
            bg.starved.store(true, Ordering::Relaxed);
            return false;
        }
        bg.budget
            .store(left.saturating_sub(bytes), Ordering::Relaxed);
        true
    }

    /// Whether some answer is still being rendered again and needs another frame.
    pub fn wants_frame(&self) -> bool {
        self.background
            .as_ref()
            .is_some_and(|bg| bg.starved.load(Ordering::Relaxed))
    }

    pub(super) fn is_ours(&self, syntax: &SyntaxReference) -> bool {
        self.extra
            .syntaxes()
            .iter()
            .any(|s| std::ptr::eq(s, syntax))
    }

    /// Compiles the regexes of common languages (syntect otherwise compiles each on first use).
    pub fn warm_up(&self) {
        let theme = Theme::default();
        for (lang, code) in WARM_UP {
            if let Some(mut h) = LineHighlighter::new(self, lang, &theme) {
                for line in code.split_inclusive('\n') {
                    let _ = h.line(self, line, &theme);
                }
            }
        }
    }

    /// The grammar for a fence's language tag; `None` means plain text.
    pub fn syntax(&self, tag: &str) -> Option<&SyntaxReference> {
        let token = canonical(tag)?;
        self.extra
            .find_syntax_by_token(token)
            .or_else(|| self.syntaxes.find_syntax_by_token(token))
            .filter(|s| s.name != "Plain Text")
    }

    /// A tagless block is guessed from its first line (`#!/bin/sh`, `<?php`, …) and no further.
    pub fn syntax_for_first_line(&self, line: &str) -> Option<&SyntaxReference> {
        self.extra
            .find_syntax_by_first_line(line)
            .or_else(|| self.syntaxes.find_syntax_by_first_line(line))
    }

    pub(super) fn code_theme(&self, name: &str) -> Option<&CodeTheme> {
        self.themes.themes.get(name)
    }

    #[cfg(test)]
    pub(crate) fn theme_names(&self) -> Vec<String> {
        self.themes.themes.keys().cloned().collect()
    }
}

/// A fence tag as a grammar lookup token: `TypeScript` → `js`, `rust,ignore` → `rust`,
/// `{python}` → `python`. `None` for no tag or plain text.
fn canonical(tag: &str) -> Option<&str> {
    let tag = tag
        .split([',', ' ', '{', '}', ':'])
        .find(|t| !t.is_empty())?;
    let lower = tag.to_ascii_lowercase();
    Some(match lower.as_str() {
        "text" | "txt" | "plain" | "plaintext" | "output" | "console-output" => return None,
        "ts" | "typescript" | "tsx" | "jsx" | "javascript" | "node" | "mjs" | "cjs" => "js",
        "shell" | "console" | "shellsession" | "sh" | "zsh" | "fish" | "bash" | "ksh" => "bash",
        "py" | "python" | "python3" | "py3" => "py",
        "rs" | "rust" => "rs",
        "golang" => "go",
        "c++" | "cxx" => "cpp",
        "jsonc" | "json5" => "json",
        "yml" => "yaml",
        "tf" | "hcl" | "ini" | "cfg" | "conf" => "properties",
        "vue" | "svelte" | "xhtml" => "html",
        "objc" | "objective-c" => "m",
        "cs" | "csharp" | "c#" => "cs",
        "rb" | "ruby" => "rb",
        "dockerfile" | "docker" => "bash",
        _ => tag,
    })
}

/// Colours one code block line by line, carrying the grammar's state between lines.
#[derive(Clone)]
pub struct LineHighlighter {
    parse: ParseState,
    highlight: HighlightState,
    theme_name: String,
    /// The grammar is one of ours (`Highlighter::extra`).
    ours: bool,
}

impl LineHighlighter {
    /// `None` when the language has no grammar or the theme names no highlighting theme: the
    /// block is then shown plain.
    pub fn new(h: &Highlighter, lang: &str, theme: &Theme) -> Option<Self> {
        let syntax = h.syntax(lang)?;
        Self::for_syntax(h, syntax, theme)
    }

    pub fn for_syntax(h: &Highlighter, syntax: &SyntaxReference, theme: &Theme) -> Option<Self> {
        let code_theme = h.code_theme(theme.code_theme())?;
        let painter = Painter::new(code_theme);
        Some(Self {
            parse: ParseState::new(syntax),
            highlight: HighlightState::new(&painter, ScopeStack::new()),
            theme_name: theme.code_theme().to_owned(),
            ours: h.is_ours(syntax),
        })
    }

    /// Pieces of one line (`line` may end with its newline, which is dropped). `None` when the
    /// grammar fails on it; the caller shows the rest of the block plain.
    pub fn line(&mut self, h: &Highlighter, line: &str, theme: &Theme) -> Option<Vec<Piece>> {
        let code_theme = h.code_theme(&self.theme_name)?;
        if line.len() > HIGHLIGHT_LINE_CAP {
            let text = line.trim_end_matches('\n');
            return Some(if text.is_empty() {
                Vec::new()
            } else {
                vec![(text.to_owned(), theme.code())]
            });
        }
        let painter = Painter::new(code_theme);
        // The bundled grammars expect each line to end with its newline.
        let owned;
        let line = if line.ends_with('\n') {
            line
        } else {
            owned = format!("{line}\n");
            &owned
        };
        let set = if self.ours { &h.extra } else { &h.syntaxes };
        let ops = self.parse.parse_line(line, set).ok()?;
        let base = theme.code();
        let mut out: Vec<Piece> = Vec::new();
        for (style, text) in HighlightIterator::new(&mut self.highlight, &ops, line, &painter) {
            let text = text.trim_end_matches('\n');
            if text.is_empty() {
                continue;
            }
            let c = style.foreground;
            let mut s = base;
            if let Some(fg) = theme.fit(Color::Rgb(c.r, c.g, c.b)) {
                s = s.fg(fg);
            }
            for (font, m) in [
                (FontStyle::BOLD, Modifier::BOLD),
                (FontStyle::ITALIC, Modifier::ITALIC),
                (FontStyle::UNDERLINE, Modifier::UNDERLINED),
            ] {
                if style.font_style.contains(font) {
                    s = s.add_modifier(m);
                }
            }
            match out.last_mut() {
                Some((t, last)) if *last == s => t.push_str(text),
                _ => out.push((text.to_owned(), s)),
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ColorDepth;

    #[test]
    fn every_code_theme_a_theme_may_name_exists() {
        let h = Highlighter::load();
        let mut names = h.theme_names();
        names.sort();
        let mut allowed: Vec<String> = crate::theme::CODE_THEMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        allowed.sort();
        assert_eq!(names, allowed);
    }

    #[test]
    fn the_warm_up_samples_highlight() {
        let h = Highlighter::load();
        let theme = Theme::default();
        for (lang, code) in WARM_UP {
            let mut l = LineHighlighter::new(&h, lang, &theme).unwrap_or_else(|| panic!("{lang}"));
            for line in code.split_inclusive('\n') {
                assert!(l.line(&h, line, &theme).is_some(), "{lang}: {line}");
            }
        }
        h.warm_up();
    }

    #[test]
    fn tags_find_their_grammar_and_unknown_ones_are_plain() {
        let h = Highlighter::load();
        for (tag, name) in [
            ("rust", "Rust"),
            ("rust,ignore", "Rust"),
            ("Python", "Python"),
            ("ts", "JavaScript"),
            ("sh", "Bourne Again Shell (bash)"),
            ("toml", "TOML"),
            ("{python}", "Python"),
            ("c++", "C++"),
        ] {
            assert_eq!(h.syntax(tag).map(|s| s.name.as_str()), Some(name), "{tag}");
        }
        for tag in ["", "text", "klingon", "  "] {
            assert!(h.syntax(tag).is_none(), "{tag:?}");
        }
        assert_eq!(
            h.syntax_for_first_line("#!/bin/bash\n")
                .map(|s| s.name.as_str()),
            Some("Bourne Again Shell (bash)")
        );
    }

    #[test]
    fn lines_are_coloured_with_state_carried_between_them() {
        let h = Highlighter::load();
        let theme = Theme::default();
        let mut l = LineHighlighter::new(&h, "python", &theme).unwrap();
        let first = l.line(&h, "s = \"\"\"open\n", &theme).unwrap();
        let text: String = first.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "s = \"\"\"open");
        // Still inside the triple-quoted string: one style for the whole line.
        let second = l.line(&h, "still a string\n", &theme).unwrap();
        assert_eq!(second.len(), 1, "{second:?}");
        assert!(first.iter().any(|(_, s)| s.fg != second[0].1.fg));
        assert!(second.iter().all(|(_, s)| s.bg == theme.code().bg));
    }

    #[test]
    fn a_line_past_the_cap_is_plain_and_the_next_is_coloured_as_before_it() {
        let h = Highlighter::load();
        let theme = Theme::default();
        // Coloured in several styles, were it highlighted.
        let long = format!("{}\n", "fn f() {} ".repeat(HIGHLIGHT_LINE_CAP / 10 + 1));
        let mut l = LineHighlighter::new(&h, "rust", &theme).unwrap();
        let pieces = l.line(&h, &long, &theme).unwrap();
        assert_eq!(
            pieces,
            vec![(long.trim_end_matches('\n').to_owned(), theme.code())]
        );
        let after = l.line(&h, "fn main() {}\n", &theme).unwrap();
        let mut fresh = LineHighlighter::new(&h, "rust", &theme).unwrap();
        assert_eq!(after, fresh.line(&h, "fn main() {}\n", &theme).unwrap());
        assert!(after.len() > 1, "coloured: {after:?}");
        // At the cap, a line is still highlighted.
        let at_cap = format!("let s = \"{}\";\n", "x".repeat(HIGHLIGHT_LINE_CAP - 12));
        assert_eq!(at_cap.len(), HIGHLIGHT_LINE_CAP);
        assert!(fresh.line(&h, &at_cap, &theme).unwrap().len() > 1);
    }

    #[test]
    fn toml_is_highlighted_and_colours_fit_the_terminal() {
        let h = Highlighter::load();
        let theme = crate::theme::Themes::builtin(ColorDepth::Ansi16)
            .current()
            .clone();
        let mut l = LineHighlighter::new(&h, "toml", &theme).unwrap();
        let pieces = l.line(&h, "name = \"modelroom\" # c\n", &theme).unwrap();
        assert!(pieces.len() >= 3, "{pieces:?}");
        for (_, s) in &pieces {
            assert!(
                !matches!(s.fg, Some(Color::Rgb(..) | Color::Indexed(_))),
                "{s:?}"
            );
        }
        let mono = Theme::no_color();
        let mut l = LineHighlighter::new(&h, "rust", &mono).unwrap();
        for (_, s) in l.line(&h, "fn main() {}\n", &mono).unwrap() {
            assert!(Theme::is_plain(s), "{s:?}");
        }
    }
}
