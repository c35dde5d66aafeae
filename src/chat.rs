//! Shared nouns of a conversation: roles, messages, token usage and money.
//! `api`, `store` and `app` all speak in these types, so none depends on another's internals.

use std::fmt;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One turn as sent to a model. `reasoning_details` are the gateway's opaque reasoning items
/// (signed or encrypted); they go back unchanged on the next request so that providers such as
/// Anthropic can continue their chain of thought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasoning_details: Vec<serde_json::Value>,
    /// Files sent with the text as content parts (`api::WireMessage` puts them on the wire).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::attach::Attachment>,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            reasoning_details: Vec::new(),
            attachments: Vec::new(),
        }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// Adds a prompt and its answer to the conversation that goes back to a model. An answer with
/// no text never reached the model's side of the conversation: the pair is left out, which
/// keeps user and assistant turns alternating. The room, its estimates and `sessions rerun`
/// all follow this one rule.
pub fn push_turn(history: &mut Vec<Message>, prompt: impl Into<Message>, answer: Message) {
    if goes_back(&answer.content) {
        history.push(prompt.into());
        history.push(answer);
    }
}

impl From<&str> for Message {
    fn from(prompt: &str) -> Self {
        Self::user(prompt)
    }
}

impl From<&String> for Message {
    fn from(prompt: &String) -> Self {
        Self::user(prompt.as_str())
    }
}

/// Whether an answer with this text goes back as history (see `push_turn`).
pub fn goes_back(answer: &str) -> bool {
    !answer.is_empty()
}

/// Money in US dollars (OpenRouter credits are USD-denominated).
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cost(f64);

impl Cost {
    pub const ZERO: Cost = Cost(0.0);

    pub fn usd(amount: f64) -> Self {
        Self(amount)
    }
    pub fn as_usd(self) -> f64 {
        self.0
    }

    /// A server's figure for what one answer cost, if it is believable: finite, not negative
    /// and at most `MAX_ANSWER_USD`. Else why not, so the cost is shown as unknown with a reason
    /// instead of lowering the spend, or making a session total infinite.
    pub fn of_answer(usd: f64) -> Result<Cost, String> {
        let shown = if usd.is_finite() && usd.abs() < 1e6 {
            format!("${usd}")
        } else {
            format!("${usd:e}")
        };
        if !usd.is_finite() {
            Err(format!("reported cost {shown} is not a number"))
        } else if usd < 0.0 {
            Err(format!("reported cost {shown} is negative"))
        } else if usd > MAX_ANSWER_USD {
            Err(format!(
                "reported cost {shown} is more than ${MAX_ANSWER_USD} for one answer"
            ))
        } else {
            Ok(Cost(usd))
        }
    }
}

/// The most one answer is believed to cost; a larger reported cost is a server's error.
pub const MAX_ANSWER_USD: f64 = 1000.0;

impl Add for Cost {
    type Output = Cost;
    fn add(self, rhs: Cost) -> Cost {
        Cost(self.0 + rhs.0)
    }
}

impl AddAssign for Cost {
    fn add_assign(&mut self, rhs: Cost) {
        self.0 += rhs.0;
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(iter: I) -> Cost {
        iter.fold(Cost::ZERO, Add::add)
    }
}

/// Where an answer's cost stands: the one shape of it in memory, for the room, `ask` and
/// `sessions rerun` alike (a session file keeps it as `cost_usd` with a `cost_status`). A
/// stopped or failed answer has no usage chunk; its cost is `Pending` until the gateway's
/// generation record says what was billed, and never assumed to be $0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CostState {
    Reported(Cost),
    Pending,
    Unknown,
}

impl CostState {
    pub fn known(self) -> Option<Cost> {
        match self {
            Self::Reported(c) => Some(c),
            Self::Pending | Self::Unknown => None,
        }
    }
}

/// A cost that is settled: known, or never to be known.
impl From<Option<Cost>> for CostState {
    fn from(cost: Option<Cost>) -> Self {
        cost.map_or(Self::Unknown, Self::Reported)
    }
}

