//! The Bradley–Terry fit: maximum likelihood by damped Newton steps, on battles aggregated into
//! rows (a pair of models, optionally with style covariates) so a fit costs what the distinct
//! rows cost, not what the battles do.
//!
//! Model: P(a beats b) = σ(θa − θb + β·x), θ in natural-log odds. A tie is half a win for each
//! side. Each model also holds `prior` virtual games against an average opponent (θ = 0), half
//! won and half lost: without them a model that won (or lost) every one of its battles would
//! have no finite rating. With `prior = 0` the fit is the plain MLE, centred at mean θ = 0.

/// How a row's battles ended, from the row's first model's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Win,
    Loss,
    Tie,
}

/// Battles reduced to distinct rows, and each battle's (row, kind) cell for resampling.
#[derive(Debug, Clone)]
pub struct Design {
    pub models: usize,
    /// Style covariates per row (0 without style control).
    pub k: usize,
    pub i: Vec<u32>,
    pub j: Vec<u32>,
    /// `rows × k`, row-major.
    pub x: Vec<f64>,
    /// Each cell: its row and how its battles ended.
    pub cells: Vec<(u32, Kind)>,
    /// Battles per cell.
    pub counts: Vec<u32>,
}

impl Design {
    pub fn rows(&self) -> usize {
        self.i.len()
    }

    pub fn battles(&self) -> usize {
        self.counts.iter().map(|&c| c as usize).sum()
    }

