"""Fit the pair score of ``dedupe.same_problem`` on a labelled set of reports.

The set (JSON Lines: id, text, lat, lng, reported_at, problem) is by default the shipped
training set ``gridgov/algorithms/data/duplicates_train.jsonl``. Every pair of reports
within RADIUS_M and WINDOW of each other is an example, labelled by whether the two are
one problem; a logistic regression (L2, Newton's method: deterministic) over
``dedupe.PAIR_FEATURES`` gives the weights, and the intercept is then moved to where the
clustering of ``find_duplicates`` has the best pairwise F1 on the same set. The
classifier's readings (topics) come from the shipped corpus model, as in production.

    .venv/bin/python -m gridgov.algorithms.dedupe_fit            # print the weights
    .venv/bin/python -m gridgov.algorithms.dedupe_fit --write    # and write them into dedupe.py

The fitting needs numpy and the classifier (not a dependency of ``dedupe`` itself).
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
from pathlib import Path

import numpy as np

from gridgov.algorithms import dedupe

TRAIN = Path(__file__).resolve().parent / "data" / "duplicates_train.jsonl"
MODULE = Path(dedupe.__file__)
# Strength of the L2 penalty (per example): keeps the weights small where a feature is rare.
L2 = 1e-3


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def reports_of(rows: list[dict]) -> list[dedupe.Report]:
    from gridgov.insights.classifier import corpus_model

    topics = corpus_model().predict([row["text"] for row in rows])
    return [
        dedupe.Report(
            row["id"],
            row["text"],
            row["lat"],
            row["lng"],
            datetime.datetime.fromisoformat(row["reported_at"]),
            None,
            dict(topic.top),
        )
        for row, topic in zip(rows, topics, strict=True)
    ]


def examples(reports: list[dedupe.Report], truth: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair within the radius and the window: its features and whether it is one problem."""
    ordered = sorted(reports, key=lambda r: (r.at, r.id))
    feats = {r.id: dedupe.features(r.text, r.topics) for r in ordered}
    rows, labels = [], []
    for j, later in enumerate(ordered):
        for earlier in ordered[:j]:
            gap = later.at - earlier.at
            metres = dedupe.distance_m(earlier.lat, earlier.lng, later.lat, later.lng)
            if gap > dedupe.WINDOW or metres > dedupe.RADIUS_M:
                continue
            rows.append(dedupe.pair_features(feats[later.id], feats[earlier.id], metres, gap))
            labels.append(1.0 if truth[later.id] == truth[earlier.id] else 0.0)
    return np.array(rows), np.array(labels)


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (the intercept not penalised)."""
    n, k = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    penalty = np.full(k + 1, l2 * n)
    penalty[-1] = 0.0
    beta = np.zeros(k + 1)
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return beta[:-1], float(beta[-1])


def cluster_f1(reports: list[dedupe.Report], truth: dict[str, str]) -> tuple[float, float, float]:
    return dedupe.pairwise_f1(dedupe.find_duplicates(reports), truth)


def fit(path: Path) -> tuple[tuple[float, ...], float, float]:
    """The weights, the intercept and the veto fitted on the set at ``path``."""
    rows = read_set(path)
    truth = {row["id"]: row["problem"] for row in rows}
    reports = reports_of(rows)
    x, y = examples(reports, truth)
    weights, intercept = logistic(x, y)
    rounded = tuple(round(float(w), 3) for w in weights)
    # The intercept and the veto that cluster the set best (pairs are not independent: a
    # report joins one problem, so the pairwise optimum is not the clustering's). Ties go
    # to the smallest move of the regression's own intercept, then to the mildest veto.
    saved = dedupe.WEIGHTS, dedupe.INTERCEPT, dedupe.VETO
    best: tuple[float, float, float, float] = (-1.0, 0.0, intercept, 0.0)
    try:
        dedupe.WEIGHTS = rounded
        for shift in np.arange(-1.5, 1.51, 0.1):
            for veto in (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0):
                dedupe.INTERCEPT = round(intercept + float(shift), 3)
                dedupe.VETO = veto
                f1 = cluster_f1(reports, truth)[2]
                key = (round(f1, 6), -abs(round(float(shift), 1)), veto)
                if key > (round(best[0], 6), -abs(best[1]), best[3]):
                    best = (f1, round(float(shift), 1), dedupe.INTERCEPT, veto)
    finally:
        dedupe.WEIGHTS, dedupe.INTERCEPT, dedupe.VETO = saved
    print(f"{len(y)} pairs ({int(y.sum())} of one problem) from {len(rows)} reports of {path}")
    for name, w in zip(dedupe.PAIR_FEATURES, rounded, strict=True):
        print(f"  {name:18} {w:+.3f}")
    print(
        f"  intercept {intercept:+.3f}; for the clustering {best[2]:+.3f} with veto {best[3]}"
        f" (F1 {best[0]:.3f})"
    )
    return rounded, best[2], best[3]


def write(weights: tuple[float, ...], intercept: float, veto: float) -> None:
    text = MODULE.read_text("utf-8")
    body = "".join(
        f"    {w!r},  # {name}\n" for name, w in zip(dedupe.PAIR_FEATURES, weights, strict=True)
    )
    text, n = re.subn(
        r"VETO = [-0-9.]+\nWEIGHTS: tuple\[float, \.\.\.\] = .*?\nINTERCEPT = [-0-9.]+\n",
        f"VETO = {veto!r}\nWEIGHTS: tuple[float, ...] = (\n{body})\nINTERCEPT = {intercept!r}\n",
        text,
        flags=re.S,
    )
    assert n == 1, "VETO, WEIGHTS and INTERCEPT not found in dedupe.py"
    MODULE.write_text(text, "utf-8")
    print(f"written into {MODULE}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=TRAIN, help="labelled reports (JSON Lines)")
    parser.add_argument("--write", action="store_true", help="write the weights into dedupe.py")
    args = parser.parse_args(argv)
    weights, intercept, veto = fit(args.set)
    if args.write:
        write(weights, intercept, veto)


if __name__ == "__main__":
    main()
