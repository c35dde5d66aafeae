//! Deterministic answers: the same model and prompt always give the same markdown (headings,
//! lists, a table, fenced code, a quote, non-ASCII text), cut into token-sized pieces.

use super::catalog::{DemoModel, Style};

/// FNV-1a: a stable hash, unlike std's, so answers do not change between builds.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let n = u64::try_from(items.len()).unwrap_or(1).max(1);
        items[usize::try_from(self.next() % n).unwrap_or(0)]
    }
}

/// The prompt as it may be quoted back: printable, one line, at most 60 characters.
fn topic(prompt: &str) -> String {
    let clean: String = prompt.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut t: String = clean.chars().take(60).collect();
    if clean.chars().count() > 60 {
        t.push('…');
    }
    if t.is_empty() {
        "your question".into()
    } else {
        t
    }
}

const OPENERS: &[&str] = &[
    "Here is how I see it.",
    "Good question.",
    "Short version first, then details.",
    "Let me break it down.",
];
const POINTS: &[&str] = &[
    "Start from the simplest thing that works",
    "Measure before you optimise",
    "Keep the moving parts few",
    "Prefer plain text over clever formats",
    "Make failure visible and recoverable",
    "Name things after what they mean",
];

const RUST: &str = "```rust\nfn main() {\n    let answer: u32 = (1..=6).sum();\n    println!(\"answer = {answer}\");\n}\n```\n";
const PYTHON: &str = "```python\ndef stream(tokens):\n    for t in tokens:\n        yield t.upper()\n\nprint(list(stream([\"a\", \"b\"])))\n```\n";
const SHELL: &str = "```bash\ncurl -N http://127.0.0.1:8080/api/v1/chat/completions \\\n  -H 'Content-Type: application/json' -d @request.json\n```\n";
const WORLD: &str = "Café crème, naïve résumé — 日本語のテキスト, emoji 🦀, and e\u{301} with a combining accent.\n";
const HOSTILE: &str = "Innocent text \u{1b}[2J\u{1b}]52;c;aGFja2Vk\u{7} then \u{1b}]8;;http://evil.example\u{1b}\\a link\u{1b}]8;;\u{1b}\\ and \u{9b}31mred\u{9b}0m, a bell\u{7}, a return\r, a backspace\u{8}, a\ttab, and \u{202e}reversed\u{202c} text.\n";

/// The full answer text of `model` to `prompt`.
#[cfg(test)]
pub fn answer(model: &DemoModel, prompt: &str, hostile: bool) -> String {
    answer_varied(model, prompt, hostile, None)
}

/// The answer as one sample among several: a `variation` (a seed, or a fresh draw when the
/// request samples at a temperature above 0 without one) picks other openers and points, as
/// sampling would; `None` is the one deterministic answer.
pub fn answer_varied(
    model: &DemoModel,
    prompt: &str,
    hostile: bool,
    variation: Option<u64>,
) -> String {
    let key = match variation {
        None => format!("{}\0{prompt}", model.id),
        Some(v) => format!("{}\0{prompt}\0{v}", model.id),
    };
    let mut rng = Rng(fnv1a(&key) | 1);
    let topic = topic(prompt);
    let mut s = String::new();
    if hostile {
        s.push_str(HOSTILE);
    }
    if let Some(intro) = introduction(model.id, prompt) {
        s.push_str(intro);
        s.push_str("\n\n");
    }
    match model.style {
        Style::Terse => {
            s.push_str(&format!(
                "**{}** In short, on \"{topic}\":\n\n",
                rng.pick(OPENERS)
            ));
            s.push_str(&format!("- {}\n- {}\n", rng.pick(POINTS), rng.pick(POINTS)));
            return s;
        }
        Style::Normal | Style::Verbose | Style::Code | Style::Multilingual => {}
    }
    // The heading does not name the model: in a blind round nothing on screen may.
    s.push_str(&format!(
        "## About \"{topic}\"\n\n{}\n\n",
        rng.pick(OPENERS)
    ));
    for _ in 0..3 {
        s.push_str(&format!("- {}\n", rng.pick(POINTS)));
    }
    // The demo's arena needs answers a person can tell apart: fast is short and shallow,
    // thinker weighs trade-offs in bold, coder shows more code (below).
    if model.id == "demo/fast" {
        s.push_str("\nThat is the gist; ask again for details.\n");
        return s;
    }
    if model.id == "demo/thinker" {
        s.push_str(&format!(
            "\n### Trade-offs\n\n**Pro:** {}. **Con:** it takes longer. **Verdict:** worth it when \"{topic}\" matters.\n",
            rng.pick(POINTS)
        ));
    }
    s.push_str("\n1. Read the question\n   - twice, *carefully*\n2. Answer it\n3. Check the `edge cases`\n\n");
    s.push_str("| Aspect | Notes |\n|---|---|\n| speed | fast enough |\n| cost | a fraction of a cent |\n| 日本語 | ✓ |\n\n");
    s.push_str(RUST);
    s.push('\n');
    if model.style == Style::Code {
        s.push_str("And the same idea in Python:\n\n");
        s.push_str(PYTHON);
        s.push_str("\nTo try it from a shell:\n\n");
        s.push_str(SHELL);
        s.push('\n');
    }
    s.push_str("> Simple things should be simple; complex things should be possible.\n\n");
    s.push_str(WORLD);
    if model.style == Style::Multilingual {
        s.push_str(
            "\nEn español: la respuesta corta es «sí». Ελληνικά: ναι. 中文：是的。 Русский: да.\n",
        );
    }
    if model.style == Style::Verbose {
        for i in 0..12 {
            s.push_str(&format!(
                "\n### Further point {}\n\n{}. {} and, to be thorough, consider how \"{topic}\" interacts with everything else in the system, step by step, before deciding.\n",
                i + 1,
                rng.pick(POINTS),
                rng.pick(OPENERS)
            ));
        }
    }
    s
}

