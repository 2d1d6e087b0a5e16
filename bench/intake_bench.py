"""Case intake under concurrent load, as a share of the same server's bare ``GET /health/``.

Runs the production server (``gridgov serve``, waitress) on a throwaway
database: SQLite in a temporary directory (``--db sqlite``, the default) or
the PostgreSQL database ``gridgov_bench_intake`` on
postgres://postgres@127.0.0.1:5432 (``--db postgres``: created, then
dropped; never the project's var/ nor a DATABASE_URL from the environment).
It migrates, loads the demo street without case history, gives a few
residents, grid workers and a firm API tokens, and then alternates, for
``--rounds`` rounds, ``--clients`` keep-alive clients hammering

  (a) ``GET /health/`` (one ``SELECT 1``: the server's own ceiling), and
  (b) ``POST /api/v1/cases`` with varied Chinese reports, catalogue
      categories and points inside the street's grids, so that routing,
      dispatch (直派), deadlines and the ledger run (notifications: the worker),

each for ``--warmup`` + ``--duration`` seconds (only the latter counted).
Medians of the rounds are reported; the ratio intake/health should be at
least 0.25.  Afterwards the cases in the database must equal the 201
answers and the ledger must verify.  Exit 1 on any failed request, a
failed check or a ratio below the target.

    .venv/bin/python bench/intake_bench.py [--db sqlite|postgres] [--clients 8]
        [--duration 10] [--warmup 2] [--rounds 3] [--threads 8]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "gridgov_bench_intake"
HOST = "127.0.0.1"
TARGET_RATIO = 0.25
PAYLOADS = 4000  # distinct request bodies, used in turn
RESIDENTS = 6  # residents with tokens besides the demo persona


# --------------------------------------------------------------------------- databases


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def create_pg_database() -> str:
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
    return f"{PG_SERVER}/{PG_DATABASE}"


def drop_pg_database() -> None:
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')


# --------------------------------------------------------------------------- the street


@dataclass
class Caller:
    username: str
    token: str
    source: str  # resident, patrol (grid worker) or enterprise


def prepare(rng: random.Random) -> list[Caller]:
    """Migrate, load the demo street (no history), give the callers their tokens."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from gridgov.accounts.actions import assign_role, create_api_token, create_user
    from gridgov.accounts.models import Role
    from gridgov.core.demo_data import load_demo
    from gridgov.places.models import Household

    call_command("migrate", verbosity=0, interactive=False)
    load_demo(cases=0)
    users = get_user_model().objects
    personas = {
        "resident_a": "resident",
        "grid_worker_a": "patrol",
        "grid_worker_b": "patrol",
        "enterprise_a": "enterprise",
    }
    callers = []
    for username, source in personas.items():
        _token, raw = create_api_token(user=users.get(username=username), name="intake bench")
        callers.append(Caller(username, raw, source))
    households = list(Household.objects.order_by("pk"))
    for number, household in enumerate(rng.sample(households, RESIDENTS), start=1):
        user = create_user(
            username=f"bench_resident_{number}",
            password=None,  # type: ignore[arg-type]  # an unusable password: token only
            full_name=household.head_name,
        )
        assign_role(user=user, role=Role.RESIDENT, target=household)
        _token, raw = create_api_token(user=user, name="intake bench")
        callers.append(Caller(user.username, raw, "resident"))
    return callers


@dataclass
class Reports:
    """What the reports are made of (read once from the database)."""

    weights: dict[str, dict[str, float]]  # per source: category code -> how often
    buildings: list[Any]
    roads: list[str]
    firm: str


def _reports() -> Reports:
    from gridgov.cases.models import Category
    from gridgov.core import demo_cases
    from gridgov.core.demo_texts import TEXTS
    from gridgov.places.models import Building, Organisation

    # The demo history's mix per source, over the active categories it has words for.
    active = set(
        Category.objects.filter(active=True, code__in=TEXTS).values_list("code", flat=True)
    )
    mixes = {
        "resident": demo_cases.CATEGORY_WEIGHTS,
        "patrol": demo_cases.PATROL_WEIGHTS,
        "enterprise": demo_cases.ENTERPRISE_WEIGHTS,
    }
    buildings = list(Building.objects.only("name", "road", "lat", "lng", "floors"))
    return Reports(
        weights={
            source: {code: weight for code, weight in mix.items() if code in active}
            for source, mix in mixes.items()
        },
        buildings=buildings,
        roads=sorted({b.road for b in buildings if b.road}),
        firm=Organisation.objects.get(name="青岛新铧教育咨询有限公司").name,
    )


