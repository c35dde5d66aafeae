//! The shape of an expectation: what a recording must decode to.

/// Expected text: exactly, when short; else its length in chars plus its head and tail.
#[derive(Debug)]
pub(crate) enum Text {
    Exact(&'static str),
    Long {
        chars: usize,
        head: &'static str,
        tail: &'static str,
    },
}

impl Text {
    pub(crate) const fn exact(s: &'static str) -> Self {
        Self::Exact(s)
    }
    pub(crate) const fn long(chars: usize, head: &'static str, tail: &'static str) -> Self {
        Self::Long { chars, head, tail }
    }
    pub(crate) fn check(&self, what: &str, got: &str, errors: &mut Vec<String>) {
        let ok = match *self {
            Self::Exact(s) => got == s,
            Self::Long { chars, head, tail } => {
                got.chars().count() == chars && got.starts_with(head) && got.ends_with(tail)
            }
        };
        if !ok {
            errors.push(format!(
                "{what}: expected {self:?}, got {} chars: {got:?}",
                got.chars().count()
            ));
        }
    }
}

/// Expected usage; `cost: None` means the server reported no cost (not zero).
#[derive(Debug, PartialEq)]
pub(crate) struct U {
    pub(crate) prompt: u64,
    pub(crate) completion: u64,
    pub(crate) reasoning: u64,
    pub(crate) cached: u64,
    pub(crate) cost: Option<f64>,
}

/// One merged `reasoning_details` item: its type and the lengths of its concatenated parts.
#[derive(Debug, PartialEq)]
pub(crate) struct D {
    pub(crate) kind: &'static str,
    pub(crate) text_chars: Option<usize>,
    pub(crate) signature_chars: Option<usize>,
    pub(crate) data_chars: Option<usize>,
}

#[derive(Debug)]
pub(crate) enum End {
    Done,
    InStream { code: i64, message: &'static str },
}

#[derive(Debug)]
pub(crate) struct Expect {
    /// Relative to the fixtures folder.
    pub(crate) file: &'static str,
    pub(crate) content: Text,
    pub(crate) reasoning: Text,
    pub(crate) usage: Option<U>,
    pub(crate) finish: Option<&'static str>,
    pub(crate) model: Option<&'static str>,
    pub(crate) provider: Option<&'static str>,
    pub(crate) generation_id: Option<&'static str>,
    pub(crate) details: &'static [D],
    pub(crate) end: End,
}

/// Every expectation, OpenRouter's recordings first.
pub(crate) fn expected() -> impl Iterator<Item = &'static Expect> {
    super::expect_openrouter::EXPECTED
        .iter()
        .chain(super::expect_other::EXPECTED)
}