/// How two demo models sometimes introduce themselves (for one prompt in three, and whenever
/// they are asked who they are), as real models do: in a blind round it gives them away, and
/// the arena shows that it did.
fn introduction(id: &str, prompt: &str) -> Option<&'static str> {
    let asked = prompt.to_lowercase().contains("who are you");
    let sometimes = asked || fnv1a(prompt) % 3 == 0;
    match id {
        "demo/fast" if sometimes => Some("As Demo Fast, I'll keep this quick."),
        "demo/thinker" if sometimes => Some("I am Thinker, and I have weighed this carefully."),
        _ => None,
    }
}

/// A reasoning model's thinking before it answers.
pub fn reasoning(prompt: &str) -> String {
    let topic = topic(prompt);
    format!(
        "The user asks about \"{topic}\". Let me think about what matters most here. First, the core idea; \
         second, a concrete example; third, the trade-offs. A table would help compare the options, and a short \
         code sample makes it concrete. I should keep it accurate and not too long."
    )
}

/// Text of exactly `n` tokens, repeating the answer as needed.
pub fn tokens_exactly(base: &str, n: usize) -> Vec<String> {
    let unit = tokenize(base);
    if unit.is_empty() {
        return vec!["x ".to_owned(); n];
    }
    unit.iter().cycle().take(n).cloned().collect()
}

const FLOOD_WORDS: &[&str] = &[
    "the",
    "room",
    "renders",
    "**every**",
    "token",
    "as",
    "it",
    "arrives,",
    "with",
    "`inline`",
    "code,",
    "*emphasis*",
    "and",
    "plain",
    "words",
    "in",
    "between;",
    "a",
    "stream",
    "of",
    "short",
    "chunks",
    "must",
    "cost",
    "an",
    "append,",
    "not",
    "a",
    "render.",
];

/// One section of the flood: a heading, a paragraph, a list, and every third section a table
/// or a fenced code block, so the markdown renderer and the highlighter both have work.
fn flood_section(k: usize, out: &mut String) {
    let mut rng = Rng(fnv1a(&k.to_string()) | 1);
    out.push_str(&format!("## Section {k}\n\n"));
    for i in 0..48 {
        out.push_str(rng.pick(FLOOD_WORDS));
        out.push(if i == 47 { '\n' } else { ' ' });
    }
    out.push('\n');
    for _ in 0..3 {
        out.push_str(&format!(
            "- {} {} {}\n",
            rng.pick(POINTS),
            rng.pick(FLOOD_WORDS),
            rng.pick(FLOOD_WORDS)
        ));
    }
    out.push('\n');
    match k % 6 {
        2 => out.push_str(&format!(
            "| chunk | cost | note |\n|---|---|---|\n| {k} | low | `flat` |\n| {} | low | *still* |\n\n",
            k + 1
        )),
        5 => out.push_str(&format!(
            "```rust\nfn section_{k}(tokens: &[&str]) -> usize {{\n    tokens.iter().map(|t| t.len()).sum::<usize>() + {k}\n}}\n```\n\n"
        )),
        _ => {}
    }
}

