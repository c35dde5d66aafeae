//! Themes: semantic styles resolved from TOML files (`themes/*.toml`, embedded at build time,
//! plus the person's own in `<config dir>/themes/`). Views ask for "the focused border" or "an
//! error", never for a colour; `file` parses, `color` fits colours to the terminal.

pub mod color;
mod file;
mod set;

use ratatui::style::{Color, Modifier, Style};

pub use color::ColorDepth;
pub use file::{CODE_THEMES, ThemeError, parse_theme};
pub use set::{BUILTIN, Themes};

macro_rules! slots {
    ($($slot:ident = $key:literal : $what:literal,)*) => {
        /// A named style a theme sets in its `[ui]` table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Slot { $($slot,)* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$slot,)*];

            /// The key in a theme's `[ui]` table.
            pub fn key(self) -> &'static str {
                match self { $(Slot::$slot => $key,)* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Slot::$slot => $what,)* }
            }

            pub fn from_key(key: &str) -> Option<Slot> {
                match key { $($key => Some(Slot::$slot),)* _ => None }
            }
        }
    };
}

slots! {
    Base = "base": "the whole screen (empty: the terminal's own colours)",
    Border = "border": "an unfocused pane's border",
    BorderFocused = "border_focused": "the focused pane's border",
    Title = "title": "an unfocused pane's title",
    TitleFocused = "title_focused": "the focused pane's title",
    Prompt = "prompt": "prompts in the transcript",
    Answer = "answer": "answer text",
    Dim = "dim": "hints and secondary text",
    Error = "error": "errors",
    Stopped = "stopped": "stopped and interrupted answers",
    Cost = "cost": "money",
    Provider = "provider": "the serving provider",
    Streaming = "streaming": "spinners and live status",
    StatusBar = "status_bar": "the status bar",
    Key = "key": "key names and pane numbers",
    Heading1 = "heading1": "# headings",
    Heading2 = "heading2": "## headings",
    Heading3 = "heading3": "### and smaller headings",
    Emphasis = "emphasis": "*emphasis*",
    Strong = "strong": "**strong**",
    Strikethrough = "strikethrough": "~~struck~~ text",
    Link = "link": "a link's text",
    Url = "url": "the URL shown after a link",
    InlineCode = "inline_code": "`inline code`",
    Code = "code": "code blocks (bg is the block's background; fg for unhighlighted code)",
    CodeLabel = "code_label": "a code block's language tag",
    Quote = "quote": "block quote text",
    QuoteBar = "quote_bar": "the bar left of a block quote",
    ListMarker = "list_marker": "bullets and numbers",
    Rule = "rule": "horizontal rules",
    TableBorder = "table_border": "table borders",
    TableHeader = "table_header": "table header cells",
    Reasoning = "reasoning": "reasoning (thinking) text",
    ReasoningHeader = "reasoning_header": "the reasoning block's header line",
    Free = "free": "the mark of a free model in the picker",
    Selected = "selected": "the highlighted row of a list",
    Chart = "chart": "bars and sparklines in the spend view",
    Routing = "routing": "routing preferences and fallbacks in a pane title",
    GaugeOk = "gauge_ok": "a budget gauge with room left",
    GaugeWarn = "gauge_warn": "a budget gauge past 80%",
}

const SLOTS: usize = Slot::ALL.len();

/// Resolved styles, already fitted to the terminal's colour depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    name: String,
    styles: [Style; SLOTS],
    /// The syntect theme code blocks are highlighted with.
    code_theme: String,
    depth: ColorDepth,
}

impl Default for Theme {
    /// The built-in default theme in full colour.
    fn default() -> Self {
        Themes::builtin(ColorDepth::TrueColor).current().clone()
    }
}

impl Theme {
    /// No styles at all; what a theme file starts from before `inherits`.
    pub(crate) fn blank(name: &str, depth: ColorDepth) -> Self {
        Self {
            name: name.to_owned(),
            styles: [Style::new(); SLOTS],
            code_theme: "base16-ocean.dark".to_owned(),
            depth,
        }
    }

