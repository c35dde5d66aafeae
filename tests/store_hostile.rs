//! What anyone could leave in the sessions directory, and what a hostile server could make a
//! session hold: a FIFO or a device named `*.json`, a file too large to read, a copy whose
//! inner id is not its name, costs that add up to infinity, reasoning nested as deep as the
//! stream accepts. Listing and opening finish at once and agree with each other, and a session
//! that was saved loads back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use modelroom::api::sse::ChunkDecoder;
use modelroom::api::{Reply, StreamEvent};
use modelroom::store::{
    AnswerRecord, CostStatus, FORMAT_VERSION, Finish, Listing, PaneRecord, Params, Session,
    SessionStore, StoreError, Totals, Turn,
};

fn answer(content: &str, cost: Option<f64>) -> AnswerRecord {
    AnswerRecord {
        content: content.into(),
        reasoning: String::new(),
        reasoning_details: Vec::new(),
        model: None,
        provider: None,
        generation_id: None,
        usage: None,
        cost_usd: cost,
        cost_status: CostStatus::Reported,
        ttft_ms: None,
        duration_ms: None,
        finish: Finish::Complete,
        finish_reason: None,
        error: None,
        citations: Vec::new(),
    }
}

fn session(id: &str, answers: Vec<AnswerRecord>) -> Session {
    let mut turns = Vec::new();
    for a in answers {
        turns.push(Turn::user("hi"));
        turns.push(Turn::Assistant(Arc::new(a)));
    }
    let mut s = Session {
        version: FORMAT_VERSION,
        id: id.into(),
        title: "t".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:00:00Z".into(),
        panes: vec![PaneRecord {
            model: "demo/fast".into(),
            closed: false,
            routing: Default::default(),
            settings: Default::default(),
            params: Params::default(),
            turns,
        }],
        totals: Totals::default(),
        arena: Default::default(),
    };
    s.retotal();
    s
}

