//! The session store on a real directory: random sessions round-trip exactly (a property
//! test), files and the directory are private, and every kind of damaged file (truncated,
//! corrupt, unknown version, unreadable) is listed with its reason, refused with it, and never
//! overwritten, while the other sessions go on working.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use modelroom::chat::{Cost, Usage};
use modelroom::store::{
    AnswerRecord, CitationRecord, CostStatus, ErrorRecord, FORMAT_VERSION, Finish, Listing,
    PaneRecord, Params, Session, SessionStore, StoreError, Totals, Turn,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, control characters and quotes included: the file must carry them exactly.
    proptest::collection::vec(any::<char>(), 0..40).prop_map(|c| c.into_iter().collect())
}

fn usage() -> impl Strategy<Value = Option<Usage>> {
    proptest::option::of(
        (
            0u64..1_000_000,
            0u64..100_000,
            0u64..1000,
            0u64..1000,
            proptest::option::of(0u32..1_000_000),
        )
            .prop_map(|(p, c, r, k, cost)| Usage {
                prompt_tokens: p,
                completion_tokens: c,
                reasoning_tokens: r,
                cached_tokens: k,
                cost: cost.map(|n| Cost::usd(f64::from(n) / 1e7)),
                completion_cost: cost.map(|n| Cost::usd(f64::from(n) / 2e7)),
                ..Usage::default()
            }),
    )
}

fn answer() -> impl Strategy<Value = AnswerRecord> {
    let finish = prop_oneof![
        Just(Finish::Complete),
        Just(Finish::Stopped),
        Just(Finish::Failed),
        Just(Finish::Interrupted)
    ];
    let status = prop_oneof![
        Just(CostStatus::Reported),
        Just(CostStatus::Pending),
        Just(CostStatus::Unknown)
    ];
    (
        (
            text(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
        ),
        (usage(), proptest::option::of(0u32..10_000_000), status),
        (
            proptest::option::of(0u64..100_000),
            proptest::option::of(0u64..1_000_000),
        ),
        (finish, proptest::option::of(text())),
        proptest::option::of((proptest::option::of(100u16..600), text(), text())),
        proptest::collection::vec((text(), text()), 0..3),
    )
        .prop_map(
            |(
                (content, reasoning, model, provider),
                (usage, cost, cost_status),
                (ttft, dur),
                (finish, reason),
                error,
                cited,
            )| {
                AnswerRecord {
                    content,
                    reasoning,
                    reasoning_details: vec![
                        serde_json::json!({"type": "reasoning.encrypted", "data": "xyz"}),
                    ],
                    model,
                    provider,
                    generation_id: Some("gen-123".into()),
                    usage,
                    cost_usd: cost.map(|n| f64::from(n) / 1e9),
                    cost_status,
                    ttft_ms: ttft,
                    duration_ms: dur,
                    finish,
                    finish_reason: reason,
                    error: error.map(|(status, code, message)| ErrorRecord {
                        status,
                        code,
                        message,
                    }),
                    citations: cited
                        .into_iter()
                        .map(|(url, title)| CitationRecord { url, title })
                        .collect(),
                }
            },
        )
}

fn turn() -> impl Strategy<Value = Turn> {
    prop_oneof![
        (text(), proptest::option::of(1..u64::MAX)).prop_map(|(content, send)| Turn::User {
            content,
            send,
            attachments: Vec::new(),
        }),
        answer().prop_map(|a| Turn::Assistant(std::sync::Arc::new(a))),
    ]
}

fn session() -> impl Strategy<Value = Session> {
    let pane = (
        text(),
        proptest::collection::vec(turn(), 0..8),
        1u32..100_000,
        proptest::option::of(0u8..=20),
        proptest::option::of(text()),
    )
        .prop_map(|(model, turns, max_tokens, t, system)| PaneRecord {
            closed: max_tokens % 3 == 0,
            model,
            routing: Default::default(),
            settings: Default::default(),
            params: Params {
                max_tokens,
                temperature: t.map(|t| f32::from(t) / 10.0),
                system,
            },
            turns,
        });
    (text(), proptest::collection::vec(pane, 0..5)).prop_map(|(title, panes)| {
        let mut s = Session {
            version: FORMAT_VERSION,
            id: "20261124-120000-abcd".into(),
            title,
            created_at: "2026-11-24T12:00:00Z".into(),
            updated_at: "2026-11-24T12:00:01Z".into(),
            panes,
            totals: Totals::default(),
            arena: Default::default(),
        };
        s.retotal();
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_session_round_trips_exactly(s in session()) {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::open(dir.path().join("sessions")).unwrap();
        store.save(&s).unwrap();
        prop_assert_eq!(store.load(&s.id).unwrap(), s.clone());
        // Saving again over a good file works, and a listing sees the same totals.
        store.save(&s).unwrap();
        match &store.list().unwrap()[..] {
            [Listing::Ok(h)] => prop_assert_eq!(&h.totals, &s.totals),
            other => prop_assert!(false, "listing: {:?}", other),
        }
    }
}

fn good(id: &str) -> Session {
    let mut s = Session {
        version: FORMAT_VERSION,
        id: id.into(),
        title: "good".into(),
        created_at: "2026-11-24T12:00:00Z".into(),
        updated_at: "2026-11-24T12:00:00Z".into(),
        panes: vec![PaneRecord {
            model: "demo/fast".into(),
            closed: false,
            routing: Default::default(),
            settings: Default::default(),
            params: Params::default(),
            turns: vec![Turn::user("hi")],
        }],
        totals: Totals::default(),
        arena: Default::default(),
    };
    s.retotal();
    s
}

#[test]
fn files_and_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("data/sessions")).unwrap();
    store.save(&good("20261124-120000-0001")).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.dir()), 0o700);
    assert_eq!(mode(&store.path("20261124-120000-0001")), 0o600);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 1);
}