/// Exactly `n` chunks of one short word each (with the space or line break after it): markdown
/// sections, or with `oneline` the sections' words on one endless line.
pub fn flood(n: usize, oneline: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut text = String::new();
    let mut k = 0;
    while out.len() < n {
        text.clear();
        flood_section(k, &mut text);
        k += 1;
        if oneline {
            out.extend(
                text.split_whitespace()
                    .filter(|w| !w.starts_with('#') && !w.starts_with('|') && !w.starts_with('`'))
                    .map(|w| format!("{w} ")),
            );
        } else {
            out.extend(text.split_inclusive([' ', '\n']).map(str::to_owned));
        }
    }
    out.truncate(n);
    out
}

/// Text whose tokens nearly all hold multi-byte characters (for split-UTF-8 tests).
pub fn multibyte_text() -> String {
    "日本語の テキストと 絵文字🦀、 café naïve — ελληνικά ÿ€ñ ".repeat(8)
}

/// Cuts text into pieces of 1–6 characters, mostly at word boundaries, never inside a character.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut count = 0;
    for c in text.chars() {
        cur.push(c);
        count += 1;
        if c == ' ' || c == '\n' || count >= 6 {
            out.push(std::mem::take(&mut cur));
            count = 0;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::catalog::find;

    #[test]
    fn answers_are_deterministic_and_depend_on_the_prompt() {
        let m = find("demo/fast").unwrap();
        assert_eq!(answer(m, "hello", false), answer(m, "hello", false));
        assert_ne!(answer(m, "hello", false), answer(m, "goodbye", false));
    }

    #[test]
    fn demo_models_are_told_apart_and_some_name_themselves() {
        let (fast, thinker, coder) = (
            find("demo/fast").unwrap(),
            find("demo/thinker").unwrap(),
            find("demo/coder").unwrap(),
        );
        let who = "who are you?";
        assert!(crate::arena::names_itself(
            &answer(fast, who, false),
            fast.id,
            None
        ));
        assert!(crate::arena::names_itself(
            &answer(thinker, who, false),
            thinker.id,
            None
        ));
        assert!(!crate::arena::names_itself(
            &answer(coder, who, false),
            coder.id,
            None
        ));
        let prompts: Vec<String> = (0..30).map(|i| format!("question {i}")).collect();
        let naming = prompts
            .iter()
            .filter(|p| crate::arena::names_itself(&answer(fast, p, false), fast.id, None))
            .count();
        assert!((3..=20).contains(&naming), "{naming} of 30");
        for p in &prompts {
            let (f, t, c) = (
                answer(fast, p, false),
                answer(thinker, p, false),
                answer(coder, p, false),
            );
            assert!(f.len() * 3 < t.len() && t.len() < c.len(), "{p}");
            let bold = |s: &str| crate::arena::MarkdownCounts::of(s).bold;
            assert!(bold(&t) > bold(&c));
            // No answer names its model except by introducing itself.
            for (text, m) in [(&f, fast), (&t, thinker), (&c, coder)] {
                assert!(!text.contains(m.name), "{text}");
            }
        }
    }

    #[test]
    fn answers_hold_real_markdown() {
        let a = answer(find("demo/coder").unwrap(), "write code", false);
        for needle in [
            "## ",
            "- ",
            "1. ",
            "| Aspect |",
            "```rust",
            "```python",
            "> ",
            "日本語",
            "🦀",
        ] {
            assert!(a.contains(needle), "{needle}");
        }
    }

    #[test]
    fn tokens_rebuild_the_text_and_respect_char_boundaries() {
        let text = answer(find("demo/polyglot").unwrap(), "x", false);
        let tokens = tokenize(&text);
        assert_eq!(tokens.concat(), text);
        assert!(tokens.iter().all(|t| (1..=6).contains(&t.chars().count())));
        assert_eq!(tokens_exactly("a b c", 7).len(), 7);
    }

    #[test]
    fn a_flood_is_exactly_n_short_words_of_markdown() {
        let chunks = flood(5_000, false);
        assert_eq!(chunks.len(), 5_000);
        assert!(chunks.iter().all(|c| !c.is_empty() && c.len() <= 40));
        let text = chunks.concat();
        for needle in [
            "## Section",
            "**every**",
            "`inline`",
            "- ",
            "| chunk |",
            "```rust",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        let line = flood(5_000, true).concat();
        assert!(!line.contains('\n'));
        assert!(line.contains("**every**"));
        assert_eq!(flood(5_000, true).len(), 5_000);
    }
}