fn damaged(store: &SessionStore, id: &str) -> String {
    store
        .list()
        .unwrap()
        .into_iter()
        .find_map(|l| match l {
            Listing::Damaged { id: i, reason, .. } if i == id => Some(reason),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{id} is not listed as damaged"))
}

#[cfg(unix)]
#[test]
fn fifos_devices_and_huge_files_are_listed_as_damaged_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store
        .save(&session("good", vec![answer("a", Some(0.1))]))
        .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(store.path("fifo"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", store.path("zero")).unwrap();
    // Sparse: 300 MiB on paper, nothing on the disk.
    std::fs::File::create(store.path("huge"))
        .unwrap()
        .set_len(300 << 20)
        .unwrap();

    // Before the fix, this listing blocked forever on the FIFO.
    assert!(damaged(&store, "fifo").contains("named pipe"));
    assert!(damaged(&store, "zero").contains("a device"));
    let huge = damaged(&store, "huge");
    assert!(huge.contains("too large (300 MiB"), "{huge}");
    for id in ["fifo", "zero", "huge"] {
        let e = store.load(id).unwrap_err();
        assert!(matches!(e, StoreError::Unreadable { .. }), "{id}: {e}");
        // And the room's saver never writes over them.
        let e = store.save(&session(id, Vec::new())).unwrap_err();
        assert!(
            matches!(e, StoreError::WouldOverwriteDamaged { .. }),
            "{id}: {e}"
        );
    }
    assert_eq!(store.latest().unwrap().unwrap().id, "good");
    use std::os::unix::fs::FileTypeExt;
    let fifo = std::fs::symlink_metadata(store.path("fifo")).unwrap();
    assert!(fifo.file_type().is_fifo(), "left as it was");
}

#[test]
fn a_copied_file_is_its_own_session_in_the_listing_and_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store
        .save(&session("orig", vec![answer("a", Some(0.1))]))
        .unwrap();
    std::fs::copy(store.path("orig"), store.path("copied")).unwrap();
    let ids: Vec<String> = store
        .list()
        .unwrap()
        .iter()
        .map(|l| match l {
            Listing::Ok(h) => h.id.clone(),
            Listing::Damaged { reason, .. } => panic!("{reason}"),
        })
        .collect();
    assert_eq!(ids, ["orig", "copied"]);
    let mut copied = store.load(&store.resolve("cop").unwrap()).unwrap();
    assert_eq!(copied.id, "copied");
    copied.title = "changed".into();
    store.save(&copied).unwrap();
    assert_eq!(
        store.load("orig").unwrap().title,
        "t",
        "the original is untouched"
    );
    assert_eq!(store.load("copied").unwrap().title, "changed");
}

#[test]
fn costs_that_add_up_past_the_largest_number_still_save_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    let s = session(
        "big",
        vec![
            answer("a", Some(1.7e308)),
            answer("b", Some(1.7e308)),
            answer("c", Some(f64::INFINITY)),
            answer("d", Some(-5.0)),
            answer("e", Some(f64::NAN)),
        ],
    );
    assert!(s.totals.cost_usd.is_finite());
    assert_eq!(
        s.totals.uncosted_answers, 3,
        "not-finite or negative: not a cost"
    );
    store.save(&s).unwrap();
    let text = std::fs::read_to_string(store.path("big")).unwrap();
    assert!(!text.contains("\"cost_usd\":null,\"uncosted"), "{text}");
    let back = store.load("big").unwrap();
    assert_eq!(back.totals, s.totals);
    assert!(matches!(store.list().unwrap()[0], Listing::Ok(_)));

    // A file written before the fix, with `null` for the total, opens too.
    let total = serde_json::to_string(&s.totals.cost_usd).unwrap();
    let old = text.replacen(
        &format!("\"cost_usd\":{total},\"uncosted"),
        "\"cost_usd\":null,\"uncosted",
        1,
    );
    assert_ne!(old, text);
    std::fs::write(store.path("old"), old).unwrap();
    let listing = store.list().unwrap();
    let header = listing
        .iter()
        .find_map(|l| match l {
            Listing::Ok(h) if h.id == "old" => Some(h),
            _ => None,
        })
        .expect("listed as readable");
    assert!(header.totals.cost_usd.is_nan(), "unknown, not $0");
    assert!(store.load("old").unwrap().totals.cost_usd.is_finite());
}

/// `[{"a": [{"a": … 1 …}]}]`, `levels` arrays and objects deep.
fn nested(levels: usize) -> String {
    let (mut open, mut close) = (String::new(), String::new());
    for i in (0..levels).rev() {
        if i % 2 == 0 {
            open.push('[');
            close.push(']');
        } else {
            open.push_str("{\"a\":");
            close.push('}');
        }
    }
    open + "1" + &close.chars().rev().collect::<String>()
}

#[test]
fn reasoning_as_deep_as_the_stream_accepts_saves_and_loads_with_the_other_panes() {
    // The deepest `reasoning_details` the stream's decoder takes from a chunk.
    let mut accepted = None;
    for levels in (100..130).rev() {
        let chunk = format!(
            r#"{{"choices":[{{"index":0,"delta":{{"reasoning_details":[{}]}}}}]}}"#,
            nested(levels)
        );
        let mut out = Vec::new();
        ChunkDecoder::new().feed(&chunk, &mut out);
        if let Some(StreamEvent::ReasoningDetails(d)) = out.first() {
            accepted = Some((levels, d.clone()));
            break;
        }
    }
    let (levels, details) = accepted.expect("the decoder takes some nesting");
    assert!(levels >= 121, "{levels}");
    let mut reply = Reply::new(tokio::time::Instant::now());
    reply.apply(
        StreamEvent::ReasoningDetails(details),
        tokio::time::Instant::now(),
    );
    let deep = modelroom::record::answer_record(
        &reply,
        Finish::Complete,
        modelroom::chat::CostState::Reported(modelroom::chat::Cost::usd(0.01)),
    );
    let mut s = session("deep", vec![answer("other pane", Some(0.02))]);
    s.panes.push(PaneRecord {
        model: "demo/thinker".into(),
        closed: false,
        routing: Default::default(),
        settings: Default::default(),
        params: Params::default(),
        turns: vec![Turn::user("hi"), Turn::Assistant(Arc::new(deep))],
    });
    s.retotal();
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store.save(&s).unwrap();
    assert!(matches!(store.list().unwrap()[0], Listing::Ok(_)));
    let back = store.load("deep").unwrap();
    assert_eq!(back, s);

    // Past the store's own cap the file is refused with the reason, not a crash.
    let abyss = format!(
        r#"{{"version":1,"id":"x","title":"","created_at":"","updated_at":"","panes":{},"totals":{{}}}}"#,
        nested(100_000)
    );
    std::fs::write(store.path("abyss"), abyss).unwrap();
    assert!(damaged(&store, "abyss").contains("nested more than 512 levels"));
}
