"""Point-in-grid benchmark: PointIndex.locate_many against a brute-force loop.

Pure (no Django, no database): grids come from gridgov.algorithms.demogeo
(a Voronoi tiling of ~500 m cells, the size of real grids), points are
uniform over the tiled square plus a 2% margin on every side, so a few
percent fall outside every grid and exercise the "not found" path.

    .venv/bin/python bench/pointindex_bench.py                  # 10,000 grids, 1,000,000 points
    .venv/bin/python bench/pointindex_bench.py --grids 500 --points 20000 --sample 500

The brute-force reference (``brute_force_locate``: shapely ``contains`` on
every grid, then ``covers`` for boundary points) runs on the first
``--sample`` points and must give the same answer as the index on EVERY one
of them; the script exits 1 otherwise.  Figures: see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gridgov.algorithms.demogeo import voronoi_grids  # noqa: E402
from gridgov.algorithms.pointindex import NOT_FOUND, PointIndex, brute_force_locate  # noqa: E402


def rss_mib(field: str = "VmRSS") -> float:
    """Resident memory of this process from /proc (Linux); NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak_rss() -> bool:
    """Reset VmHWM so the next peak is the locate step's own (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def release_free_memory() -> None:
    """Hand freed heap back to the OS (glibc), so RSS shows what is still in use."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: RSS stays a bit high
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def build_index(keys: list[int], polygons: list[Any], probe: tuple[float, float]) -> PointIndex:
    """A fresh index, queried once: GEOS builds the STRtree lazily on the first query.

    The probe must be a real point: an empty (NaN) point returns before the
    tree is built, and the build would be timed as part of the first run.
    """
    index = PointIndex(keys, polygons)
    index.locate(*probe)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=10_000, help="points checked by brute force")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the median is reported)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sample = min(args.sample, args.points)

    print(
        f"gridgov point-in-grid benchmark: {args.grids:,} grids, {args.points:,} points, "
        f"brute-force sample {sample:,}, median of {args.runs} runs"
    )
    print(
        f"python {platform.python_version()}, shapely {shapely.__version__} "
        f"(GEOS {'.'.join(map(str, shapely.geos_version))}), numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs"
    )

    rss_start = rss_mib()
    generate_s, (polygons, bounds) = timed(lambda: voronoi_grids(args.grids, seed=args.seed))
    keys = list(range(1, len(polygons) + 1))  # ascending like grid ids: ties go to the smallest
    rss_grids = rss_mib()

    rng = np.random.default_rng(args.seed)
    min_x, min_y, max_x, max_y = bounds
    margin_x, margin_y = 0.02 * (max_x - min_x), 0.02 * (max_y - min_y)
    xs = rng.uniform(min_x - margin_x, max_x + margin_x, args.points)
    ys = rng.uniform(min_y - margin_y, max_y + margin_y, args.points)
    found = np.empty(args.points, dtype=np.int64)  # allocated now: not counted as index memory

    probe = ((min_x + max_x) / 2, (min_y + max_y) / 2)
    builds = []
    index: PointIndex | None = None
    release_free_memory()
    rss_before_index = rss_mib()
    for _ in range(args.runs):
        # PointIndex prepares the polygons in place; unprepare them so every
        # build pays for preparing, as a process starting up does.
        index = None
        shapely.destroy_prepared(polygons)
        seconds, index = timed(lambda: build_index(keys, polygons, probe))
        builds.append(seconds)
    assert index is not None
    # GEOS fills each prepared polygon's point locator on its first query: ask
    # every grid once (a point inside each) so the index is measured warm.
    inner = shapely.get_coordinates(shapely.point_on_surface(np.asarray(polygons, dtype=object)))
    index.locate_many(inner[:, 0], inner[:, 1])
    del inner
    release_free_memory()
    rss_index = rss_mib() - rss_before_index

    peak_reset = reset_peak_rss()
    runs = []
    for _ in range(args.runs):
        seconds, result = timed(lambda: index.locate_many(xs, ys))
        runs.append(seconds)
        found[:] = result
        del result
    peak = rss_mib("VmHWM")
    indexed_rate = args.points / statistics.median(runs)

    # Brute force on the sample, in `runs` equal chunks so its rate is a median too.
    brute = np.empty(sample, dtype=np.int64)
    chunk_rates = []
    for chunk in np.array_split(np.arange(sample), max(1, min(args.runs, sample))):
        started = time.perf_counter()
        for i in chunk:
            answer = brute_force_locate(keys, polygons, float(xs[i]), float(ys[i]))
            brute[i] = NOT_FOUND if answer is None else answer
        chunk_rates.append(len(chunk) / (time.perf_counter() - started))
    brute_rate = statistics.median(chunk_rates)
    mismatches = np.flatnonzero(brute != found[:sample])
    outside = int(np.count_nonzero(found == NOT_FOUND))

    rows = [
        ("generate grids (Voronoi)", f"{generate_s:.2f} s", ""),
        (
            "build index (+ 1st query)",
            f"{statistics.median(builds) * 1000:.1f} ms",
            " / ".join(f"{b * 1000:.1f}" for b in builds) + " ms",
        ),
        (
            "indexed locate_many",
            f"{indexed_rate:,.0f} points/s",
            " / ".join(f"{r:.3f}" for r in runs) + f" s for {args.points:,}",
        ),
        (
            "brute force (sample)",
            f"{brute_rate:,.0f} points/s",
            " / ".join(f"{r:,.0f}" for r in chunk_rates) + " points/s per chunk",
        ),
        ("speed-up", f"{indexed_rate / brute_rate:,.0f}x", "indexed / brute force"),
        (
            "agreement on sample",
            f"{sample - len(mismatches):,}/{sample:,}",
            "OK" if len(mismatches) == 0 else "MISMATCH",
        ),
        ("points outside all grids", f"{outside:,}", f"{outside / args.points:.1%}"),
        (
            "memory: RSS after grids",
            f"{rss_grids:.0f} MiB",
            f"{rss_grids - rss_start:+.0f} MiB for the polygons",
        ),
        ("memory: index", f"{rss_index:+.0f} MiB", "tree + prepared polygons, warm"),
        (
            "memory: peak RSS in locate",
            f"{peak:.0f} MiB" if peak_reset else f"{peak:.0f} MiB (process peak)",
            f"{args.points:,} points at once",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print()
    print(f"{'step':<{width}}  {'median':>{value_width}}  runs / notes")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 30}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}")
    if len(mismatches):
        for i in mismatches[:10]:
            print(
                f"mismatch at ({xs[i]!r}, {ys[i]!r}): index {found[i]}, brute force {brute[i]}",
                file=sys.stderr,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
