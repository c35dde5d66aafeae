//! Does an answer give its model away? "As Claude…", "I am GPT-5…", "Demo: Fast here". Such a
//! round cannot be blind, whatever the screen hides. The names looked for are the model id's
//! own words (its maker and model slug), the provider's, and the well-known brands; the
//! phrasings are the ways a model introduces itself. It errs toward saying yes: a false alarm
//! only marks a vote as not blind.

/// Words that name a model family or its maker.
const BRANDS: &[&str] = &[
    "openai",
    "chatgpt",
    "gpt",
    "anthropic",
    "claude",
    "google",
    "gemini",
    "gemma",
    "bard",
    "deepmind",
    "meta",
    "llama",
    "mistral",
    "mixtral",
    "deepseek",
    "qwen",
    "alibaba",
    "grok",
    "xai",
    "cohere",
    "command",
    "phi",
    "microsoft",
    "kimi",
    "moonshot",
    "glm",
    "zhipu",
];

/// Slug words too common to name a model by themselves.
const GENERIC: &[&str] = &[
    "chat", "instruct", "preview", "latest", "free", "mini", "nano", "pro", "max", "large",
    "small", "medium", "base", "turbo", "lite", "exp", "beta", "alpha", "online", "thinking",
    "vision", "the", "model", "ai",
];

/// How a model introduces itself, before its name.
const INTRODUCTIONS: &[&str] = &[
    "as ",
    "i am ",
    "i'm ",
    "i’m ",
    "im ",
    "my name is ",
    "this is ",
    "made by ",
    "created by ",
    "developed by ",
    "trained by ",
    "built by ",
];

/// Whether `answer` names its model (`model_id`, e.g. `anthropic/claude-sonnet-4.6`), its
/// maker, its provider, or a well-known model brand, in a way a model introduces itself.
pub fn names_itself(answer: &str, model_id: &str, provider: Option<&str>) -> bool {
    let names = names(model_id, provider);
    let text = answer.to_lowercase();
    let starts_name = |at: usize| -> bool {
        let rest = &text[at..];
        let rest = ["a ", "an ", "the "]
            .iter()
            .find_map(|article| rest.strip_prefix(article))
            .unwrap_or(rest);
        names.iter().any(|name| {
            rest.strip_prefix(name.as_str())
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
        })
    };
    for (at, _) in text.char_indices() {
        if !word_start(&text, at) {
            continue;
        }
        let rest = &text[at..];
        for intro in INTRODUCTIONS {
            if rest.starts_with(intro) && starts_name(at + intro.len()) {
                return true;
            }
        }
        // A signature at the start of a line: "Claude here", "Demo: Fast".
        let line_start = text[..at]
            .trim_end_matches([' ', '\t', '*', '>', '#'])
            .ends_with('\n')
            || text[..at]
                .trim_start_matches([' ', '\t', '*', '>', '#'])
                .is_empty();
        if line_start && starts_name(at) {
            let after = names
                .iter()
                .filter_map(|n| rest.strip_prefix(n.as_str()))
                .find(|after| !after.starts_with(|c: char| c.is_alphanumeric()));
            if after.is_some_and(|a| a.starts_with(':') || a.starts_with(" here")) {
                return true;
            }
        }
    }
    false
}

fn word_start(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric() && c != '\'' && c != '’')
}

/// The lowercase names that would identify this model, longest first.
fn names(model_id: &str, provider: Option<&str>) -> Vec<String> {
    let id = model_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let mut names: Vec<String> = BRANDS.iter().map(|b| (*b).to_owned()).collect();
    let words = id
        .split(['/', '-', '_', '.', ' '])
        .chain(provider.into_iter().flat_map(|p| p.split([' ', '-', '/'])))
        .map(str::to_lowercase)
        .map(|w| w.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned())
        .filter(|w| w.chars().count() >= 3 && !GENERIC.contains(&w.as_str()));
    names.extend(words);
    if let Some((maker, model)) = id.split_once('/') {
        // "Demo Fast", "demo-fast": maker and model together.
        names.push(format!("{maker} {}", model.replace(['-', '_'], " ")));
    }
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introductions_with_a_name_are_caught() {
        let cases = [
            (
                "As Claude, I can't browse the web.",
                "anthropic/claude-sonnet-4.6",
                None,
            ),
            ("I am GPT-5, a model by OpenAI.", "openai/gpt-5.1", None),
            ("Demo: Fast. Here is the short answer.", "demo/fast", None),
            ("As Demo Fast, I keep it short.", "demo/fast", None),
            (
                "Sure! I am Thinker, and I think slowly.",
                "demo/thinker",
                None,
            ),
            ("**Claude here.** Let me help.", "anthropic/claude-3", None),
            (
                "I'm an AI model developed by Google.",
                "google/gemini-3-pro",
                None,
            ),
            ("I was trained by DemoCorp.", "demo/fast", Some("DemoCorp")),
            // Another maker's name gives a brand away just the same.
            ("As ChatGPT I would say…", "demo/coder", None),
        ];
        for (answer, model, provider) in cases {
            assert!(names_itself(answer, model, provider), "{answer}");
        }
    }

    #[test]
    fn ordinary_text_is_not_an_introduction() {
        let cases = [
            ("Here is a fast way to sort: use a heap.", "demo/fast"),
            ("As a rule, measure first.", "demo/fast"),
            ("I am happy to help with your code.", "openai/gpt-5.1"),
            ("The GPT partition table: a disk layout.", "openai/gpt-5.1"),
            ("Sort: the list is ordered.", "demo/fast"),
            ("This is faster than quicksort.", "demo/fast"),
            ("Alas, no.", "anthropic/claude-3"),
        ];
        for (answer, model) in cases {
            assert!(!names_itself(answer, model, None), "{answer}");
        }
    }
}
