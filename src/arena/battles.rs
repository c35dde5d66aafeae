//! Battles in LMArena's public format (`model_a`, `model_b`, `winner` ∈ `model_a`, `model_b`,
//! `tie`, `tie (bothbad)`; optional `anony`, `tstamp`, `conv_metadata`), as JSON lines or one
//! JSON array: read to hold a personal board against a public one, written by `votes export`.
//! A bad battle is reported with its line and skipped; the good ones are kept.

use serde_json::{Value, json};

use super::{AnswerStyle, Battle, MarkdownCounts, Side, Winner};

/// What a battles file held.
#[derive(Debug, Default)]
pub struct Import {
    pub battles: Vec<Battle>,
    /// `line N: why`, one per battle left out.
    pub errors: Vec<String>,
}

/// Reads battles from a file's bytes: a JSON array if it starts with `[`, else JSON lines.
pub fn parse(bytes: &[u8]) -> Import {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|s| bytes[s] == b'[') {
        parse_array(bytes)
    } else {
        parse_lines(bytes)
    }
}

fn parse_lines(bytes: &[u8]) -> Import {
    let mut import = Import::default();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let result = std::str::from_utf8(line)
            .map_err(|_| "not UTF-8".to_owned())
            .and_then(|text| serde_json::from_str::<Value>(text).map_err(|e| e.to_string()))
            .and_then(|v| battle(&v));
        match result {
            Ok(b) => import.battles.push(b),
            Err(e) => import.errors.push(format!("line {}: {e}", n + 1)),
        }
    }
    import
}

fn parse_array(bytes: &[u8]) -> Import {
    let mut import = Import::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            import.errors.push(format!("line {line}: not UTF-8"));
            return import;
        }
    };
    let items: Vec<&serde_json::value::RawValue> = match serde_json::from_str(text) {
        Ok(items) => items,
        Err(e) => {
            import.errors.push(format!(
                "line {}: not a JSON array of battles: {e}",
                e.line()
            ));
            return import;
        }
    };
    for raw in items {
        // The element is a slice of `text`, so its offset gives its line.
        let offset = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let line = text.as_bytes()[..offset.min(text.len())]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        match serde_json::from_str::<Value>(raw.get())
            .map_err(|e| e.to_string())
            .and_then(|v| battle(&v))
        {
            Ok(b) => import.battles.push(b),
            Err(e) => import.errors.push(format!("line {line}: {e}")),
        }
    }
    import
}

fn battle(v: &Value) -> Result<Battle, String> {
    let obj = v.as_object().ok_or("a battle is a JSON object")?;
    let model = |key: &str| -> Result<String, String> {
        match obj.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(format!("`{key}` is not a model name")),
            None => Err(format!("no `{key}`")),
        }
    };
    let (a, b) = (model("model_a")?, model("model_b")?);
    if a == b {
        return Err(format!("`{a}` against itself"));
    }
    let winner = match obj.get("winner").and_then(Value::as_str) {
        Some("model_a") => Winner::A,
        Some("model_b") => Winner::B,
        Some("tie") => Winner::Tie,
        Some("tie (bothbad)") => Winner::BothBad,
        Some(other) => {
            return Err(format!(
                "winner `{other}` is not model_a, model_b, tie or tie (bothbad)"
            ));
        }
        None => return Err("no `winner`".into()),
    };
    let blind = match obj.get("anony") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("`anony` is not true or false".into()),
    };
    let at = obj
        .get("tstamp")
        .and_then(Value::as_f64)
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map(|t| t as u64);
    let meta = obj.get("conv_metadata");
    Ok(Battle {
        a: Side {
            model: a,
            style: meta.and_then(|m| style(m, "a")),
        },
        b: Side {
            model: b,
            style: meta.and_then(|m| style(m, "b")),
        },
        winner,
        blind,
        at,
    })
}

/// One side's style figures from `conv_metadata` (LMArena's keys; a count given per kind, as
/// `{"h1": 2, "h2": 1}`, is summed).
fn style(meta: &Value, side: &str) -> Option<AnswerStyle> {
    let count = |key: &str| -> Option<u32> {
        match meta.get(format!("{key}_{side}"))? {
            Value::Object(kinds) => kinds
                .values()
                .map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                .sum(),
            v => v.as_u64().and_then(|n| u32::try_from(n).ok()),
        }
    };
    Some(AnswerStyle {
        tokens: meta.get(format!("sum_assistant_{side}_tokens"))?.as_u64()?,
        markdown: MarkdownCounts {
            headers: count("header_count")?,
            list_items: count("list_count")?,
            bold: count("bold_count")?,
        },
    })
}

/// A battle as one line of LMArena's format.
pub fn to_json(b: &Battle) -> Value {
    let winner = match b.winner {
        Winner::A => "model_a",
        Winner::B => "model_b",
        Winner::Tie => "tie",
        Winner::BothBad => "tie (bothbad)",
    };
    let mut v = json!({
        "model_a": b.a.model,
        "model_b": b.b.model,
        "winner": winner,
        "anony": b.blind,
    });
    if let Some(at) = b.at {
        v["tstamp"] = json!(at);
    }
    if let (Some(sa), Some(sb)) = (b.a.style, b.b.style) {
        v["conv_metadata"] = json!({
            "sum_assistant_a_tokens": sa.tokens,
            "sum_assistant_b_tokens": sb.tokens,
            "header_count_a": {"total": sa.markdown.headers},
            "header_count_b": {"total": sb.markdown.headers},
            "list_count_a": {"total": sa.markdown.list_items},
            "list_count_b": {"total": sb.markdown.list_items},
            "bold_count_a": {"total": sa.markdown.bold},
            "bold_count_b": {"total": sb.markdown.bold},
        });
    }
    v
}

