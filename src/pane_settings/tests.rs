//! Pane settings as written (`MODEL{key=value,…}`), refused, and put on a request.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::api::ChatRequest;
use crate::chat::Message;
use crate::routing::Routing;

fn here() -> &'static Path {
    Path::new(".")
}

#[test]
fn a_spec_with_every_setting_reads_into_the_pane_and_its_title() {
    let spec = parse_spec(
        "openai/gpt-5.1{effort=high,temperature=0.2,seed=7,top_p=0.9,max_tokens=900,\
         exclude_reasoning=true,system=\"terse, please\"}",
        here(),
    )
    .unwrap();
    assert_eq!(spec.model, "openai/gpt-5.1");
    let s = &spec.settings;
    assert_eq!(s.effort, Some(Effort::High));
    assert_eq!(
        (s.temperature, s.top_p, s.seed),
        (Some(0.2), Some(0.9), Some(7))
    );
    assert_eq!(s.max_tokens, Some(900));
    assert_eq!(s.system.as_deref(), Some("terse, please"));
    assert_eq!(
        s.label(),
        "T0.2 · top_p 0.9 · seed 7 · max 900 · effort high · reasoning hidden · sys \"terse, please\""
    );
    assert_eq!(
        s.reasoning(),
        Some(json!({"effort": "high", "exclude": true}))
    );
}

#[test]
fn a_plain_model_is_a_spec_without_settings() {
    let spec = parse_spec("@local/qwen3:8b", here()).unwrap();
    assert_eq!(
        spec,
        PaneSpec::plain(crate::model::ModelRef::parse("@local/qwen3:8b").unwrap())
    );
    assert_eq!(spec.model.endpoint(), Some("local"));
    assert!(spec.settings.is_default() && spec.settings.label().is_empty());
}

#[test]
fn bad_keys_and_values_are_named_with_what_is_allowed() {
    for (written, says) in [
        (
            "a/b{temperature=7}",
            "temperature `7` is not allowed: it must be a number from 0 to 2",
        ),
        (
            "a/b{effort=max}",
            "effort `max` is not allowed: none, minimal, low, medium, high",
        ),
        (
            "a/b{seed=x}",
            "seed `x` is not allowed: it must be a whole number",
        ),
        ("a/b{temprature=1}", "unknown setting `temprature`"),
        ("a/b{top_p=1.5}", "top_p `1.5`"),
        ("a/b{max_tokens=0}", "max_tokens `0`"),
        ("a/b{effort=low,reasoning_tokens=2000}", "not both"),
        (
            "a/b{reasoning_tokens=900,max_tokens=500}",
            "must be below max_tokens=500",
        ),
        (
            "a/b{only=x,quantizations=fp9}",
            "quantization `fp9` is not allowed",
        ),
        ("a/b{sort=cheap}", "sort by price, throughput or latency"),
        ("a/b{temperature}", "`temperature` has no value"),
        ("a/b{system=\"open}", "no closing \""),
        ("a/b{temperature=1", "must end with `}`"),
        ("{temperature=1}", "no model"),
        (
            "a/b{system=@/nonexistent/terse.md}",
            "system prompt file `/nonexistent/terse.md`",
        ),
    ] {
        let err = parse_spec(written, here()).unwrap_err();
        assert!(err.contains(says), "{written}: {err}");
    }
}

#[test]
fn a_system_prompt_from_a_file_is_its_text_and_titled_by_its_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("prompts")).unwrap();
    std::fs::write(dir.path().join("prompts/terse.md"), "Answer in one line.").unwrap();
    let spec = parse_spec("a/b{system=@prompts/terse.md,temperature=0.2}", dir.path()).unwrap();
    assert_eq!(spec.settings.system.as_deref(), Some("Answer in one line."));
    assert_eq!(spec.settings.label(), "T0.2 · sys \"terse\"");
}

