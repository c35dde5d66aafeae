"""Reference ratings for tests/arena_reference.rs, computed independently of modelroom.

Generates tests/arena/battles.jsonl (seeded, LMArena's format with conv_metadata) and fits it
with scikit-learn's LogisticRegression, the way LMArena's elo_analysis.py does (one column per
model, +ln10 for model_a and -ln10 for model_b, ties as half a win each via sample weights,
no intercept, no penalty), plus the virtual games modelroom's prior adds (each model: half a
win and half a loss against a player rated 0). Writes tests/arena/reference.json.

Command (from the repository root):
    python3 -m venv /tmp/refenv && /tmp/refenv/bin/pip install scikit-learn numpy
    /tmp/refenv/bin/python tests/arena/reference.py
"""

import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
LN10 = math.log(10)
PRIOR = 1.0
MASK = (1 << 64) - 1


def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def generate():
    rng = np.random.default_rng(20261202)
    models = ["ref/atlas", "ref/birch", "ref/cedar", "ref/delta", "ref/ember", "ref/fjord",
              "ref/grove", "ref/heron"]
    strength = [1.0, 0.6, 0.35, 0.0, -0.2, -0.5, -0.9, -1.4]
    verbosity = [600, 300, 900, 400, 250, 700, 350, 500]
    # heron plays rarely, so its interval is wide.
    weights = np.array([1, 1, 1, 1, 1, 1, 1, 0.15])
    battles = []
    for _ in range(3000):
        a, b = rng.choice(8, size=2, replace=False, p=weights / weights.sum())
        ta = int(rng.lognormal(math.log(verbosity[a]), 0.4))
        tb = int(rng.lognormal(math.log(verbosity[b]), 0.4))
        ha, hb = int(rng.poisson(1 + a % 3)), int(rng.poisson(1 + b % 3))
        la, lb = int(rng.poisson(3)), int(rng.poisson(3))
        ba, bb = int(rng.poisson(2 + a % 2)), int(rng.poisson(2 + b % 2))
        z = strength[a] - strength[b] + 0.8 * (ta - tb) / (ta + tb)
        u = rng.random()
        if u < 0.15:
            winner = "tie"
        elif u < 0.2:
            winner = "tie (bothbad)"
        else:
            winner = "model_a" if rng.random() < 1 / (1 + math.exp(-z)) else "model_b"
        battles.append({
            "model_a": models[a], "model_b": models[b], "winner": winner,
            "conv_metadata": {
                "sum_assistant_a_tokens": ta, "sum_assistant_b_tokens": tb,
                "header_count_a": {"h1": ha}, "header_count_b": {"h1": hb},
                "list_count_a": {"unordered": la}, "list_count_b": {"unordered": lb},
                "bold_count_a": {"**": ba}, "bold_count_b": {"**": bb},
            },
        })
    with open(os.path.join(HERE, "battles.jsonl"), "w") as f:
        for b in battles:
            f.write(json.dumps(b) + "\n")
    return battles


def style_features(battles):
    keys = [("sum_assistant_%s_tokens", None), ("header_count_%s", 1), ("list_count_%s", 1),
            ("bold_count_%s", 1)]
    rows = []
    for b in battles:
        m = b["conv_metadata"]
        row = []
        for key, nested in keys:
            va, vb = m[key % "a"], m[key % "b"]
            if nested:
                va, vb = sum(va.values()), sum(vb.values())
            row.append((va - vb) / (va + vb) if va + vb > 0 else 0.0)
        rows.append(row)
    x = np.array(rows)
    sd = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(sd > 1e-12, sd, 1.0)


def fit(battles, models, prior, features=None):
    """Elo ratings (mean 1000) and, with features, their coefficients in Elo per SD."""
    index = {m: i for i, m in enumerate(models)}
    n = len(models)
    k = 0 if features is None else features.shape[1]
    xs, ys, ws = [], [], []
    for r, b in enumerate(battles):
        x = np.zeros(n + k)
        x[index[b["model_a"]]] = LN10
        x[index[b["model_b"]]] = -LN10
        if k:
            x[n:] = features[r]
        if b["winner"] == "model_a":
            xs.append(x); ys.append(1); ws.append(1.0)
        elif b["winner"] == "model_b":
            xs.append(x); ys.append(0); ws.append(1.0)
        else:
            xs += [x, x]; ys += [1, 0]; ws += [0.5, 0.5]
    for m in range(n if prior > 0 else 0):
        x = np.zeros(n + k)
        x[m] = LN10
        xs += [x, x]; ys += [1, 0]; ws += [prior / 2, prior / 2]
    lr = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-12, max_iter=10000,
                            solver="newton-cholesky")
    lr.fit(np.array(xs), np.array(ys), sample_weight=np.array(ws))
    coef = lr.coef_[0]
    elo = 400 * coef[:n]
    elo = 1000 + elo - elo.mean()
    return elo, coef[n:] * 400 / LN10


def main():
    battles = generate()
    models = sorted({b["model_a"] for b in battles} | {b["model_b"] for b in battles})
    out = {
        "command": "/tmp/refenv/bin/python tests/arena/reference.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__},
        "battles": len(battles),
        "prior": PRIOR,
    }
    elo, _ = fit(battles, models, PRIOR)
    out["ratings"] = dict(zip(models, elo.tolist()))
    mle, _ = fit(battles, models, 0.0)
    out["ratings_mle"] = dict(zip(models, mle.tolist()))

    # Bootstrap on resamples both sides can draw: battle index = splitmix64(seed + r) % N.
    fixed = []
    for r in range(200):
        gen = splitmix64(7 + r)
        sample = [battles[next(gen) % len(battles)] for _ in range(len(battles))]
        fixed.append(fit(sample, models, PRIOR)[0])
    lo, hi = np.percentile(np.array(fixed), [2.5, 97.5], axis=0)
    out["bootstrap_fixed"] = {
        "resamples": 200, "indices": "splitmix64(7 + r) % battles, battles draws per resample",
        "ci": {m: [lo[i], hi[i]] for i, m in enumerate(models)},
    }
    # An ordinary numpy bootstrap: the intervals modelroom's own RNG should come close to.
    rng = np.random.default_rng(1)
    own = []
    for _ in range(1000):
        idx = rng.integers(0, len(battles), len(battles))
        own.append(fit([battles[i] for i in idx], models, PRIOR)[0])
    lo, hi = np.percentile(np.array(own), [2.5, 97.5], axis=0)
    out["bootstrap_numpy"] = {
        "resamples": 1000,
        "ci": {m: [lo[i], hi[i]] for i, m in enumerate(models)},
    }
    features = style_features(battles)
    selo, coefs = fit(battles, models, PRIOR, features)
    out["style"] = {
        "ratings": dict(zip(models, selo.tolist())),
        "coefficients": dict(zip(["length", "headers", "list_items", "bold"], coefs.tolist())),
    }
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