/// Style covariates per battle, as LMArena's style control has them: each figure's normalised
/// difference (a − b) / (a + b) (0 when both are 0), then standardised over the battles so
/// the coefficients compare. Battles without style figures get zeros.
pub fn style_features(battles: &[&Battle]) -> Vec<[f64; 4]> {
    let figures = |s: &AnswerStyle| {
        [
            s.tokens as f64,
            f64::from(s.markdown.headers),
            f64::from(s.markdown.list_items),
            f64::from(s.markdown.bold),
        ]
    };
    let mut rows: Vec<[f64; 4]> = battles
        .iter()
        .map(|b| match (&b.a.style, &b.b.style) {
            (Some(a), Some(bb)) => {
                let (fa, fb) = (figures(a), figures(bb));
                std::array::from_fn(|f| {
                    let sum = fa[f] + fb[f];
                    if sum > 0.0 {
                        (fa[f] - fb[f]) / sum
                    } else {
                        0.0
                    }
                })
            }
            _ => [0.0; 4],
        })
        .collect();
    let n = rows.len().max(1) as f64;
    for f in 0..4 {
        let mean = rows.iter().map(|r| r[f]).sum::<f64>() / n;
        let var = rows.iter().map(|r| (r[f] - mean).powi(2)).sum::<f64>() / n;
        let sd = var.sqrt();
        for r in &mut rows {
            r[f] = if sd > 1e-12 { (r[f] - mean) / sd } else { 0.0 };
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_keep_good_battles_and_report_bad_lines() {
        let text = b"{\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"model_a\"}\n\
            \n\
            {\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"draw\"}\n\
            not json\n\
            {\"model_a\":\"x\",\"winner\":\"tie\"}\n\
            {\"model_a\":\"x\",\"model_b\":\"x\",\"winner\":\"tie\"}\n\
            \xff\n\
            {\"model_a\":\"y\",\"model_b\":\"z\",\"winner\":\"tie (bothbad)\",\"anony\":false}\n";
        let import = parse(text);
        assert_eq!(import.battles.len(), 2);
        assert_eq!(import.battles[1].winner, Winner::BothBad);
        assert!(!import.battles[1].blind && import.battles[0].blind);
        let lines: Vec<&str> = import
            .errors
            .iter()
            .map(|e| e.split(':').next().unwrap())
            .collect();
        assert_eq!(lines, ["line 3", "line 4", "line 5", "line 6", "line 7"]);
        assert!(import.errors[0].contains("`draw`"), "{:?}", import.errors);
    }

    #[test]
    fn an_array_reports_the_line_of_each_bad_element() {
        let text = "[\n {\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"model_b\"},\n {\"model_a\":1,\"model_b\":\"y\",\"winner\":\"tie\"},\n\n {\"model_a\":\"x\",\"model_b\":\"y\",\"winner\":\"tie\"}\n]";
        let import = parse(text.as_bytes());
        assert_eq!(import.battles.len(), 2);
        assert_eq!(import.errors.len(), 1);
        assert!(
            import.errors[0].starts_with("line 3:"),
            "{:?}",
            import.errors
        );
        let broken = parse(b"[{\"model_a\":\"x\",\n");
        assert!(broken.battles.is_empty() && broken.errors[0].starts_with("line 2:"));
    }

    #[test]
    fn style_figures_round_trip_through_the_format() {
        let style = |tokens, headers| {
            Some(AnswerStyle {
                tokens,
                markdown: MarkdownCounts {
                    headers,
                    list_items: 3,
                    bold: 1,
                },
            })
        };
        let b = Battle {
            a: Side {
                model: "x".into(),
                style: style(120, 2),
            },
            b: Side {
                model: "y".into(),
                style: style(40, 0),
            },
            winner: Winner::A,
            blind: true,
            at: Some(1_700_000_000),
        };
        let line = to_json(&b).to_string();
        let back = parse(line.as_bytes());
        assert_eq!(back.battles, [b]);
        // LMArena's own per-kind counts are summed.
        let public = r#"{"model_a":"p","model_b":"q","winner":"tie","conv_metadata":{"sum_assistant_a_tokens":5,"sum_assistant_b_tokens":9,"header_count_a":{"h1":1,"h2":2},"header_count_b":{"h1":0},"list_count_a":{"ordered":1,"unordered":2},"list_count_b":{"ordered":0},"bold_count_a":{"**":4,"__":0},"bold_count_b":{"**":0}}}"#;
        let p = parse(public.as_bytes()).battles.remove(0);
        assert_eq!(p.a.style.unwrap().markdown.headers, 3);
        assert_eq!(p.a.style.unwrap().markdown.list_items, 3);
        assert_eq!(p.b.style.unwrap().tokens, 9);
    }

    #[test]
    fn style_features_are_standardised_differences() {
        let side = |m: &str, tokens| Side {
            model: m.into(),
            style: Some(AnswerStyle {
                tokens,
                markdown: MarkdownCounts::default(),
            }),
        };
        let battles: Vec<Battle> = [(30, 10), (10, 30), (20, 20)]
            .iter()
            .map(|&(a, b)| Battle {
                a: side("x", a),
                b: side("y", b),
                winner: Winner::Tie,
                blind: true,
                at: None,
            })
            .collect();
        let refs: Vec<&Battle> = battles.iter().collect();
        let f = style_features(&refs);
        // Differences 0.5, −0.5, 0 → mean 0, sd √(1/6).
        let sd = (1.0_f64 / 6.0).sqrt();
        assert!((f[0][0] - 0.5 / sd).abs() < 1e-12 && (f[1][0] + 0.5 / sd).abs() < 1e-12);
        assert_eq!(f[2][0], 0.0);
        assert!(f.iter().all(|r| r[1] == 0.0));
    }
}
