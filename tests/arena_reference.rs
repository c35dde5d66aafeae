//! The leaderboard's fit against numbers computed independently: `tests/arena/reference.py`
//! fitted `tests/arena/battles.jsonl` with scikit-learn's logistic regression (LMArena's way)
//! and wrote `tests/arena/reference.json`. Tolerances: point ratings and the bootstrap on the
//! same resamples agree to 0.001 Elo (both are solved to convergence); intervals from the two
//! programs' own random resamples agree to 15% of their width (Monte Carlo error).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use modelroom::arena::board::{self, BoardOptions, elo, quantile};
use modelroom::arena::fit::{self, Workspace};
use modelroom::arena::{Battle, battles};
use serde_json::Value;

const POINT: f64 = 1e-3;

fn fixture() -> (Vec<Battle>, Value) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/arena/");
    let bytes = std::fs::read(format!("{dir}battles.jsonl")).unwrap();
    let import = battles::parse(&bytes);
    assert!(import.errors.is_empty(), "{:?}", import.errors);
    let reference = std::fs::read_to_string(format!("{dir}reference.json")).unwrap();
    (import.battles, serde_json::from_str(&reference).unwrap())
}

fn rating(reference: &Value, key: &str, model: &str) -> f64 {
    reference[key][model].as_f64().unwrap()
}

fn options(prior: f64) -> BoardOptions {
    BoardOptions {
        resamples: 0,
        prior,
        ..BoardOptions::default()
    }
}

#[test]
fn point_ratings_match_logistic_regression() {
    let (battles, reference) = fixture();
    assert_eq!(battles.len() as u64, reference["battles"].as_u64().unwrap());
    for (prior, key) in [(1.0, "ratings"), (0.0, "ratings_mle")] {
        let board = board::compute(&battles, &options(prior)).unwrap();
        assert_eq!(board.rows.len(), 8);
        for row in &board.rows {
            let want = rating(&reference, key, &row.model);
            assert!(
                (row.rating - want).abs() < POINT,
                "{key} {}: {} vs {want}",
                row.model,
                row.rating
            );
        }
    }
}

#[test]
fn style_controlled_ratings_and_coefficients_match() {
    let (battles, reference) = fixture();
    let opts = BoardOptions {
        style_control: true,
        ..options(1.0)
    };
    let board = board::compute(&battles, &opts).unwrap();
    for row in &board.rows {
        let want = reference["style"]["ratings"][&row.model].as_f64().unwrap();
        assert!(
            (row.rating - want).abs() < POINT,
            "{}: {} vs {want}",
            row.model,
            row.rating
        );
    }
    for effect in &board.style {
        let want = reference["style"]["coefficients"][effect.name]
            .as_f64()
            .unwrap();
        assert!(
            (effect.coef - want).abs() < POINT,
            "{}: {} vs {want}",
            effect.name,
            effect.coef
        );
    }
    // The simulated preference for longer answers is found.
    assert!(board.style[0].coef > 20.0);
}

/// The generator the reference script used to pick each resample's battles.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn the_bootstrap_on_the_same_resamples_matches() {
    let (battles, reference) = fixture();
    let refs: Vec<&Battle> = battles.iter().collect();
    let mut models: Vec<&str> = battles
        .iter()
        .flat_map(|b| [b.a.model.as_str(), b.b.model.as_str()])
        .collect();
    models.sort_unstable();
    models.dedup();
    let index: HashMap<&str, u32> = models
        .iter()
        .enumerate()
        .map(|(i, m)| (*m, i as u32))
        .collect();
    let (design, cell_of) = board::build(&refs, &index, false);
    let mut ws = Workspace::default();
    let (mut w, mut l) = (Vec::new(), Vec::new());
    let mut draws = vec![Vec::new(); models.len()];
    for r in 0..200 {
        let mut draw = SplitMix(7 + r);
        let mut counts = vec![0_u32; design.cells.len()];
        for _ in 0..cell_of.len() {
            counts[cell_of[(draw.next() % cell_of.len() as u64) as usize] as usize] += 1;
        }
        design.weights(&counts, &mut w, &mut l);
        let p = fit::fit(&design, &w, &l, 1.0, None, &mut ws).unwrap();
        for (m, e) in elo(&p.theta).into_iter().enumerate() {
            draws[m].push(e);
        }
    }
    for (m, model) in models.iter().enumerate() {
        draws[m].sort_by(f64::total_cmp);
        let want = &reference["bootstrap_fixed"]["ci"][model];
        let (lo, hi) = (quantile(&draws[m], 0.025), quantile(&draws[m], 0.975));
        assert!(
            (lo - want[0].as_f64().unwrap()).abs() < POINT,
            "{model} low {lo} {want}"
        );
        assert!(
            (hi - want[1].as_f64().unwrap()).abs() < POINT,
            "{model} high {hi} {want}"
        );
    }
}

#[test]
fn our_own_bootstrap_intervals_are_close_to_numpys() {
    let (battles, reference) = fixture();
    let board = board::compute(&battles, &BoardOptions::default()).unwrap();
    for row in &board.rows {
        let want = &reference["bootstrap_numpy"]["ci"][&row.model];
        let (lo, hi) = (want[0].as_f64().unwrap(), want[1].as_f64().unwrap());
        let slack = 0.15 * (hi - lo);
        assert!(
            (row.ci_low - lo).abs() < slack && (row.ci_high - hi).abs() < slack,
            "{}: [{}, {}] vs [{lo}, {hi}]",
            row.model,
            row.ci_low,
            row.ci_high
        );
        assert!(row.ci_low <= row.rating && row.rating <= row.ci_high);
    }
    // atlas stands alone; the close middle shares ranks.
    let rank = |m: &str| board.rows.iter().find(|r| r.model == m).unwrap().rank;
    assert_eq!(rank("ref/atlas"), 1);
    assert!(rank("ref/heron") > rank("ref/delta"));
    assert_eq!(rank("ref/cedar"), rank("ref/birch"));
    // Seeded: the same board again.
    assert_eq!(
        board::compute(&battles, &BoardOptions::default()).unwrap(),
        board
    );
}
