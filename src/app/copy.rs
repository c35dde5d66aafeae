//! Copying from the focused pane to the clipboard (OSC 52, done by the runtime): the whole last
//! answer, or one of its code blocks, the last first and an older one at each press again, so
//! a command or a file can be taken without the prose around it.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use super::pane::Pane;
use super::{App, Effect, NoticeLevel, PaneId};

/// Which code block the last press copied, to step to an older one on the next; forgotten as
/// soon as the focus or the answer is no longer the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeCursor {
    pane: PaneId,
    answer_len: usize,
    from_end: usize,
}

pub(super) fn answer(app: &mut App, fx: &mut Vec<Effect>) {
    let text = app
        .focused()
        .and_then(Pane::last_answer)
        .map(|a| a.reply.content.to_string());
    match text.filter(|t| !t.is_empty()) {
        Some(text) => {
            app.set_notice(
                NoticeLevel::Info,
                format!(
                    "copied {} characters to the clipboard",
                    text.chars().count()
                ),
            );
            fx.push(Effect::Copy(text));
        }
        None => app.set_notice(NoticeLevel::Info, "nothing to copy yet"),
    }
}

pub(super) fn code_block(app: &mut App, fx: &mut Vec<Effect>) {
    let Some((pane, text)) = app
        .focused()
        .and_then(|p| p.last_answer().map(|a| (p.id, a.reply.content.to_string())))
    else {
        app.set_notice(NoticeLevel::Info, "nothing to copy yet");
        return;
    };
    let blocks = code_blocks(&text);
    if blocks.is_empty() {
        app.code_cursor = None;
        app.set_notice(
            NoticeLevel::Info,
            "the last answer has no code block to copy",
        );
        return;
    }
    let from_end = match app.code_cursor {
        Some(c) if c.pane == pane && c.answer_len == text.len() => (c.from_end + 1) % blocks.len(),
        _ => 0,
    };
    app.code_cursor = Some(CodeCursor {
        pane,
        answer_len: text.len(),
        from_end,
    });
    let n = blocks.len() - from_end;
    let (lang, code) = &blocks[n - 1];
    let lines = code.lines().count();
    let lang = if lang.is_empty() {
        String::new()
    } else {
        format!("{lang}, ")
    };
    let again = if blocks.len() > 1 {
        let key = app
            .keymap
            .label_for(super::Command::CopyCode)
            .unwrap_or_default();
        format!(" · {key} again for an older one")
    } else {
        String::new()
    };
    app.set_notice(
        NoticeLevel::Info,
        format!(
            "copied code block {n} of {} ({lang}{lines} line{}){again}",
            blocks.len(),
            if lines == 1 { "" } else { "s" }
        ),
    );
    fx.push(Effect::Copy(code.clone()));
}

/// Every code block of a Markdown text, fenced or indented, in order: its language tag (empty
/// when it has none) and its text, as CommonMark reads them (an unclosed fence runs to the end).
pub fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_owned()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                open = Some((lang, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, code)) = open.as_mut() {
                    code.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => out.extend(open.take()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::code_blocks;

    #[test]
    fn fenced_indented_and_unclosed_blocks_are_found_in_order() {
        let text =
            "Intro\n\n```rust title\nfn a() {}\n```\n\nthen\n\n    indented\n\n~~~\nlast\nline";
        assert_eq!(
            code_blocks(text),
            [
                ("rust".to_owned(), "fn a() {}\n".to_owned()),
                (String::new(), "indented\n".to_owned()),
                (String::new(), "last\nline".to_owned()),
            ]
        );
        assert!(code_blocks("no `code` block here").is_empty());
    }
}
