//! Semantic styles. Views ask for "the focused border" or "an error", never for a colour.
//! Colours are the terminal's own ANSI palette, so they follow the user's terminal theme;
//! with `NO_COLOR` only bold, dim, italic and reverse remain.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self { color: true }
    }
}

impl Theme {
    /// Colour unless the `NO_COLOR` convention (any non-empty value) says otherwise.
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    pub fn title(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    }

    pub fn prompt(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn answer(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn stopped(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn cost(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn provider(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn streaming(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn status_bar(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A budget gauge by how much is used (1.0 = all): calm, then a warning, then an error.
    pub fn gauge(&self, used: f64) -> Style {
        if used >= 1.0 {
            self.error()
        } else if used >= 0.8 {
            self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::Green)
        }
    }

    /// The mark of a free model.
    pub fn free(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// The highlighted row of a list.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Bars of a chart and the points of a sparkline.
    pub fn chart(&self) -> Style {
        self.fg(Color::Cyan)
    }

    /// A routing preference or a fallback in a pane title.
    pub fn routing(&self) -> Style {
        self.fg(Color::Blue)
    }
}