/// Three significant digits and at least two decimals: `$0.000123`, `$0.0123`, `$1.50`.
/// Small LLM costs are fractions of a cent, and rounding them to cents would show `$0.00`.
impl fmt::Display for Cost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0.0 {
            return f.write_str("$0");
        }
        let sign = if v < 0.0 { "-" } else { "" };
        let a = v.abs();
        // Digits after the point needed for three significant figures, capped to stay readable.
        #[allow(clippy::cast_possible_truncation)]
        let magnitude = a.log10().floor() as i32;
        let decimals = (2 - magnitude).clamp(2, 9);
        #[allow(clippy::cast_sign_loss)]
        let s = format!("{a:.prec$}", prec = decimals as usize);
        let s = if decimals > 2 {
            let t = s.trim_end_matches('0');
            // Keep at least two decimals ($0.50, not $0.5).
            let dot = t.find('.').unwrap_or(t.len());
            if t.len() - dot < 3 { &s[..dot + 3] } else { t }
        } else {
            &s
        };
        write!(f, "{sign}${s}")
    }
}

/// Why sending what could cost up to `max` is refused under a daily budget of `budget_usd`
/// with `today_usd` already spent; `None` when it fits. The room and `ask` say it alike.
pub fn daily_refusal(max: Cost, budget_usd: f64, today_usd: f64) -> Option<String> {
    if max <= Cost::ZERO {
        // Nothing priced could be spent: only a budget already used up refuses, and it
        // says so rather than "up to $0 would pass".
        return (today_usd >= budget_usd).then(|| {
            format!(
                "not sent: today's budget of {} is used up ({} spent today, UTC); raise daily_budget_usd or wait until tomorrow",
                Cost::usd(budget_usd),
                Cost::usd(today_usd)
            )
        });
    }
    (today_usd + max.as_usd() > budget_usd).then(|| {
        format!(
            "not sent: up to {} would pass today's budget of {} ({} spent today, UTC); raise daily_budget_usd or wait until tomorrow",
            max,
            Cost::usd(budget_usd),
            Cost::usd(today_usd)
        )
    })
}

/// Bytes of text per token in estimates; real counts use each model's own tokenizer.
const BYTES_PER_TOKEN: u64 = 4;
/// Tokens a message costs beyond its text (role and framing).
pub const TOKENS_PER_MESSAGE: u64 = 4;

/// A rough token count for `bytes` of text in `messages` messages, for estimates made before
/// sending (budgets and the cost shown under the prompt).
pub fn estimate_tokens(bytes: usize, messages: usize) -> u64 {
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    let messages = u64::try_from(messages).unwrap_or(u64::MAX);
    bytes
        .div_ceil(BYTES_PER_TOKEN)
        .saturating_add(messages.saturating_mul(TOKENS_PER_MESSAGE))
}

/// Token counts and cost of one answer, as the server reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Part of `completion_tokens` spent on reasoning.
    #[serde(default)]
    pub reasoning_tokens: u64,
    #[serde(default)]
    pub cached_tokens: u64,
    /// `None` when the server does not report cost (most non-OpenRouter servers).
    pub cost: Option<Cost>,
    /// What the completion tokens cost, when the gateway's split of the bill adds up
    /// (OpenRouter's `cost_details`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_cost: Option<Cost>,
    /// Web searches the gateway ran for this answer (its `openrouter:web_search` tool).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub web_search_requests: u64,
    /// What those searches cost: part of `cost` already (OpenRouter bills them in it), kept
    /// apart only to be shown apart. `None` when there were none or their price is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_cost: Option<Cost>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` signature
fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Usage {
    /// Prices the searches at `per_search` USD each (the catalog's `pricing.web_search`),
    /// when there were any and the price is known; otherwise the gateway's own split stays.
    #[allow(clippy::cast_precision_loss)]
    pub fn price_searches(&mut self, per_search: Option<f64>) {
        if let (true, Some(price)) = (self.web_search_requests > 0, per_search) {
            self.search_cost = Cost::of_answer(self.web_search_requests as f64 * price).ok();
        }
    }

    /// The searches in words, for a footer or a stats line: `search 2 × $0.01`, or
    /// `search 2 × ?` when their price is unknown; `None` without searches.
    #[allow(clippy::cast_precision_loss)]
    pub fn search_label(&self) -> Option<String> {
        let n = self.web_search_requests;
        if n == 0 {
            return None;
        }
        Some(match self.search_cost {
            Some(c) => format!("search {n} × {}", Cost::usd(c.as_usd() / n as f64)),
            None => format!("search {n} × ?"),
        })
    }

    /// The reasoning's share of the completion cost: reasoning tokens are billed as output
    /// tokens, so it is the completion cost in proportion. `None` where the gateway did not
    /// split the bill.
    #[allow(clippy::cast_precision_loss)]
    pub fn reasoning_cost(&self) -> Option<Cost> {
        let completion = self.completion_cost?;
        if self.completion_tokens == 0 || self.reasoning_tokens > self.completion_tokens {
            return None;
        }
        let share = self.reasoning_tokens as f64 / self.completion_tokens as f64;
        Some(Cost::usd(completion.as_usd() * share))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FinishReason {
    Stop,
    Length,
    ToolCalls,
    ContentFilter,
    Error,
    Other(String),
}

impl From<String> for FinishReason {
    fn from(s: String) -> Self {
        match s.as_str() {
            "stop" | "end_turn" | "completed" => Self::Stop,
            "length" | "max_tokens" => Self::Length,
            "tool_calls" | "tool_use" => Self::ToolCalls,
            "content_filter" => Self::ContentFilter,
            "error" => Self::Error,
            _ => Self::Other(s),
        }
    }
}

impl From<FinishReason> for String {
    fn from(r: FinishReason) -> String {
        r.as_str().to_owned()
    }
}

impl FinishReason {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::ToolCalls => "tool_calls",
            Self::ContentFilter => "content_filter",
            Self::Error => "error",
            Self::Other(s) => s,
        }
    }
}

/// What an answer the person stopped says, in the room's footer and in the exports alike.
pub const STOPPED_NOTE: &str = "stopped by the user: the answer is partial";

impl FinishReason {
    /// What happened, in words, for an ending the room does not otherwise show: the same
    /// sentence in a pane's footer, `ask`'s output and exports. `None` for a plain stop.
    pub fn note(&self) -> Option<String> {
        let text = match self {
            Self::Stop | Self::Error => return None,
            Self::Length => "cut off at max_tokens (finish: length)".to_owned(),
            Self::ToolCalls => {
                "ended asking to call a tool, which modelroom does not run (finish: tool_calls)"
                    .to_owned()
            }
            Self::ContentFilter => {
                "stopped by the provider's content filter (finish: content_filter)".to_owned()
            }
            Self::Other(s) => format!("ended with finish reason `{s}`"),
        };
        Some(text)
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_refusal_never_reads_up_to_nothing() {
        let zero = daily_refusal(Cost::ZERO, 1.0, 1.5).unwrap();
        assert!(!zero.contains("up to $0"), "{zero}");
        assert!(
            zero.contains("today's budget of $1.00 is used up"),
            "{zero}"
        );
        assert_eq!(daily_refusal(Cost::ZERO, 1.0, 0.5), None);
        let some = daily_refusal(Cost::usd(0.6), 1.0, 0.5).unwrap();
        assert!(some.contains("up to $0.60 would pass"), "{some}");
    }

    #[test]
    fn cost_shows_the_digits_that_matter() {
        assert_eq!(Cost::usd(0.0).to_string(), "$0");
        assert_eq!(Cost::usd(0.000_123).to_string(), "$0.000123");
        assert_eq!(Cost::usd(0.000_06).to_string(), "$0.00006");
        assert_eq!(Cost::usd(0.012_345_6).to_string(), "$0.0123");
        assert_eq!(Cost::usd(0.5).to_string(), "$0.50");
        assert_eq!(Cost::usd(1.5).to_string(), "$1.50");
        assert_eq!(Cost::usd(12.345).to_string(), "$12.35");
        assert_eq!(Cost::usd(0.003_338_25).to_string(), "$0.00334");
        assert_eq!(Cost::usd(-0.25).to_string(), "-$0.25");
    }

    #[test]
    fn costs_add_up() {
        let total: Cost = [0.1, 0.2, 0.000_3].into_iter().map(Cost::usd).sum();
        assert!((total.as_usd() - 0.300_3).abs() < 1e-12);
    }

    #[test]
    fn finish_reasons_normalise_native_names() {
        assert_eq!(
            FinishReason::from("end_turn".to_owned()),
            FinishReason::Stop
        );
        assert_eq!(
            FinishReason::from("length".to_owned()),
            FinishReason::Length
        );
        assert_eq!(
            FinishReason::from("weird".to_owned()),
            FinishReason::Other("weird".into())
        );
    }
}