    /// The default theme with modifiers only (what `NO_COLOR` gives).
    #[cfg(test)]
    pub fn no_color() -> Self {
        Themes::builtin(ColorDepth::None).current().clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn depth(&self) -> ColorDepth {
        self.depth
    }

    pub fn has_color(&self) -> bool {
        self.depth != ColorDepth::None
    }

    pub fn code_theme(&self) -> &str {
        &self.code_theme
    }

    pub fn get(&self, slot: Slot) -> Style {
        self.styles[slot as usize]
    }

    pub(crate) fn set(&mut self, slot: Slot, style: Style) {
        self.styles[slot as usize] = style;
    }

    pub(crate) fn set_code_theme(&mut self, name: &str) {
        name.clone_into(&mut self.code_theme);
    }

    pub(crate) fn rename(&mut self, name: &str) {
        name.clone_into(&mut self.name);
    }

    /// A colour (from a theme or a highlighter) as this terminal can show it.
    pub fn fit(&self, c: Color) -> Option<Color> {
        self.depth.adapt(c)
    }

    pub fn base(&self) -> Style {
        self.get(Slot::Base)
    }

    pub fn border(&self, focused: bool) -> Style {
        self.get(if focused {
            Slot::BorderFocused
        } else {
            Slot::Border
        })
    }

    pub fn title(&self, focused: bool) -> Style {
        self.get(if focused {
            Slot::TitleFocused
        } else {
            Slot::Title
        })
    }

    /// The person's prompt in a pane. Without colour, bold alone would not tell it from an
    /// answer's bold text and headings, so it is also reversed.
    pub fn prompt(&self) -> Style {
        let style = self.get(Slot::Prompt);
        if self.has_color() {
            style
        } else {
            style.add_modifier(ratatui::style::Modifier::REVERSED)
        }
    }

    pub fn answer(&self) -> Style {
        self.get(Slot::Answer)
    }

    pub fn dim(&self) -> Style {
        self.get(Slot::Dim)
    }

    pub fn error(&self) -> Style {
        self.get(Slot::Error)
    }

    pub fn stopped(&self) -> Style {
        self.get(Slot::Stopped)
    }

    pub fn cost(&self) -> Style {
        self.get(Slot::Cost)
    }

    pub fn provider(&self) -> Style {
        self.get(Slot::Provider)
    }

    pub fn streaming(&self) -> Style {
        self.get(Slot::Streaming)
    }

    pub fn status_bar(&self) -> Style {
        self.get(Slot::StatusBar)
    }

    pub fn key(&self) -> Style {
        self.get(Slot::Key)
    }

    /// `level` 1 for `#`; 3 and beyond share a style.
    pub fn heading(&self, level: u8) -> Style {
        self.get(match level {
            0 | 1 => Slot::Heading1,
            2 => Slot::Heading2,
            _ => Slot::Heading3,
        })
    }

    pub fn emphasis(&self) -> Style {
        self.get(Slot::Emphasis)
    }

    pub fn strong(&self) -> Style {
        self.get(Slot::Strong)
    }

    pub fn strikethrough(&self) -> Style {
        self.get(Slot::Strikethrough)
    }

    pub fn link(&self) -> Style {
        self.get(Slot::Link)
    }

    pub fn url(&self) -> Style {
        self.get(Slot::Url)
    }

    pub fn inline_code(&self) -> Style {
        self.get(Slot::InlineCode)
    }

    pub fn code(&self) -> Style {
        self.get(Slot::Code)
    }

    pub fn code_label(&self) -> Style {
        self.get(Slot::CodeLabel)
    }

    pub fn quote(&self) -> Style {
        self.get(Slot::Quote)
    }

    pub fn quote_bar(&self) -> Style {
        self.get(Slot::QuoteBar)
    }

    pub fn list_marker(&self) -> Style {
        self.get(Slot::ListMarker)
    }

    pub fn rule(&self) -> Style {
        self.get(Slot::Rule)
    }

    pub fn table_border(&self) -> Style {
        self.get(Slot::TableBorder)
    }

    pub fn table_header(&self) -> Style {
        self.get(Slot::TableHeader)
    }

    pub fn reasoning(&self) -> Style {
        self.get(Slot::Reasoning)
    }

    pub fn reasoning_header(&self) -> Style {
        self.get(Slot::ReasoningHeader)
    }

    pub fn free(&self) -> Style {
        self.get(Slot::Free)
    }

    pub fn selected(&self) -> Style {
        self.get(Slot::Selected)
    }

    pub fn chart(&self) -> Style {
        self.get(Slot::Chart)
    }

    pub fn routing(&self) -> Style {
        self.get(Slot::Routing)
    }

    /// A budget gauge by how much is used (1.0 = all): calm, then a warning, then an error.
    pub fn gauge(&self, used: f64) -> Style {
        if used >= 1.0 {
            self.error()
        } else if used >= 0.8 {
            self.get(Slot::GaugeWarn)
        } else {
            self.get(Slot::GaugeOk)
        }
    }

    /// Whether `style` carries any colour (tests of `NO_COLOR` use it).
    #[cfg(test)]
    pub fn is_plain(style: Style) -> bool {
        style.fg.is_none_or(|c| c == Color::Reset) && style.bg.is_none_or(|c| c == Color::Reset)
    }

    /// A modifier list as a theme file spells it.
    pub(crate) fn modifier(name: &str) -> Option<Modifier> {
        Some(match name {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" | "underline" => Modifier::UNDERLINED,
            "slow_blink" => Modifier::SLOW_BLINK,
            "rapid_blink" => Modifier::RAPID_BLINK,
            "reversed" | "reverse" => Modifier::REVERSED,
            "hidden" => Modifier::HIDDEN,
            "crossed_out" | "strikethrough" => Modifier::CROSSED_OUT,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_documents_every_theme_key() {
        let readme = include_str!("../../README.md");
        for slot in Slot::ALL {
            assert!(
                readme.contains(&format!("`{}`", slot.key())),
                "README lacks `{}` ({})",
                slot.key(),
                slot.description()
            );
        }
    }

    #[test]
    fn shipped_themes_set_every_slot() {
        for (name, text) in BUILTIN {
            let table: toml::Table = toml::from_str(text).unwrap();
            let ui = table["ui"].as_table().unwrap();
            for slot in Slot::ALL {
                // `base` empty means the terminal's own colours, which dark keeps on purpose.
                if *slot == Slot::Base && *name == "dark" {
                    continue;
                }
                assert!(ui.contains_key(slot.key()), "{name} lacks {}", slot.key());
            }
        }
    }
}