#[test]
fn every_kind_of_damage_is_reported_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store.save(&good("20261124-120000-0001")).unwrap();
    let full = serde_json::to_string(&good("x")).unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "20261124-120000-0002",
            &full.as_bytes()[..full.len() / 2],
            "truncated",
        ),
        (
            "20261124-120000-0003",
            b"{\"version\": 1, \"id\": 5}",
            "corrupt",
        ),
        (
            "20261124-120000-0004",
            b"{\"version\": 99, \"id\": \"x\", \"new_shape\": []}",
            "format version 99",
        ),
        (
            "20261124-120000-0005",
            b"\xff\xfe not json at all",
            "corrupt",
        ),
    ];
    for (id, content, _) in &cases {
        std::fs::write(store.path(id), content).unwrap();
    }
    // A file that cannot be read at all (a directory where the file should be; root reads
    // through permission bits, so chmod would not do).
    std::fs::create_dir(store.path("20261124-120000-0006")).unwrap();

    let listing = store.list().unwrap();
    assert_eq!(listing.len(), 6);
    assert!(matches!(&listing[0], Listing::Ok(h) if h.id == "20261124-120000-0001"));
    for (id, content, why) in &cases {
        let reason = listing
            .iter()
            .find_map(|l| match l {
                Listing::Damaged { id: d, reason, .. } if d == id => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{id} is not listed as damaged"));
        assert!(reason.contains(why), "{id}: {reason}");
        let err = store.load(id).unwrap_err();
        assert!(err.to_string().contains(why), "{id}: {err}");
        // Saving over it is refused, and the bytes stay as they were.
        let mut s = good(id);
        s.title = "would replace".into();
        assert!(matches!(
            store.save(&s),
            Err(StoreError::WouldOverwriteDamaged { .. })
        ));
        assert_eq!(std::fs::read(store.path(id)).unwrap(), *content);
    }
    assert!(matches!(
        store.load("20261124-120000-0006"),
        Err(StoreError::Unreadable { .. })
    ));
    // The good one still loads, and is the latest.
    assert_eq!(store.load("20261124-120000-0001").unwrap().title, "good");
    assert_eq!(store.latest().unwrap().unwrap().id, "20261124-120000-0001");
}

#[test]
fn ids_cannot_name_paths_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("s")).unwrap();
    for id in ["../x", "a/b", "", ".hidden", "x.json"] {
        assert!(
            matches!(store.load(id), Err(StoreError::NotFound(_))),
            "{id}"
        );
        assert!(store.save(&good(id)).is_err(), "{id}");
    }
}

#[test]
fn sessions_are_found_by_a_unique_start_of_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    store.save(&good("20261124-120000-aaaa")).unwrap();
    store.save(&good("20261124-130000-bbbb")).unwrap();
    assert_eq!(
        store.resolve("20261124-13").unwrap(),
        "20261124-130000-bbbb"
    );
    assert!(matches!(
        store.resolve("20261124"),
        Err(StoreError::Ambiguous { .. })
    ));
    assert!(matches!(
        store.resolve("2025"),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.resolve("latest").unwrap(), "20261124-130000-bbbb");
}
