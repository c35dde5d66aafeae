//! Tags for per-category boards, typed in a prompt as `#code`, `#writing`. A markdown heading
//! (`# Title`), an anchor in a URL, or `#include` inside code is not a tag.

/// The tags in `prompt`: lowercased, sorted, without repeats.
pub fn parse(prompt: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut in_fence = false;
    for line in prompt.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        scan_line(line, &mut tags);
    }
    tags.sort();
    tags.dedup();
    tags
}

fn scan_line(line: &str, tags: &mut Vec<String>) {
    let mut in_code = false;
    let mut prev: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '`' {
            in_code = !in_code;
        } else if c == '#' && !in_code && prev.is_none_or(char::is_whitespace) {
            let rest = &line[i + 1..];
            let len = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '-' || ch == '_'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            if word.chars().next().is_some_and(char::is_alphabetic) && len <= 32 {
                tags.push(word.to_lowercase());
            }
            // Skip the word, so `#a#b` is one tag at most.
            while chars.peek().is_some_and(|(j, _)| *j <= i + len) {
                chars.next();
            }
            prev = Some('x');
            continue;
        }
        prev = Some(c);
    }
}

/// A tag given on the command line or with a key: the same shape as a typed one, or `None`.
pub fn normalise(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_start_matches('#');
    let ok = tag.chars().next().is_some_and(char::is_alphabetic)
        && tag.len() <= 32
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    ok.then(|| tag.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_words_after_a_hash_at_a_word_start() {
        assert_eq!(
            parse("#Code: sort a list, #writing too #code"),
            ["code", "writing"]
        );
        assert_eq!(parse("a#b c #1st # heading #x-y_z."), ["x-y_z"]);
    }

    #[test]
    fn headings_urls_and_code_are_not_tags() {
        let prompt = "# Title\n## Sub\nsee http://x.org/a#frag and `#inline`\n```c\n#include <x>\n```\n#math";
        assert_eq!(parse(prompt), ["math"]);
    }

    #[test]
    fn a_given_tag_is_normalised_or_refused() {
        assert_eq!(normalise("#Code").as_deref(), Some("code"));
        assert_eq!(normalise(" writing ").as_deref(), Some("writing"));
        assert_eq!(normalise("a b"), None);
        assert_eq!(normalise("#"), None);
        assert_eq!(normalise("\u{1b}[2J"), None);
    }
}
