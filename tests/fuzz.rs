//! Random and mutated input for the three parsers that read files a person (or anyone with
//! access to their directories) controls: the session loader, the theme parser and the config
//! parser. Seeds are real files (the golden session, the shipped themes, the README's config);
//! mutations flip, insert, delete, duplicate and truncate bytes. Every input must end in a
//! value or a clear error, never a panic; what loads must save and load again. Each test's name
//! says how many cases it runs, and the test checks that it ran them all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::path::Path;

use modelroom::store::{Listing, SessionStore, StoreError};
use modelroom::theme::{BUILTIN, ColorDepth, Theme, parse_theme};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// One edit of a file's bytes, at a position taken modulo its length.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to JSON and TOML, and some that do not.
    let byte = prop_oneof![
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b'"'),
        Just(b'\\'),
        Just(b','),
        Just(b':'),
        Just(b'='),
        Just(b'\n'),
        Just(b'0'),
        Just(b'-'),
        Just(b'e'),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Edit::Flip(at, b)),
        (any::<usize>(), proptest::collection::vec(byte, 1..40))
            .prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 1usize..400).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let len = b.len().max(1);
        match e {
            Edit::Flip(at, x) => {
                if let Some(slot) = b.get_mut(at % len) {
                    *slot = *x;
                }
            }
            Edit::Insert(at, xs) => {
                let at = at % (b.len() + 1);
                b.splice(at..at, xs.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(b.len());
                b.drain(at.min(end)..end);
            }
            Edit::Duplicate(at, n) => {
                let at = at % len;
                let end = (at + n).min(b.len());
                let piece: Vec<u8> = b[at.min(end)..end].to_vec();
                b.splice(end..end, piece);
            }
            Edit::Truncate(at) => b.truncate(at % len),
        }
    }
    b
}

/// A mutated seed, or (one case in eight) bytes from nowhere.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = seeds.len();
    prop_oneof![
        7 => (0..n, proptest::collection::vec(edit(), 1..6))
            .prop_map(move |(i, edits)| apply(&seeds[i], &edits)),
        1 => proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

/// Runs `cases` inputs through `check`, which says whether each was accepted; prints the count.
fn run(
    name: &str,
    cases: u32,
    strategy: impl Strategy<Value = Vec<u8>>,
    check: impl Fn(&[u8]) -> bool,
) {
    let (ran, accepted) = (Cell::new(0u32), Cell::new(0u32));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |bytes| {
            ran.set(ran.get() + 1);
            if check(&bytes) {
                accepted.set(accepted.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    println!(
        "{name}: {} cases, {} accepted, {} refused with an error",
        ran.get(),
        accepted.get(),
        ran.get() - accepted.get()
    );
    assert!(ran.get() >= cases, "ran {} of {cases} cases", ran.get());
}

fn golden_session() -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/session.json")).unwrap()
}

#[test]
fn session_loader_takes_1000_mutated_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path()).unwrap();
    let golden = golden_session();
    let compact =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&golden).unwrap()).unwrap();
    run(
        "session loader",
        1000,
        input(vec![golden, compact]),
        |bytes| {
            std::fs::write(store.path("case"), bytes).unwrap();
            let listed = store.list().unwrap();
            let loaded = store.load("case");
            match (&listed[0], &loaded) {
                (Listing::Ok(h), Ok(s)) => {
                    assert_eq!((h.id.as_str(), s.id.as_str()), ("case", "case"));
                    // What loads saves, and loads again the same.
                    let mut again = s.clone();
                    again.id = "again".into();
                    store.save(&again).unwrap();
                    assert_eq!(store.load("again").unwrap(), again);
                    std::fs::remove_file(store.path("again")).unwrap();
                    std::fs::remove_file(store.path("case")).unwrap();
                    true
                }
                // A listing reads only the header, so a file damaged inside a turn lists as
                // readable and is refused when opened, with the reason.
                (Listing::Damaged { .. }, Err(e))
                | (Listing::Ok(_), Err(e @ StoreError::Corrupt { .. })) => {
                    assert!(!e.reason().is_empty());
                    // A damaged file is never overwritten.
                    assert!(store.save(&modelroom_session("case")).is_err());
                    assert_eq!(std::fs::read(store.path("case")).unwrap(), bytes);
                    std::fs::remove_file(store.path("case")).unwrap();
                    false
                }
                (l, r) => panic!("listing and loading disagree: {l:?} / {r:?}"),
            }
        },
    );
}