def _fill(rng: random.Random, building: Any, reports: Reports) -> dict[str, str]:
    from gridgov.core import demo_texts as T

    road = building.road or rng.choice(reports.roads)
    return {
        "b": building.name,
        "road": road,
        "cross": rng.choice([r for r in reports.roads if r != road] or reports.roads),
        "u": str(rng.randint(1, 3)),
        "f": str(rng.randint(2, max(2, building.floors or 6))),
        "n": str(rng.randint(2, 9)),
        "dur": rng.choice(T.DURATIONS),
        "since": rng.choice(T.SINCE),
        "night": rng.choice(T.NIGHTS),
        "shop": rng.choice(T.SHOPS),
        "age": rng.choice(T.AGES),
        "kin": rng.choice(T.KIN),
        "temp": str(rng.randint(13, 16)),
        "warm": str(rng.randint(18, 21)),
        "trade": rng.choice(T.TRADES),
        "org": reports.firm,
    }


def _point_in_grid(rng: random.Random, building: Any) -> tuple[float, float]:
    """A point a few metres from the building, still inside a grid (else the building's)."""
    from gridgov.places.index import locate_grid_id

    lat = building.lat + rng.uniform(-0.0002, 0.0002)
    lng = building.lng + rng.uniform(-0.0002, 0.0002)
    if locate_grid_id(lat, lng) is None:
        return building.lat, building.lng
    return round(lat, 6), round(lng, 6)


def _description(source: str, code: str, fill: dict[str, str], rng: random.Random) -> str:
    from gridgov.core import demo_texts as T

    texts = T.TEXTS[code]
    if source == "patrol":
        core = rng.choice(texts.patrol or texts.problems)
        return f"{rng.choice(T.PATROL_OPEN)}{core}。{rng.choice(T.PATROL_CLOSE)}".format(**fill)
    if source == "enterprise":
        core = rng.choice(texts.problems).replace("{u}单元", "")
        text = f"{rng.choice(T.ENTERPRISE_OPEN_PLACE)}{core}，影响企业正常生产经营。"
        return (text + rng.choice(T.ENTERPRISE_ASK)).format(**fill)
    core = rng.choice(texts.problems)
    opening = rng.choice([o for o in T.RESIDENT_OPEN if "{" not in o])
    feel = f"，{rng.choice(texts.feel)}" if rng.random() < 0.75 else ""
    return f"{opening}{core}{feel}。{rng.choice(T.RESIDENT_ASK)}".format(**fill)


def make_bodies(callers: list[Caller], rng: random.Random) -> dict[str, list[bytes]]:
    """``PAYLOADS`` JSON reports in all, spread over the callers in the voice of each."""
    reports = _reports()
    bodies: dict[str, list[bytes]] = {caller.username: [] for caller in callers}
    channel = {"resident": "app", "patrol": "patrol", "enterprise": "web"}
    kind = {"resident": "demand", "patrol": "patrol", "enterprise": "enterprise"}
    for number in range(PAYLOADS):
        caller = callers[number % len(callers)]
        building = rng.choice(reports.buildings)
        mix = reports.weights[caller.source]
        code = rng.choices(list(mix), list(mix.values()))[0]
        lat, lng = _point_in_grid(rng, building)
        report = {
            "description": _description(caller.source, code, _fill(rng, building, reports), rng),
            "category": code,
            "lat": lat,
            "lng": lng,
            "address": building.name if rng.random() < 0.6 else "",
            "channel": channel[caller.source],
            "kind": kind[caller.source],
            "priority": "urgent" if rng.random() < 0.05 else "normal",
            "anonymous": caller.source == "resident" and rng.random() < 0.1,
        }
        bodies[caller.username].append(json.dumps(report, ensure_ascii=False).encode())
    return bodies


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def gridgov_command() -> list[str]:
    script = Path(sys.executable).with_name("gridgov")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gridgov"]