    /// Won and lost weight per row (a tie is half of each) for these cell counts.
    pub fn weights(&self, counts: &[u32], w: &mut Vec<f64>, l: &mut Vec<f64>) {
        w.clear();
        l.clear();
        w.resize(self.rows(), 0.0);
        l.resize(self.rows(), 0.0);
        for (&(row, kind), &c) in self.cells.iter().zip(counts) {
            let (row, c) = (row as usize, f64::from(c));
            match kind {
                Kind::Win => w[row] += c,
                Kind::Loss => l[row] += c,
                Kind::Tie => {
                    w[row] += c / 2.0;
                    l[row] += c / 2.0;
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error(
        "the battles do not connect every model with every other, so their ratings cannot be compared"
    )]
    Disconnected,
    #[error("the fit did not converge")]
    NoConvergence,
}

/// The fitted parameters: one θ per model (natural-log odds), one β per covariate.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub theta: Vec<f64>,
    pub beta: Vec<f64>,
}

/// Reusable buffers, so the bootstrap's thousand fits allocate nothing.
#[derive(Debug, Default)]
pub struct Workspace {
    grad: Vec<f64>,
    hess: Vec<f64>,
    factor: Vec<f64>,
    step: Vec<f64>,
    trial: Vec<f64>,
}

/// Stops when no parameter moves by more than this (in log-odds; ×174 for Elo points).
const TOLERANCE: f64 = 1e-9;
const MAX_ITERATIONS: usize = 200;
/// The largest Newton step taken at once, in log-odds: keeps far-off starts from overshooting.
const MAX_STEP: f64 = 2.0;

/// Fits `design` with per-row won/lost weights `w`, `l`, starting from `start` (or zeros).
pub fn fit(
    design: &Design,
    w: &[f64],
    l: &[f64],
    prior: f64,
    start: Option<&[f64]>,
    ws: &mut Workspace,
) -> Result<Params, FitError> {
    fit_to(design, w, l, prior, start, ws, TOLERANCE)
}

/// `fit`, stopping when no parameter moves by more than `tolerance` (log-odds).
pub fn fit_to(
    design: &Design,
    w: &[f64],
    l: &[f64],
    prior: f64,
    start: Option<&[f64]>,
    ws: &mut Workspace,
    tolerance: f64,
) -> Result<Params, FitError> {
    let n = design.models;
    let d = n + design.k;
    let mut p = match start {
        Some(s) if s.len() == d => s.to_vec(),
        _ => vec![0.0; d],
    };
    if prior == 0.0 && !connected(design, w, l) {
        return Err(FitError::Disconnected);
    }
    let mut nll = evaluate(design, w, l, prior, &p, Some((&mut ws.grad, &mut ws.hess)));
    for _ in 0..MAX_ITERATIONS {
        if prior == 0.0 {
            // θ can all move together without changing the likelihood; adding 1·1ᵀ to the
            // models' block pins that direction (the gradient has no part along it).
            for a in 0..n {
                for b in 0..n {
                    ws.hess[a * d + b] += 1.0;
                }
            }
        }
        factor(ws, d)?;
        ws.step.clear();
        ws.step.extend(ws.grad.iter().map(|g| -g));
        solve(&ws.factor, d, &mut ws.step);
        let largest = ws.step.iter().fold(0.0_f64, |m, s| m.max(s.abs()));
        if !largest.is_finite() {
            return Err(FitError::NoConvergence);
        }
        let mut scale = if largest > MAX_STEP {
            MAX_STEP / largest
        } else {
            1.0
        };
        // Halve the step until the likelihood does not get worse (it is convex, so this
        // ends); the derivatives at the accepted point serve the next step.
        loop {
            ws.trial.clear();
            ws.trial
                .extend(p.iter().zip(&ws.step).map(|(v, s)| v + scale * s));
            let derivatives = Some((&mut ws.grad, &mut ws.hess));
            let trial_nll = evaluate(design, w, l, prior, &ws.trial, derivatives);
            if trial_nll <= nll + 1e-12 * nll.abs().max(1.0) || scale < 1e-6 {
                nll = trial_nll;
                break;
            }
            scale /= 2.0;
        }
        std::mem::swap(&mut p, &mut ws.trial);
        if largest * scale < tolerance {
            return Ok(finish(p, n, prior));
        }
    }
    Err(FitError::NoConvergence)
}

/// Factors the Hessian into `ws.factor`. Far from the optimum (every probability near 0 or
/// 1) it can be numerically singular; a growing ridge then keeps the step finite and downhill.
fn factor(ws: &mut Workspace, d: usize) -> Result<(), FitError> {
    let scale = (0..d)
        .fold(0.0_f64, |m, a| m.max(ws.hess[a * d + a]))
        .max(1e-300);
    let mut ridge = 0.0;
    for _ in 0..30 {
        ws.factor.clone_from(&ws.hess);
        for a in 0..d {
            ws.factor[a * d + a] += ridge;
        }
        if cholesky(&mut ws.factor, d) {
            return Ok(());
        }
        ridge = if ridge == 0.0 {
            scale * 1e-10 + 1e-12
        } else {
            ridge * 100.0
        };
    }
    Err(FitError::NoConvergence)
}

/// Whether the rows with battles join every model into one group (union–find).
fn connected(design: &Design, w: &[f64], l: &[f64]) -> bool {
    let mut parent: Vec<usize> = (0..design.models).collect();
    fn root(parent: &mut [usize], mut a: usize) -> usize {
        while parent[a] != a {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        a
    }
    for row in 0..design.rows() {
        if w[row] + l[row] > 0.0 {
            let (a, b) = (
                root(&mut parent, design.i[row] as usize),
                root(&mut parent, design.j[row] as usize),
            );
            parent[a] = b;
        }
    }
    let first = root(&mut parent, 0);
    (1..design.models).all(|m| root(&mut parent, m) == first)
}

fn finish(mut p: Vec<f64>, n: usize, prior: f64) -> Params {
    if prior == 0.0 && n > 0 {
        let mean = p[..n].iter().sum::<f64>() / n as f64;
        p[..n].iter_mut().for_each(|t| *t -= mean);
    }
    let beta = p.split_off(n);
    Params { theta: p, beta }
}

/// The negative log-likelihood at `p`; with `derivatives`, its gradient and Hessian too.
fn evaluate(
    design: &Design,
    w: &[f64],
    l: &[f64],
    prior: f64,
    p: &[f64],
    mut derivatives: Option<(&mut Vec<f64>, &mut Vec<f64>)>,
) -> f64 {
    let (n, k) = (design.models, design.k);
    let d = n + k;
    if let Some((grad, hess)) = derivatives.as_mut() {
        grad.clear();
        grad.resize(d, 0.0);
        hess.clear();
        hess.resize(d * d, 0.0);
    }
    let mut nll = 0.0;
    for row in 0..design.rows() {
        let m = w[row] + l[row];
        if m == 0.0 {
            continue;
        }
        let (a, b) = (design.i[row] as usize, design.j[row] as usize);
        let x = &design.x[row * k..row * k + k];
        let z = p[a] - p[b] + x.iter().zip(&p[n..]).map(|(x, beta)| x * beta).sum::<f64>();
        // log σ(z) and log σ(−z) without overflow: both share log(1 + e^−|z|).
        let e = (-z.abs()).exp();
        let soft = e.ln_1p();
        let (log_p, log_q) = if z >= 0.0 {
            (-soft, -z - soft)
        } else {
            (z - soft, -soft)
        };
        nll -= w[row] * log_p + l[row] * log_q;
        let Some((grad, hess)) = derivatives.as_mut() else {
            continue;
        };
        let prob = if z >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        let r = w[row] - m * prob;
        let h = m * prob * (1.0 - prob);
        grad[a] -= r;
        grad[b] += r;
        hess[a * d + a] += h;
        hess[b * d + b] += h;
        hess[a * d + b] -= h;
        hess[b * d + a] -= h;
        for f in 0..k {
            let (col, xf) = (n + f, x[f]);
            grad[col] -= r * xf;
            hess[a * d + col] += h * xf;
            hess[col * d + a] += h * xf;
            hess[b * d + col] -= h * xf;
            hess[col * d + b] -= h * xf;
            for g in 0..k {
                hess[col * d + n + g] += h * xf * x[g];
            }
        }
    }
    if prior > 0.0 {
        for (a, &t) in p[..n].iter().enumerate() {
            let e = (-t.abs()).exp();
            let soft = e.ln_1p();
            // Half a win and half a loss against θ = 0: −(α/2)(log σ(t) + log σ(−t)).
            nll += prior / 2.0 * (t.abs() + 2.0 * soft);
            if let Some((grad, hess)) = derivatives.as_mut() {
                let prob = if t >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                grad[a] -= prior / 2.0 - prior * prob;
                hess[a * d + a] += prior * prob * (1.0 - prob);
            }
        }
    }
    nll
}

/// In-place Cholesky factorisation (lower triangle) of a symmetric `d × d` matrix; false when
/// it is not positive definite.
fn cholesky(m: &mut [f64], d: usize) -> bool {
    for c in 0..d {
        let diag = m[c * d + c] - dot(&m[c * d..c * d + c], &m[c * d..c * d + c]);
        if diag.is_nan() || diag <= 1e-300 || diag < 1e-13 * m[c * d + c].abs() {
            return false;
        }
        let root = diag.sqrt();
        m[c * d + c] = root;
        for r in c + 1..d {
            let (row_r, row_c) = (r * d, c * d);
            let sum = dot(&m[row_r..row_r + c], &m[row_c..row_c + c]);
            m[row_r + c] = (m[row_r + c] - sum) / root;
        }
    }
    true
}

/// A dot product with four running sums, so the additions do not wait on each other (the
/// factorisation is most of a bootstrap resample's cost).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            sums[k] += x[k] * y[k];
        }
    }
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

/// Solves L Lᵀ v = b in place, with L from `cholesky`.
fn solve(m: &[f64], d: usize, v: &mut [f64]) {
    for r in 0..d {
        let dot: f64 = m[r * d..r * d + r]
            .iter()
            .zip(&v[..r])
            .map(|(a, b)| a * b)
            .sum();
        v[r] = (v[r] - dot) / m[r * d + r];
    }
    for r in (0..d).rev() {
        let mut s = v[r];
        for t in r + 1..d {
            s -= m[t * d + r] * v[t];
        }
        v[r] = s / m[r * d + r];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(models: usize, table: &[(u32, u32, u32, u32, u32)]) -> Design {
        let mut d = Design {
            models,
            k: 0,
            i: vec![],
            j: vec![],
            x: vec![],
            cells: vec![],
            counts: vec![],
        };
        for (row, &(a, b, win, loss, tie)) in table.iter().enumerate() {
            d.i.push(a);
            d.j.push(b);
            for (kind, c) in [(Kind::Win, win), (Kind::Loss, loss), (Kind::Tie, tie)] {
                d.cells.push((row as u32, kind));
                d.counts.push(c);
            }
        }
        d
    }

    fn run(d: &Design, prior: f64) -> Result<Params, FitError> {
        let (mut w, mut l) = (vec![], vec![]);
        d.weights(&d.counts, &mut w, &mut l);
        fit(d, &w, &l, prior, None, &mut Workspace::default())
    }

    #[test]
    fn two_models_match_the_closed_form() {
        // 30 wins, 10 losses, 10 ties: 35 to 15, so θa − θb = ln(35/15).
        let p = run(&pairs(2, &[(0, 1, 30, 10, 10)]), 0.0).unwrap();
        assert!((p.theta[0] - p.theta[1] - (35.0_f64 / 15.0).ln()).abs() < 1e-9);
        assert!((p.theta[0] + p.theta[1]).abs() < 1e-12);
    }

    #[test]
    fn the_mle_satisfies_its_score_equations() {
        let d = pairs(3, &[(0, 1, 7, 3, 2), (1, 2, 6, 5, 0), (0, 2, 2, 9, 1)]);
        let p = run(&d, 0.0).unwrap();
        // At the MLE each model's expected wins equal its actual wins (ties as halves).
        let sig = |z: f64| 1.0 / (1.0 + (-z).exp());
        let wins = [7.0 + 1.0 + 2.0 + 0.5, 3.0 + 1.0 + 6.0, 5.0 + 9.0 + 0.5];
        let mut expected = [0.0; 3];
        for (a, b, m) in [(0, 1, 12.0), (1, 2, 11.0), (0, 2, 12.0)] {
            let pr = sig(p.theta[a] - p.theta[b]);
            expected[a] += m * pr;
            expected[b] += m * (1.0 - pr);
        }
        for m in 0..3 {
            assert!(
                (expected[m] - wins[m]).abs() < 1e-8,
                "{expected:?} {wins:?}"
            );
        }
    }

    #[test]
    fn a_perfect_record_needs_the_prior_and_disconnection_is_reported() {
        let d = pairs(2, &[(0, 1, 5, 0, 0)]);
        assert!(run(&d, 0.0).is_err());
        let p = run(&d, 1.0).unwrap();
        assert!(p.theta[0] > p.theta[1] && p.theta[0].is_finite());
        let apart = pairs(4, &[(0, 1, 3, 2, 0), (2, 3, 1, 4, 0)]);
        assert_eq!(run(&apart, 0.0), Err(FitError::Disconnected));
        assert!(run(&apart, 1.0).is_ok());
    }

    #[test]
    fn a_far_start_converges_to_the_same_point() {
        let d = pairs(
            3,
            &[(0, 1, 70, 30, 5), (1, 2, 60, 50, 0), (0, 2, 20, 90, 3)],
        );
        let (mut w, mut l) = (vec![], vec![]);
        d.weights(&d.counts, &mut w, &mut l);
        let mut ws = Workspace::default();
        let a = fit(&d, &w, &l, 1.0, None, &mut ws).unwrap();
        let b = fit(&d, &w, &l, 1.0, Some(&[40.0, -40.0, 3.0]), &mut ws).unwrap();
        for (x, y) in a.theta.iter().zip(&b.theta) {
            assert!((x - y).abs() < 1e-8);
        }
    }
}