fn modelroom_session(id: &str) -> modelroom::store::Session {
    let mut s: modelroom::store::Session = serde_json::from_slice(&golden_session()).unwrap();
    s.id = id.into();
    s
}

#[test]
fn theme_parser_takes_1000_mutated_themes() {
    let seeds: Vec<Vec<u8>> = BUILTIN.iter().map(|(_, t)| t.as_bytes().to_vec()).collect();
    let base = Theme::default();
    run("theme parser", 1000, input(seeds), |bytes| {
        let text = String::from_utf8_lossy(bytes);
        match parse_theme(
            &text,
            "fuzz.toml",
            "fuzz",
            ColorDepth::TrueColor,
            Some(&base),
            &|_| Some(base.clone()),
        ) {
            Ok(_) => true,
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.toml:"), "{e}");
                assert!(e.line >= 1 && !e.message.is_empty(), "{e}");
                false
            }
        }
    });
}

#[test]
fn config_parser_takes_1000_mutated_configs() {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\napi_key_env").unwrap() + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let seeds = vec![
        readme.as_bytes()[start..end].to_vec(),
        b"[keys]\n\"ctrl-n\" = \"add_pane\"\n\"alt-n\" = \"none\"\nmax_tokens = 300\n".to_vec(),
    ];
    let path = Path::new("config.toml");
    run("config parser", 1000, input(seeds), |bytes| {
        let text = String::from_utf8_lossy(bytes);
        match modelroom::config::parse(&text, path) {
            Ok(c) => {
                // Whatever parses is within its bounds: nothing downstream can overflow.
                assert!((1..=3600).contains(&c.stall_timeout_secs));
                assert!((1..=3600).contains(&c.request_timeout_secs));
                assert!(modelroom::keymap::Keymap::from_config(&c.keys).is_ok());
                true
            }
            Err(e) => {
                assert!(e.to_string().starts_with("config.toml:"), "{e}");
                false
            }
        }
    });
}

/// The committed reference battles, as JSON lines and as one JSON array.
fn battle_seeds() -> Vec<Vec<u8>> {
    let lines =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/arena/battles.jsonl"))
            .unwrap();
    // A few hundred bytes of each shape keep a mutation likely to land on something that matters.
    let first: Vec<&[u8]> = lines.split(|&b| b == b'\n').take(6).collect();
    let jsonl = first.join(&b'\n');
    let array = [b"[".as_slice(), &first.join(&b",\n"[..]), b"]"].concat();
    vec![jsonl, array]
}

#[test]
fn battles_import_takes_1000_mutated_files() {
    run("battles import", 1000, input(battle_seeds()), |bytes| {
        let import = modelroom::arena::battles::parse(bytes);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        // Nothing is made up: at most one battle (or one error) per line, or per array element.
        assert!(
            import.battles.len() <= bytes.len() / 20 + 1,
            "more battles than input"
        );
        for e in &import.errors {
            let n: usize = e
                .strip_prefix("line ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("an error without its line number: {e}"));
            assert!((1..=lines).contains(&n), "line {n} of {lines}: {e}");
        }
        // Whatever was read can be rated without a panic (a few resamples keep it quick).
        let opts = modelroom::arena::board::BoardOptions {
            resamples: 5,
            style_control: bytes.len() % 2 == 0,
            ..Default::default()
        };
        if let Ok(board) = modelroom::arena::board::compute(&import.battles, &opts) {
            for row in &board.rows {
                assert!(
                    row.rating.is_finite() && row.ci_low <= row.ci_high,
                    "{row:?}"
                );
            }
        }
        import.errors.is_empty() && !import.battles.is_empty()
    });
}
