"""Category classifier: texts per second on one core, and the `gridgov classify` command end to end.

Trains the model of a fresh install (the shipped corpus), then classifies the
corpus and the separate test set, repeated to ``--texts`` texts, in batches of
``--batch`` (the command's default), ``--repeat`` times on one thread (BLAS
and OpenMP pinned to one), and prints the median rate. Then it pipes
``--cli-texts`` JSON lines through ``gridgov classify`` on a fresh SQLite
database (migrations only) and prints the wall time, start-up and training
included. Exits 1 below ``--target`` texts per second.

    .venv/bin/python bench/classify_bench.py [--texts 50000] [--repeat 5]
"""

from __future__ import annotations

import os

# One core: numpy's BLAS and scikit-learn's OpenMP must not spread out.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cli-texts", type=int, default=20_000)
    parser.add_argument("--target", type=float, default=5_000)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    from gridgov.algorithms.textclass import CategoryModel
    from gridgov.insights.classifier import shipped_corpus

    corpus = shipped_corpus()
    test_rows = [
        json.loads(line)
        for line in (ROOT / "tests/data/insights/classify_test.jsonl")
        .read_text("utf-8")
        .splitlines()
        if line.strip()
    ]
    started = time.perf_counter()
    model = CategoryModel().fit([t for t, _ in corpus], [c for _, c in corpus])
    train_s = time.perf_counter() - started
    pool = [t for t, _ in corpus] + [row["text"] for row in test_rows]
    texts = (pool * (args.texts // len(pool) + 1))[: args.texts]
    mean_chars = statistics.mean(len(t) for t in texts)
    rates = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for i in range(0, len(texts), args.batch):
            model.predict(texts[i : i + args.batch])
        rates.append(len(texts) / (time.perf_counter() - started))
    rate = statistics.median(rates)
    print(f"classifier: trained on {len(corpus):,} examples in {train_s:.2f} s")
    print(
        f"classify {len(texts):,} texts (mean {mean_chars:.0f} characters) in batches of "
        f"{args.batch:,}, one thread: median {rate:,.0f} texts/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in rates)}); target {args.target:,.0f}"
    )

    with tempfile.TemporaryDirectory(prefix="gridgov-classify-bench-") as data_dir:
        env = {
            **os.environ,
            "GRIDGOV_DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{Path(data_dir) / 'db.sqlite3'}",
        }
        gridgov = str(ROOT / ".venv" / "bin" / "gridgov")
        subprocess.run([gridgov, "migrate", "-v", "0"], env=env, check=True)
        lines = "".join(
            json.dumps({"text": texts[i % len(texts)]}, ensure_ascii=False) + "\n"
            for i in range(args.cli_texts)
        )
        started = time.perf_counter()
        done = subprocess.run(
            [gridgov, "classify"], env=env, input=lines, capture_output=True, text=True, check=True
        )
        cli_s = time.perf_counter() - started
        answers = done.stdout.splitlines()
        assert len(answers) == args.cli_texts and "category" in json.loads(answers[0])
        print(
            f"gridgov classify on a fresh database: {args.cli_texts:,} lines in {cli_s:.1f} s "
            f"({args.cli_texts / cli_s:,.0f} lines/s, start-up and training included)"
        )
    return 0 if rate >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