@contextlib.contextmanager
def server(env: dict[str, str], port: int, threads: int, log_path: Path) -> Iterator[None]:
    """``gridgov serve`` in a subprocess, up (``/health/`` answers) until the block ends."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*gridgov_command(), "serve", "--port", str(port), "--threads", str(threads)],
            env=env,
            cwd=env["GRIDGOV_DATA_DIR"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server stopped:\n{log_path.read_text()[-3000:]}")
                with contextlib.suppress(OSError, http.client.HTTPException):
                    connection = http.client.HTTPConnection(HOST, port, timeout=2)
                    connection.request("GET", "/health/")
                    if connection.getresponse().status == 200:
                        connection.close()
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not answer /health/ within 60 s")
                time.sleep(0.2)
            yield
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --------------------------------------------------------------------------- load


@dataclass
class Phase:
    """One measured run of one endpoint."""

    name: str
    rate: float  # answered requests per second in the measured window
    p50_ms: float
    p95_ms: float
    requests: int  # in the measured window
    errors: int  # non-2xx or failed, warm-up included
    created: int  # 201 answers, warm-up included
    samples: list[str]


@dataclass
class Request:
    method: str
    path: str
    bodies: list[bytes]
    headers: dict[str, str]


def run_phase(
    name: str, requests: list[Request], port: int, clients: int, warmup: float, duration: float
) -> Phase:
    """``clients`` threads, each on one keep-alive connection, until the time is up."""
    started = time.perf_counter()
    counted_from, stop = started + warmup, started + warmup + duration
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    samples: list[str] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        request = requests[number % len(requests)]
        turn = number * 7919  # different clients start at different bodies
        mine: list[float] = []
        seen: dict[int, int] = {}
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        while (now := time.perf_counter()) < stop:
            body = request.bodies[turn % len(request.bodies)] if request.bodies else None
            turn += 1
            try:
                connection.request(request.method, request.path, body, request.headers)
                response = connection.getresponse()
                content = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status, content = 0, repr(exc).encode()
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
            done = time.perf_counter()
            seen[status] = seen.get(status, 0) + 1
            if not 200 <= status < 300 and len(samples) < 5:
                with lock:
                    samples.append(f"{status}: {content[:300].decode(errors='replace')}")
            if counted_from <= done <= stop:
                mine.append(done - now)
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]
    return Phase(
        name=name,
        rate=len(latencies) / duration,
        p50_ms=1000 * ordered[len(ordered) // 2],
        p95_ms=1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        requests=len(latencies),
        errors=sum(count for status, count in statuses.items() if not 200 <= status < 300),
        created=statuses.get(201, 0),
        samples=samples,
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds a phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted seconds first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (default 8)")
    parser.add_argument(
        "--conn-max-age",
        default=None,
        help="DB_CONN_MAX_AGE for the server (default: the deployment's default)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    data_dir = tempfile.mkdtemp(prefix="gridgov-intake-bench-")
    # Settings read these at import: they must be set before django.setup().
    os.environ["GRIDGOV_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ["ALLOWED_HOSTS"] = HOST
    if args.conn_max_age is not None:
        os.environ["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = create_pg_database()
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(data_dir) / 'bench.sqlite3'}"
    try:
        return run(args, rng, Path(data_dir))
    finally:
        from django.db import connections

        connections.close_all()
        if args.db == "postgres":
            drop_pg_database()
        shutil.rmtree(data_dir, ignore_errors=True)


def run(args: argparse.Namespace, rng: random.Random, data_dir: Path) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from gridgov.cases.ledger import verify_ledger
    from gridgov.cases.models import Case, CaseEvent, Notification, OutboxMessage
    from gridgov.cases.sweep import announce_pending

    started = time.perf_counter()
    callers = prepare(rng)
    bodies = make_bodies(callers, rng)
    prepare_s = time.perf_counter() - started
    connection.close()  # the server writes now; this process only reads at the end

    intake = [
        Request(
            "POST",
            "/api/v1/cases",
            bodies[caller.username],
            {"Authorization": f"Bearer {caller.token}", "Content-Type": "application/json"},
        )
        for caller in callers
    ]
    health = [Request("GET", "/health/", [], {})]
    port = free_port()
    env = dict(os.environ)
    phases: dict[str, list[Phase]] = {"health": [], "intake": []}
    log_path = data_dir / "server.log"
    with server(env, port, args.threads, log_path):
        for _round in range(args.rounds):
            for name, requests in (("health", health), ("intake", intake)):
                phases[name].append(
                    run_phase(name, requests, port, args.clients, args.warmup, args.duration)
                )
    server_log = log_path.read_text(errors="replace")

    created = sum(phase.created for phase in phases["intake"])
    in_db = Case.objects.count()
    events = CaseEvent.objects.count()
    # What the worker does after intake (off the request): the intakes' notices.
    announce_started = time.perf_counter()
    announced = announce_pending()
    announce_s = time.perf_counter() - announce_started
    notifications = Notification.objects.count()
    outbox = OutboxMessage.objects.count()
    outbox_expected = events * len(settings.GRIDGOV_OUTBOX_SENDERS)
    dispatched = Case.objects.filter(dispatched_at__isnull=False).count()
    checked, problems = verify_ledger()
    connection.close()

    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(phase, attribute) for phase in phases[name])

    health_rate, intake_rate = median("health", "rate"), median("intake", "rate")
    ratio = intake_rate / health_rate if health_rate else 0.0
    errors = {name: sum(phase.errors for phase in runs) for name, runs in phases.items()}

    print(
        f"gridgov intake benchmark: {args.db}, {args.clients} clients, waitress "
        f"{args.threads} threads, {args.rounds} rounds of {args.warmup:g} s warm-up + "
        f"{args.duration:g} s, DB_CONN_MAX_AGE={os.environ.get('DB_CONN_MAX_AGE', '0 (default)')}"
    )
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"(setup: migrate + demo street + {len(callers)} tokens in {prepare_s:.1f} s; "
        f"{os.cpu_count()} cores, load average {load})"
    )
    print()
    print(f"{'':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}   rounds (req/s)")
    for name, label in (("health", "GET /health/"), ("intake", "POST /api/v1/cases")):
        rounds = " ".join(f"{phase.rate:7.1f}" for phase in phases[name])
        print(
            f"{label:<22} {median(name, 'rate'):8.1f} {median(name, 'p50_ms'):8.1f} "
            f"{median(name, 'p95_ms'):8.1f} {errors[name]:7d}   {rounds}"
        )
    print()
    verdict = "ok" if ratio >= TARGET_RATIO else "BELOW TARGET"
    print(f"{'intake / health':<22} {ratio:8.3f}   (target >= {TARGET_RATIO}: {verdict})")
    print(f"{'201 answers':<22} {created:8d}")
    print(f"{'cases in the database':<22} {in_db:8d}   ({dispatched} dispatched at intake)")
    print(f"{'ledger events':<22} {events:8d}")
    print(
        f"{'worker announced':<22} {announced:8d} cases in {announce_s:.1f} s: "
        f"{notifications} notifications, {outbox} outbox messages (expected {outbox_expected})"
    )
    print(f"{'ledger verify':<22} {checked:8d} cases, {len(problems)} problems")

    failed = False
    for name, runs in phases.items():
        for phase in runs:
            for sample in phase.samples:
                print(f"{name} error {sample}", file=sys.stderr)
    if any(errors.values()):
        print(f"failed requests: {errors}", file=sys.stderr)
        failed = True
    for needle in ("database is locked", "Traceback"):
        if needle in server_log:
            print(f"the server log has '{needle}':\n{server_log[-3000:]}", file=sys.stderr)
            failed = True
            break
    if in_db != created:
        print(f"{in_db} cases in the database for {created} answers 201", file=sys.stderr)
        failed = True
    if announced != in_db or outbox != outbox_expected:
        print(f"the worker announced {announced} of {in_db} cases", file=sys.stderr)
        failed = True
    if problems:
        print("\n".join(problems[:10]), file=sys.stderr)
        failed = True
    if ratio < TARGET_RATIO:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
