//! Paths as a person types or pastes them: `~` expanded, Tab completion in a directory, and
//! the text a terminal pastes when a file is dropped on it (quoted, backslash-escaped or a
//! `file://` URL) recognised as a path, so that the room can offer to attach it.

use std::path::PathBuf;

/// `~` and `~/…` become the home directory; anything else is as typed (relative paths are
/// relative to the working directory).
pub fn expand(input: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    if input == "~" {
        if let Some(h) = home() {
            return h;
        }
    }
    if let Some(rest) = input.strip_prefix("~/") {
        if let Some(h) = home() {
            return h.join(rest);
        }
    }
    PathBuf::from(input)
}

/// The path a paste stands for, when the whole paste is one path to a file of a type that
/// can be attached (by its name: whether it exists is for the caller to ask, off the UI
/// thread). Surrounding quotes, `\ ` escapes and a `file://` prefix are undone.
pub fn pasted_path(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.contains('\n') || t.len() > 4096 {
        return None;
    }
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| t.strip_prefix(*q).and_then(|r| r.strip_suffix(*q)))
        .unwrap_or(t);
    let path = match unquoted.strip_prefix("file://") {
        Some(url) => percent_decoded(url)?,
        None => unescaped(unquoted),
    };
    let looks_like_path = path.starts_with('/')
        || path.starts_with("~/")
        || path.starts_with("./")
        || path.starts_with("../")
        || !path.contains(char::is_whitespace);
    (looks_like_path && super::promised(&path).is_some()).then_some(path)
}

/// A shell's backslash escapes (`my\ chart.png`) undone.
fn unescaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// `%20` and the like in a `file://` URL; `None` when it does not decode to UTF-8.
fn percent_decoded(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What Tab makes of a path typed so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    /// The input completed as far as every match agrees (`None`: nothing to add).
    pub text: Option<String>,
    /// The names that match, directories ending in `/`, when there are several (at most
    /// `MAX_CANDIDATES`).
    pub candidates: Vec<String>,
    /// Nothing matches (or the directory cannot be read): why, in words.
    pub none: Option<String>,
}

pub const MAX_CANDIDATES: usize = 40;

/// Completes the last component of `input` against its directory. Hidden names are offered
/// only when the typed part starts with a dot. Reads the directory: call it off the UI thread.
pub fn complete(input: &str) -> Completion {
    let input = if input == "~" { "~/" } else { input };
    let (dir_part, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir = if dir_part.is_empty() {
        PathBuf::from(".")
    } else {
        expand(dir_part)
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => {
            return Completion {
                none: Some(format!("cannot read {}: {e}", dir.display())),
                ..Completion::default()
            };
        }
    };
    let mut names: Vec<String> = entries
        .flatten()
        // A huge directory is not listed whole for one Tab.
        .take(100_000)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            // Symbolic links to directories complete as directories.
            let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    match names.as_slice() {
        [] if prefix.is_empty() => Completion {
            none: Some(format!(
                "nothing to list in {} (hidden names after a typed `.`)",
                dir.display()
            )),
            ..Completion::default()
        },
        [] => Completion {
            none: Some(format!(
                "nothing in {} starts with `{prefix}`",
                dir.display()
            )),
            ..Completion::default()
        },
        [one] => Completion {
            text: Some(format!("{dir_part}{one}")),
            ..Completion::default()
        },
        many => {
            let common = common_prefix(many);
            names.truncate(MAX_CANDIDATES);
            Completion {
                text: (common.len() > prefix.len()).then(|| format!("{dir_part}{common}")),
                candidates: names,
                none: None,
            }
        }
    }
}

fn common_prefix(names: &[String]) -> String {
    let first = &names[0];
    let mut end = first.len();
    for n in &names[1..] {
        end = first
            .char_indices()
            .zip(n.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8())
            .min(end);
    }
    first[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_path_is_recognised_however_the_terminal_wrote_it() {
        assert_eq!(pasted_path("/tmp/chart.png"), Some("/tmp/chart.png".into()));
        assert_eq!(
            pasted_path("  '/tmp/my chart.PNG'\n"),
            Some("/tmp/my chart.PNG".into())
        );
        assert_eq!(
            pasted_path("/tmp/my\\ chart.pdf"),
            Some("/tmp/my chart.pdf".into())
        );
        assert_eq!(
            pasted_path("file:///tmp/my%20chart.png"),
            Some("/tmp/my chart.png".into())
        );
        assert_eq!(pasted_path("paper.pdf"), Some("paper.pdf".into()));
        // Prose, code and types that cannot be attached stay text.
        assert_eq!(pasted_path("look at chart.png please"), None);
        assert_eq!(pasted_path("/etc/passwd"), None);
        assert_eq!(pasted_path("a.png\nb.png"), None);
        assert_eq!(pasted_path(""), None);
    }

    #[test]
    fn tab_completes_a_unique_name_and_lists_several() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("chart.png"), b"x").unwrap();
        std::fs::write(d.join("chapter.pdf"), b"x").unwrap();
        std::fs::write(d.join(".hidden.png"), b"x").unwrap();
        std::fs::create_dir(d.join("docs")).unwrap();
        let base = format!("{}/", d.display());
        let c = complete(&format!("{base}cha"));
        assert_eq!(c.text, None, "cha is already the common part");
        assert_eq!(c.candidates, vec!["chapter.pdf", "chart.png"]);
        let c = complete(&format!("{base}chart"));
        assert_eq!(c.text, Some(format!("{base}chart.png")));
        let c = complete(&format!("{base}d"));
        assert_eq!(c.text, Some(format!("{base}docs/")));
        let c = complete(&base);
        assert!(!c.candidates.iter().any(|n| n.starts_with('.')), "{c:?}");
        let c = complete(&format!("{base}.h"));
        assert_eq!(c.text, Some(format!("{base}.hidden.png")));
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(empty.path().join(".only-hidden"), b"x").unwrap();
        let c = complete(&format!("{}/", empty.path().display()));
        assert!(c.none.unwrap().contains("hidden names after a typed `.`"));
        let c = complete(&format!("{base}zzz"));
        assert!(c.none.unwrap().contains("starts with `zzz`"));
    }

    #[test]
    fn the_common_part_of_names_stops_at_a_character_boundary() {
        let names = vec!["café-a".to_owned(), "café-b".to_owned(), "cafè".to_owned()];
        assert_eq!(common_prefix(&names), "caf");
    }
}
