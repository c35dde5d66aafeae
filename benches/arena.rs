//! Benchmark of the leaderboard fit (issue 9): 100,000 battles among 100 models, fitted with
//! the 1,000-resample bootstrap, as `modelroom leaderboard` does (`arena::board::compute`,
//! from the battles as parsed to the finished board). Also the fit alone, without resamples.
//! Run: `cargo bench --bench arena` (figures go in BENCHMARKS.md).

#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use criterion::{Criterion, criterion_group, criterion_main};
use modelroom::arena::board::{self, BoardOptions};
use modelroom::arena::{Battle, Side, Winner};

const MODELS: usize = 100;
const BATTLES: usize = 100_000;

/// Battles between random pairs, decided by hidden strengths (xorshift: no RNG crate needed
/// to make the input, and the same input every run): 15% ties, 5% both bad.
fn battles() -> Vec<Battle> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let names: Vec<String> = (0..MODELS)
        .map(|m| format!("maker{}/model-{m}", m % 7))
        .collect();
    let strength: Vec<f64> = (0..MODELS)
        .map(|m| 2.0 - 4.0 * m as f64 / MODELS as f64)
        .collect();
    (0..BATTLES)
        .map(|_| {
            let a = (next() % MODELS as u64) as usize;
            let b = (a + 1 + (next() % (MODELS as u64 - 1)) as usize) % MODELS;
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let p = 1.0 / (1.0 + (strength[b] - strength[a]).exp());
            let winner = if u < 0.15 {
                Winner::Tie
            } else if u < 0.2 {
                Winner::BothBad
            } else if (u - 0.2) / 0.8 < p {
                Winner::A
            } else {
                Winner::B
            };
            let side = |m: usize| Side {
                model: names[m].clone(),
                style: None,
            };
            Battle {
                a: side(a),
                b: side(b),
                winner,
                blind: true,
                at: None,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let battles = battles();
    let mut group = c.benchmark_group("leaderboard_100k_battles_100_models");
    group.sample_size(10);
    group.bench_function("fit_and_1000_resamples", |b| {
        b.iter(|| board::compute(&battles, &BoardOptions::default()).unwrap());
    });
    group.bench_function("fit_only", |b| {
        let opts = BoardOptions {
            resamples: 0,
            ..BoardOptions::default()
        };
        b.iter(|| board::compute(&battles, &opts).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