#[test]
fn settings_go_on_the_request_over_the_defaults() {
    let spec = parse_spec(
        "a/b{system=Be terse,temperature=0.3,seed=-4,reasoning_tokens=2000,max_tokens=3000}",
        here(),
    )
    .unwrap();
    let mut req = ChatRequest::new(
        "a/b",
        vec![Message::system("default"), Message::user("hi")],
        1000,
    );
    req.temperature = Some(1.0);
    req.apply_settings(&spec.settings);
    assert_eq!(req.messages[0].content, "Be terse");
    assert_eq!(req.messages.len(), 2);
    assert_eq!(
        (req.temperature, req.seed, req.max_tokens),
        (Some(0.3), Some(-4), 3000)
    );
    assert_eq!(req.reasoning, Some(json!({"max_tokens": 2000})));

    let mut plain = ChatRequest::new("a/b", vec![Message::user("hi")], 1000);
    plain.apply_settings(&spec.settings);
    assert_eq!(plain.messages[0].content, "Be terse");
}

#[test]
fn routing_keys_go_over_the_runs_routing() {
    let spec = parse_spec(
        "a/b{only=aurora,allow_fallbacks=false,quantizations=fp8|bf16,zdr=true,\
         require_parameters=true,min_throughput=50,max_latency=2}",
        here(),
    )
    .unwrap();
    let base = Routing {
        ignore: vec!["cirrus".into()],
        ..Routing::default()
    };
    let r = spec.routing_over(&base).unwrap();
    assert_eq!(
        r.provider_object(false).unwrap(),
        json!({"only": ["aurora"], "ignore": ["cirrus"], "allow_fallbacks": false,
               "quantizations": ["fp8", "bf16"], "zdr": true, "require_parameters": true,
               "preferred_min_throughput": 50.0, "preferred_max_latency": 2.0})
    );
}

#[test]
fn settings_a_model_does_not_take_are_flagged() {
    let spec = parse_spec("a/b{seed=1,effort=low,temperature=1}", here()).unwrap();
    let supported: Vec<String> = ["temperature", "max_tokens"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(spec.settings.unsupported(&supported), ["seed", "reasoning"]);
    assert!(spec.settings.unsupported(&[]).is_empty());
}

#[test]
fn settings_round_trip_through_json_and_default_to_nothing() {
    let spec = parse_spec("a/b{effort=medium,seed=3}", here()).unwrap();
    let v = serde_json::to_value(&spec.settings).unwrap();
    assert_eq!(v, json!({"effort": "medium", "seed": 3}));
    let back: PaneSettings = serde_json::from_value(v).unwrap();
    assert_eq!(back, spec.settings);
    assert_eq!(
        serde_json::to_value(PaneSettings::default()).unwrap(),
        json!({})
    );
}

#[test]
fn a_pane_picks_its_pdf_engine_over_the_runs_and_reads_back_its_own_text() {
    let spec = parse_spec("demo/fast{pdf=ocr, temperature=0.5}", here()).unwrap();
    let s = &spec.settings;
    assert_eq!(s.pdf, Some(crate::attach::PdfEngine::Ocr));
    assert_eq!(s.label(), "T0.5 · pdf ocr");
    assert_eq!(s.to_text(), "temperature=0.5, pdf=ocr");
    let again = parse_spec(&format!("demo/fast{{{}}}", s.to_text()), here()).unwrap();
    assert_eq!(&again.settings, s);
    // Over the run's engine; a pane without one leaves the run's.
    let mut req = ChatRequest::new("demo/fast", vec![Message::user("hi")], 100);
    req.pdf_engine = Some(crate::attach::PdfEngine::Text);
    req.apply_settings(s);
    assert_eq!(req.pdf_engine, Some(crate::attach::PdfEngine::Ocr));
    let mut plain = ChatRequest::new("demo/fast", vec![Message::user("hi")], 100);
    plain.pdf_engine = Some(crate::attach::PdfEngine::Text);
    plain.apply_settings(&PaneSettings::default());
    assert_eq!(plain.pdf_engine, Some(crate::attach::PdfEngine::Text));
    // Kept in a session file by its short name.
    assert_eq!(serde_json::to_value(s).unwrap()["pdf"], "ocr");
    let err = parse_spec("demo/fast{pdf=magic}", here()).unwrap_err();
    assert!(err.contains("`magic` is not a PDF engine"), "{err}");
}
