//! Test directives written into a prompt, e.g. `[sim:drop=5]`: how a test (or a curious user)
//! makes the simulated gateway misbehave on purpose, over plain HTTP from any client.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Directives {
    /// Abort the connection after N content tokens.
    pub drop: Option<usize>,
    /// After three content tokens, send nothing at all for this many ms.
    pub stall_ms: Option<u64>,
    /// Send a broken chunk after N content tokens, then go on.
    pub malformed: Option<usize>,
    /// Send an error chunk after N content tokens, then `[DONE]`.
    pub error: Option<usize>,
    /// Answer at once with this HTTP status and an error body.
    pub status: Option<u16>,
    pub nocost: bool,
    pub nousage: bool,
    pub escape: bool,
    pub splitutf8: bool,
    pub crlf: bool,
    pub nodone: bool,
    pub tokens: Option<usize>,
    pub rate: Option<f64>,
    pub ttft_ms: Option<u64>,
    /// Stream exactly N one-word chunks of markdown with no delay at all, whatever the time
    /// scale and `max_tokens` say (the benchmarks' flood, `benches/flood.sh`).
    pub flood: Option<usize>,
    /// With `flood`: never a line break, one endless line (minified JSON, a model that never
    /// breaks lines).
    pub oneline: bool,
    /// A byte that is not UTF-8 in a keep-alive comment and in the first content delta.
    pub badutf8: bool,
    /// Report this cost (USD) in the usage chunk and the generation record, whatever is billed.
    pub cost: Option<f64>,
    /// Echo the key the request carried in the answer, cut between two deltas.
    pub echokey: bool,
    /// Answer 200 with an HTML page instead of a stream.
    pub html: bool,
    /// Serve as if the request named no providers (`only`, `order`), as a gateway that
    /// ignores a pin would.
    pub ignorepin: bool,
}

/// Parses every `[sim:NAME]` / `[sim:NAME=VALUE]` in `text`; returns them and the text without them.
pub fn parse(text: &str) -> (Directives, String) {
    let mut d = Directives::default();
    let mut clean = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[sim:") {
        let Some(len) = rest[start..].find(']') else {
            break;
        };
        clean.push_str(&rest[..start]);
        let body = &rest[start + 5..start + len];
        let (name, value) = body.split_once('=').map_or((body, ""), |(n, v)| (n, v));
        let num = || value.trim().parse::<usize>().ok();
        match name.trim() {
            "drop" => d.drop = num(),
            "stall" => d.stall_ms = num().map(|n| n as u64),
            "malformed" => d.malformed = num(),
            "error" => d.error = num(),
            "status" => d.status = value.trim().parse().ok(),
            "nocost" => d.nocost = true,
            "nousage" => d.nousage = true,
            "escape" => d.escape = true,
            "splitutf8" => d.splitutf8 = true,
            "crlf" => d.crlf = true,
            "nodone" => d.nodone = true,
            "tokens" => d.tokens = num(),
            "rate" => d.rate = value.trim().parse().ok().filter(|r: &f64| *r > 0.0),
            "ttft" => d.ttft_ms = num().map(|n| n as u64),
            "flood" => d.flood = num(),
            "oneline" => d.oneline = true,
            "badutf8" => d.badutf8 = true,
            "cost" => d.cost = value.trim().parse().ok(),
            "echokey" => d.echokey = true,
            "html" => d.html = true,
            "ignorepin" => d.ignorepin = true,
            _ => {}
        }
        rest = &rest[start + len + 1..];
    }
    clean.push_str(rest);
    (d, clean.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_read_and_removed() {
        let (d, text) = parse("[sim:drop=5] tell me [sim:crlf] a story [sim:status=429]");
        assert_eq!(d.drop, Some(5));
        assert!(d.crlf);
        assert_eq!(d.status, Some(429));
        assert_eq!(text, "tell me a story");
        let (d, text) = parse("[sim:flood=50000] [sim:oneline] go");
        assert_eq!(d.flood, Some(50_000));
        assert!(d.oneline);
        assert_eq!(text, "go");
    }

    #[test]
    fn text_without_directives_is_untouched() {
        let (d, text) = parse("plain [not a directive]");
        assert_eq!(d, Directives::default());
        assert_eq!(text, "plain [not a directive]");
    }
}
