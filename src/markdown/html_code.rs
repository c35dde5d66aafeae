//! Code highlighted for the HTML export: the room's grammars (`Highlighter`), written as spans
//! classed by scope, with a stylesheet from syntect's bundled themes. Classes rather than inline
//! colours, so one page reads in a light and a dark system alike.

use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};

use super::highlight::{HIGHLIGHT_LINE_CAP, Highlighter};

/// The class prefix of highlighted code, so a theme's rules touch nothing else on the page.
pub const HTML_CLASS_PREFIX: &str = "hl-";

const STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: HTML_CLASS_PREFIX,
};

impl Highlighter {
    /// A code block as HTML for the exports: spans classed by scope (`hl-…`, styled by
    /// `html_css`), every character of the code escaped. The grammar is the fence tag's, else
    /// a guess from the first line, as in the room. `None` when there is none or it fails on
    /// the text: the caller shows the block plain.
    pub fn html_block(&self, lang: &str, code: &str) -> Option<String> {
        let syntax = match self.syntax(lang) {
            Some(s) => s,
            None if lang.trim().is_empty() => self.syntax_for_first_line(code.lines().next()?)?,
            None => return None,
        };
        let set = if self.is_ours(syntax) {
            &self.extra
        } else {
            &self.syntaxes
        };
        let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, set, STYLE);
        for line in code.split_inclusive('\n') {
            // A line past the cap could take seconds (`HIGHLIGHT_LINE_CAP`): the block goes plain.
            if line.len() > HIGHLIGHT_LINE_CAP {
                return None;
            }
            // The bundled grammars expect each line to end with its newline.
            let line = if line.ends_with('\n') {
                std::borrow::Cow::Borrowed(line)
            } else {
                std::borrow::Cow::Owned(format!("{line}\n"))
            };
            html.parse_html_for_line_which_includes_newline(&line)
                .ok()?;
        }
        Some(html.finalize())
    }

    /// The stylesheet for `html_block`'s classes: a light theme, and a dark one for readers
    /// whose system is dark (the two never both apply, so no rule of one leaks into the other).
    pub fn html_css(&self) -> String {
        let css = |name: &str| {
            self.code_theme(name)
                .and_then(|t| css_for_theme_with_class_style(t, STYLE).ok())
                .unwrap_or_default()
        };
        format!(
            "@media not (prefers-color-scheme: dark) {{\n{}}}\n@media (prefers-color-scheme: dark) {{\n{}}}\n",
            css("InspiredGitHub"),
            css("base16-ocean.dark")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_for_the_html_export_is_classed_and_escaped() {
        let h = Highlighter::load();
        let html = h
            .html_block("rust", "let s = \"</pre><script>\";\n// c")
            .unwrap();
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(html.contains("&lt;/pre&gt;&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count()
        );
        // A tagless block is guessed from its first line; an unknown tag stays plain.
        assert!(h.html_block("", "#!/bin/bash\necho hi\n").is_some());
        assert!(h.html_block("klingon", "fn main() {}\n").is_none());
        let long = format!("fn main() {{}}\n{}\n", "x".repeat(HIGHLIGHT_LINE_CAP + 1));
        assert!(h.html_block("rust", &long).is_none());
        assert!(h.html_block("text", "fn main() {}\n").is_none());
        let css = h.html_css();
        assert!(css.contains(".hl-comment"), "{css}");
        assert!(css.contains("prefers-color-scheme: dark"));
    }
}
