//! The leaderboard: battles become a Bradley–Terry fit on the Elo scale (400 points per factor
//! of 10 in the odds, mean 1000) with bootstrap 95% intervals, and models that cannot be told
//! apart share a rank. Battles are aggregated into rows once; each resample only redraws how
//! many battles each (row, outcome) cell gets, so a resample costs a pass over the battles'
//! cell numbers plus a small warm-started fit. Resample `r` draws from its own ChaCha stream
//! of the seed, so the board is the same whatever the number of threads.

use std::collections::HashMap;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::fit::{self, Design, FitError, Kind, Params, Workspace};
use super::{Battle, Winner};

/// Elo points per natural-log unit of odds: 400 points per factor of 10.
pub const ELO_PER_LOGIT: f64 = 400.0 / std::f64::consts::LN_10;
pub const ELO_MEAN: f64 = 1000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct BoardOptions {
    pub resamples: usize,
    pub seed: u64,
    /// Models with fewer battles are left out (and so are their battles).
    pub min_votes: u32,
    pub style_control: bool,
    /// Virtual games each model holds against an average opponent (see `fit`).
    pub prior: f64,
}

impl Default for BoardOptions {
    fn default() -> Self {
        Self {
            resamples: 1000,
            seed: 42,
            min_votes: 0,
            style_control: false,
            prior: 1.0,
        }
    }
}

/// One model's line of the board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardRow {
    pub model: String,
    pub rating: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub rank: usize,
    pub votes: u32,
    pub wins: u32,
    pub losses: u32,
    /// Ties judged equally good; "both bad" are counted apart.
    pub ties: u32,
    pub both_bad: u32,
    /// Share of its battles the model won outright.
    pub win_rate: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_cost_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_latency_ms: Option<f64>,
}

