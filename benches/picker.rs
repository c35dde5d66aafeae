//! Picker query-to-render on a 5,000-model catalog (issue 5): one keystroke through
//! `app::update` (the picker edits its query and searches every row) plus `ui::render` of the
//! whole screen on a 160×45 `TestBackend`. The catalog is the real 2026-08-19 snapshot
//! (353 interactive models) repeated with numbered ids to 5,000 rows.
//! Run: `cargo bench --bench picker` (figures in BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use modelroom::api::{Catalog, ModelEntry};
use modelroom::app::{Action, App, CatalogUpdate, Command, Overlay, Settings, SharedIndex, update};
use modelroom::catalog::Index;
use modelroom::keymap::Keymap;
use modelroom::ui;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const MODELS: usize = 5_000;
const SNAPSHOT: &str = "tests/fixtures/openrouter/catalog/models-2026-08-19.json";

fn catalog() -> Catalog {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let real: Vec<ModelEntry> = serde_json::from_value(raw["data"].clone()).unwrap();
    let real: Vec<ModelEntry> = real
        .into_iter()
        .filter(|m| !m.id.ends_with(":batch"))
        .collect();
    let models = (0..MODELS)
        .map(|i| {
            let mut m = real[i % real.len()].clone();
            let copy = i / real.len();
            if copy > 0 {
                m.id = format!("{}-v{copy}", m.id);
                m.name = m.name.map(|n| format!("{n} v{copy}"));
            }
            m
        })
        .collect();
    Catalog::new(models)
}

fn room() -> (App, Terminal<TestBackend>) {
    let models =
        modelroom::model::parse_all(&["anthropic/claude-sonnet-4.6", "openai/gpt-5.1"]).unwrap();
    let mut app = App::new(&models, Keymap::default(), Settings::default());
    update(
        &mut app,
        Action::Resize {
            width: 160,
            height: 45,
        },
    );
    let index = Index::new(catalog());
    assert_eq!(index.len(), MODELS);
    let loaded = CatalogUpdate {
        index: SharedIndex(Arc::new(index)),
        fetched_at: 0,
        from_cache: false,
    };
    update(&mut app, Action::CatalogLoaded(Box::new(loaded)));
    update(&mut app, Action::Command(Command::AddPane));
    assert!(matches!(app.overlay, Overlay::Picker(_)));
    (app, Terminal::new(TestBackend::new(160, 45)).unwrap())
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn hits(app: &App) -> usize {
    match &app.overlay {
        Overlay::Picker(p) => p.hits.len(),
        _ => 0,
    }
}

/// One keystroke and the frame that shows it.
fn keystroke(app: &mut App, term: &mut Terminal<TestBackend>, code: KeyCode) {
    key(app, code);
    term.draw(|f| ui::render(f, black_box(app), tokio::time::Instant::now()))
        .unwrap();
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("picker_keystroke_5000");
    // Each measured keystroke alternately types the query's last character and erases it, so
    // every one changes the query and runs the whole search and a full frame.
    for query in ["", "c", "claude", "claude sonnet", "gpt 5 mini", "zzzz"] {
        let (mut app, mut term) = room();
        let (prefix, last) = match query.char_indices().last() {
            Some((i, c)) => (&query[..i], c),
            None => ("", 'x'),
        };
        for ch in prefix.chars() {
            key(&mut app, KeyCode::Char(ch));
        }
        key(&mut app, KeyCode::Char(last));
        let matched = hits(&app);
        key(&mut app, KeyCode::Backspace);
        let name = if query.is_empty() {
            "type_x_on_empty"
        } else {
            query
        };
        eprintln!("{name:>16}: {matched} of {MODELS} models match");
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for i in 0..iters {
                    let code = if i % 2 == 0 {
                        KeyCode::Char(last)
                    } else {
                        KeyCode::Backspace
                    };
                    keystroke(&mut app, &mut term, code);
                }
                // End on the prefix, so the next batch starts from the same state.
                if iters % 2 == 1 {
                    key(&mut app, KeyCode::Backspace);
                }
                start.elapsed()
            });
        });
    }
    group.finish();
    // Opening the picker on the full catalog (the first frame a person sees).
    let (mut app, mut term) = room();
    group_open(c, &mut app, &mut term);
}

fn group_open(c: &mut Criterion, app: &mut App, term: &mut Terminal<TestBackend>) {
    c.bench_function("picker_open_5000", |b| {
        b.iter(|| {
            key(app, KeyCode::Esc);
            update(app, Action::Command(Command::AddPane));
            term.draw(|f| ui::render(f, black_box(app), tokio::time::Instant::now()))
                .unwrap();
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