/// A style covariate's effect, in Elo points per standard deviation of the covariate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StyleEffect {
    pub name: &'static str,
    pub coef: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    /// Best first.
    pub rows: Vec<BoardRow>,
    pub style: Vec<StyleEffect>,
    /// Battles the fit used.
    pub battles: usize,
    /// Models left out by `min_votes`.
    pub left_out: Vec<String>,
    /// Battles left out of a style-controlled fit because they lack style figures.
    pub without_style: usize,
    pub resamples: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BoardError {
    #[error("no battles to rate{0}")]
    Empty(&'static str),
    #[error(transparent)]
    Fit(#[from] FitError),
}

pub const STYLE_NAMES: [&str; 4] = ["length", "headers", "list_items", "bold"];

/// Computes the board of `battles`.
pub fn compute(battles: &[Battle], opts: &BoardOptions) -> Result<Board, BoardError> {
    let mut per_model: HashMap<&str, u32> = HashMap::new();
    for b in battles {
        *per_model.entry(&b.a.model).or_default() += 1;
        *per_model.entry(&b.b.model).or_default() += 1;
    }
    let mut left_out: Vec<String> = per_model
        .iter()
        .filter(|(_, n)| **n < opts.min_votes)
        .map(|(m, _)| (*m).to_owned())
        .collect();
    left_out.sort();
    let kept = |b: &&Battle| {
        per_model[b.a.model.as_str()] >= opts.min_votes
            && per_model[b.b.model.as_str()] >= opts.min_votes
    };
    let mut used: Vec<&Battle> = battles.iter().filter(kept).collect();
    let before = used.len();
    if opts.style_control {
        used.retain(|b| b.a.style.is_some() && b.b.style.is_some());
    }
    let without_style = before - used.len();
    if used.is_empty() {
        return Err(BoardError::Empty(if before > 0 {
            " with style figures"
        } else if battles.is_empty() {
            ""
        } else {
            " after --min-votes"
        }));
    }
    let mut names: Vec<&str> = used
        .iter()
        .flat_map(|b| [b.a.model.as_str(), b.b.model.as_str()])
        .collect();
    names.sort_unstable();
    names.dedup();
    let index: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, m)| (*m, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let (design, cell_of) = build(&used, &index, opts.style_control);
    let (mut w, mut l) = (Vec::new(), Vec::new());
    design.weights(&design.counts, &mut w, &mut l);
    let full = fit::fit(&design, &w, &l, opts.prior, None, &mut Workspace::default())?;
    let samples = bootstrap(&design, &cell_of, &full, opts);
    let n = names.len();
    let ratings = elo(&full.theta);
    let mut rows: Vec<BoardRow> = (0..n)
        .map(|m| {
            let mut draws: Vec<f64> = samples.iter().map(|s| elo(&s.theta)[m]).collect();
            let (lo, hi) = interval(&mut draws, ratings[m]);
            BoardRow {
                model: names[m].to_owned(),
                rating: ratings[m],
                ci_low: lo,
                ci_high: hi,
                rank: 0,
                votes: 0,
                wins: 0,
                losses: 0,
                ties: 0,
                both_bad: 0,
                win_rate: 0.0,
                median_cost_usd: None,
                median_latency_ms: None,
            }
        })
        .collect();
    tally(&used, &index, &mut rows);
    let highs: Vec<f64> = rows.iter().map(|r| r.ci_high).collect();
    let lows: Vec<f64> = rows.iter().map(|r| r.ci_low).collect();
    for (m, row) in rows.iter_mut().enumerate() {
        row.rank = 1 + lows.iter().filter(|&&lo| lo > highs[m]).count();
    }
    rows.sort_by(|a, b| b.rating.total_cmp(&a.rating).then(a.model.cmp(&b.model)));
    let style = if opts.style_control {
        STYLE_NAMES
            .iter()
            .enumerate()
            .map(|(f, name)| {
                let mut draws: Vec<f64> =
                    samples.iter().map(|s| s.beta[f] * ELO_PER_LOGIT).collect();
                let coef = full.beta[f] * ELO_PER_LOGIT;
                let (ci_low, ci_high) = interval(&mut draws, coef);
                StyleEffect {
                    name,
                    coef,
                    ci_low,
                    ci_high,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Board {
        rows,
        style,
        battles: used.len(),
        left_out,
        without_style,
        resamples: samples.len(),
    })
}

/// θ on the Elo scale, anchored so the mean is 1000.
pub fn elo(theta: &[f64]) -> Vec<f64> {
    let mean = theta.iter().sum::<f64>() / theta.len().max(1) as f64;
    theta
        .iter()
        .map(|t| ELO_MEAN + ELO_PER_LOGIT * (t - mean))
        .collect()
}

/// The 2.5% and 97.5% quantiles (linear interpolation, as numpy's default); without any
/// resample, the point itself.
fn interval(draws: &mut [f64], point: f64) -> (f64, f64) {
    if draws.is_empty() {
        return (point, point);
    }
    draws.sort_unstable_by(f64::total_cmp);
    (quantile(draws, 0.025), quantile(draws, 0.975))
}

/// The `q` quantile of sorted values, interpolating linearly between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The design of `battles`: one row per model pair (per distinct style difference with style
/// control), each battle's cell, in input order.
pub fn build(battles: &[&Battle], index: &HashMap<&str, u32>, style: bool) -> (Design, Vec<u32>) {
    let features: Vec<[f64; 4]> = if style {
        super::battles::style_features(battles)
    } else {
        Vec::new()
    };
    let mut design = Design {
        models: index.len(),
        k: if style { STYLE_NAMES.len() } else { 0 },
        i: Vec::new(),
        j: Vec::new(),
        x: Vec::new(),
        cells: Vec::new(),
        counts: Vec::new(),
    };
    let mut rows: HashMap<(u32, u32, [u64; 4]), u32> = HashMap::new();
    let mut cells: HashMap<(u32, Kind), u32> = HashMap::new();
    let mut cell_of = Vec::with_capacity(battles.len());
    for (n, b) in battles.iter().enumerate() {
        let (mut i, mut j) = (index[b.a.model.as_str()], index[b.b.model.as_str()]);
        let mut kind = match b.winner {
            Winner::A => Kind::Win,
            Winner::B => Kind::Loss,
            Winner::Tie | Winner::BothBad => Kind::Tie,
        };
        let mut x = features.get(n).copied().unwrap_or_default();
        if i > j {
            std::mem::swap(&mut i, &mut j);
            x.iter_mut().for_each(|v| *v = -*v);
            kind = match kind {
                Kind::Win => Kind::Loss,
                Kind::Loss => Kind::Win,
                Kind::Tie => Kind::Tie,
            };
        }
        let key = (i, j, x.map(f64::to_bits));
        let row = *rows.entry(key).or_insert_with(|| {
            design.i.push(i);
            design.j.push(j);
            if style {
                design.x.extend_from_slice(&x);
            }
            u32::try_from(design.i.len() - 1).unwrap_or(u32::MAX)
        });
        let cell = *cells.entry((row, kind)).or_insert_with(|| {
            design.cells.push((row, kind));
            design.counts.push(0);
            u32::try_from(design.cells.len() - 1).unwrap_or(u32::MAX)
        });
        design.counts[cell as usize] += 1;
        cell_of.push(cell);
    }
    (design, cell_of)
}

/// Refits `opts.resamples` resamples of the battles (drawn with replacement), on as many
/// threads as there are cores. A resample whose fit fails is left out.
fn bootstrap(design: &Design, cell_of: &[u32], full: &Params, opts: &BoardOptions) -> Vec<Params> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, opts.resamples.max(1));
    let chunk = opts.resamples.div_ceil(threads);
    let start: Vec<f64> = full.theta.iter().chain(&full.beta).copied().collect();
    let run = |from: usize, to: usize| {
        let mut ws = Workspace::default();
        let (mut counts, mut w, mut l) = (Vec::new(), Vec::new(), Vec::new());
        let mut out = Vec::with_capacity(to - from);
        for r in from..to {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            counts.clear();
            counts.resize(design.cells.len(), 0_u32);
            // Multiply-shift maps 32 random bits onto the battles (Lemire): one multiplication
            // per draw; its bias, battles / 2³², is far below the bootstrap's own noise.
            let total = u64::try_from(cell_of.len()).unwrap_or(u64::MAX);
            for _ in 0..cell_of.len() {
                let at = (u64::from(rng.next_u32()) * total) >> 32;
                counts[cell_of[usize::try_from(at).unwrap_or(0)] as usize] += 1;
            }
            design.weights(&counts, &mut w, &mut l);
            // 1e-7 log-odds is 2e-5 Elo points: far finer than any interval.
            let fitted = fit::fit_to(design, &w, &l, opts.prior, Some(&start), &mut ws, 1e-7);
            if let Ok(p) = fitted {
                out.push(p);
            }
        }
        out
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (from, to) = (t * chunk, ((t + 1) * chunk).min(opts.resamples));
                scope.spawn(move || run(from.min(to), to))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// Votes, wins, losses, ties and "both bad" per model.
fn tally(battles: &[&Battle], index: &HashMap<&str, u32>, rows: &mut [BoardRow]) {
    for b in battles {
        let (a, bb) = (
            index[b.a.model.as_str()] as usize,
            index[b.b.model.as_str()] as usize,
        );
        rows[a].votes += 1;
        rows[bb].votes += 1;
        match b.winner {
            Winner::A => (rows[a].wins += 1, rows[bb].losses += 1),
            Winner::B => (rows[bb].wins += 1, rows[a].losses += 1),
            Winner::Tie => (rows[a].ties += 1, rows[bb].ties += 1),
            Winner::BothBad => (rows[a].both_bad += 1, rows[bb].both_bad += 1),
        };
    }
    for r in rows {
        r.win_rate = f64::from(r.wins) / f64::from(r.votes.max(1));
    }
}
