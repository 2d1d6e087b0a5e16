"""Bulk case history for load tests: ``seed_cases(street, n)`` (``gridgov seed --cases N``).

200,000 cases through the actions would take hours (a lock, a ledger event,
notifications and an audit row per step), so the seeder writes what the
actions would have written, with ``bulk_create``, in one transaction and with
ONE summary audit row (action ``"seed"``), as the household seeder does:

* cases spread over the street's grids and buildings (a few with no place),
  the catalogue's categories, the intake channels and kinds, submitted over
  the last ``days`` days, more in the daytime; descriptions in the demo's words;
* every status, reached step by step through the workflow table
  (``workflow.check``): intake with routing (``routing.route``, so the lead
  unit and the reason are the real ones) or by the dispatcher, response,
  whistles with their ``Summons`` and reports for duty, returns and
  re-dispatches, extensions, suspensions, merges, rejections, resolution,
  verification or rework, ratings (an unsatisfied one reopens the case);
  steps that would fall after ``now`` are not taken, so recent cases are open;
* the deadlines sweep played along: a case past its response limit is flagged,
  one past its resolution limit is escalated one level up with a ledger event
  and a summons (again after ``GRIDGOV_ESCALATION_HOURS``), as ``cases.sweep``
  does, so the seeded state is the one the worker would have left;
* human-readable numbers per street and day continuing the street's
  ``CaseNumberCounter`` rows, which are moved on: later real intake never
  collides;
* the ledger: every step is a ``CaseEvent`` chained with ``ledger.event_hash``,
  and each case keeps ``event_count``, ``last_hash`` and ``version``, so
  ``gridgov ledger verify`` passes.

Not written: notifications and outbox messages (a year of them would only be
noise) and photos.  Case ids are reserved before the rows are built (the
events hash the case id): PostgreSQL hands them out from the sequence,
SQLite takes the next ones inside the write transaction it already holds.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gridgov.algorithms.dedupe import cell_number, reading
from gridgov.cases.catalogue import sync_categories
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseNumberCounter,
    Category,
    Channel,
    Priority,
    Rating,
    Summons,
    Unit,
    UnitKind,
)
from gridgov.cases.seed_history import (
    DAY,
    HOUR,
    MINUTE,
    SYSTEM,
    History,
    Person,
    StreetData,
    hours,
    load_street,
)
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import audit
from gridgov.core import demo_texts as T

# The demo history's hours and words: the seeded cases read like the demo's.
from gridgov.core.demo_cases import CATEGORY_DEPARTMENT, GROUP_DEPARTMENT, HOURS, say_it
from gridgov.core.demo_data import Writer, _say, mobile_number, person_name
from gridgov.places.models import Building, Street

BATCH = 1000  # cases per round of inserts
EVENT_BATCH = 5000
DAYS = 365
# Where cases come from: (source, share); a source sets the channel, the kind and the requester.
SOURCES: dict[str, float] = {"resident": 50, "hotline": 24, "patrol": 20, "enterprise": 4, "api": 2}
# Residents report on the web or in the app.
RESIDENT_CHANNELS: dict[str, float] = {Channel.WEB: 45, Channel.APP: 55}


# --------------------------------------------------------------------------- how cases go


@dataclass
class Plan:
    """One case to be: when, from where and whom, and how it goes."""

    at: datetime.datetime
    source: str
    fate: str = "normal"
    twists: frozenset[str] = frozenset()


def _fate(rng: random.Random, age: datetime.timedelta, source: str) -> str:
    """How the case ends up, within what its age allows (most are handled and closed)."""
    roll = rng.random()
    if source in ("resident", "hotline", "api"):
        if age < 1.5 * DAY and roll < 0.25:
            return "waiting"  # no category: waits for the dispatcher
        if 1.5 * DAY < age < 3 * DAY and roll < 0.1:
            return "registered"
        if roll < 0.02:
            return "rejected"
    roll = rng.random()
    if roll < 0.015:
        return "merged"
    if 1 * DAY < age < 5 * DAY and roll < 0.1:
        return "returned"
    if roll < (0.06 if age < 30 * DAY else 0.004):
        return "unanswered"  # dispatched, nobody responded
    if roll < (0.12 if age < 60 * DAY else 0.01):
        return "stuck"  # responded to, then nothing: past its limit, escalated
    if age > 10 * DAY and roll < 0.03:
        return "suspended"
    return "normal"


def _twists(rng: random.Random) -> frozenset[str]:
    odds = {
        "manual": 0.12,  # the dispatcher files it (no category at intake)
        "whistle": 0.09,
        "return": 0.04,
        "extension": 0.05,
        "rework": 0.03,
        "late": 0.07,  # resolved after its limit (and escalated before)
    }
    return frozenset(name for name, p in odds.items() if rng.random() < p)


def _fill(data: StreetData, rng: random.Random, building: Building | None) -> dict[str, str]:
    road = building.road if building is not None and building.road else rng.choice(data.roads)
    floors = (building.floors if building is not None else None) or 6
    return {
        "b": building.name if building is not None else f"{road}{rng.randint(1, 80)}号",
        "road": road,
        "cross": rng.choice(data.roads),
        "u": str(rng.randint(1, 3)),
        "f": str(rng.randint(2, max(2, floors))),
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
        "org": "",
    }


class Seeder:
    """Builds and writes the cases of one street, a batch at a time."""

    def __init__(self, data: StreetData, now: datetime.datetime, rng: random.Random) -> None:
        self.data = data
        self.now = now
        self.rng = rng
        self.counters: dict[datetime.date, CaseNumberCounter] = {}
        self.touched: set[datetime.date] = set()
        # (grid id, category id) -> (pk, number) of a live case: what a duplicate merges into
        self.originals: dict[tuple[int | None, int | None], tuple[int, str]] = {}
        self.counts: Counter[str] = Counter()

    # -- numbers

    def load_counters(self, first_day: datetime.date) -> None:
        for counter in CaseNumberCounter.objects.select_for_update().filter(
            street=self.data.street, day__gte=first_day
        ):
            self.counters[counter.day] = counter

    def number(self, at: datetime.datetime) -> str:
        day = timezone.localdate(at)
        counter = self.counters.get(day)
        if counter is None:
            counter = self.counters[day] = CaseNumberCounter(street=self.data.street, day=day)
        counter.last += 1
        self.touched.add(day)
        return f"{self.data.street.code}-{day:%Y%m%d}-{counter.last:04d}"

    def save_counters(self) -> None:
        touched = [self.counters[day] for day in sorted(self.touched)]
        CaseNumberCounter.objects.bulk_create([c for c in touched if c.pk is None])
        CaseNumberCounter.objects.bulk_update([c for c in touched if c.pk is not None], ["last"])

    # -- one case

    def build(self, pk: int, plan: Plan) -> History:
        data, rng = self.data, self.rng
        source = plan.source
        grid = rng.choices(data.grids, data.grid_weights)[0]
        buildings = data.buildings.get(grid.pk) or []
        building = rng.choice(buildings) if buildings else None
        category = rng.choices(data.categories, data.category_weights)[0]
        requester = SYSTEM
        name = phone = ""
        kind: str = CaseKind.DEMAND
        channel: str = Channel.WEB
        fill = _fill(data, rng, building)
        voice = source
        if source == "resident":
            channel = rng.choices(list(RESIDENT_CHANNELS), list(RESIDENT_CHANNELS.values()))[0]
            people = data.residents.get(grid.pk)
            if people:
                requester = rng.choice(people)
            else:
                name, phone = person_name(rng), mobile_number(rng)
        elif source in ("hotline", "api"):
            kind = CaseKind.HOTLINE if source == "hotline" else CaseKind.DEMAND
            channel = Channel.HOTLINE if source == "hotline" else Channel.API
            name, phone = person_name(rng), mobile_number(rng)
            if rng.random() < 0.5:
                name = name[0] + rng.choice(("先生", "女士"))
            voice = "hotline" if source == "hotline" else "resident"
        elif source == "patrol":
            kind, channel = CaseKind.PATROL, Channel.PATROL
            requester = data.grid_workers.get(grid.pk, SYSTEM)
        else:  # enterprise
            kind = CaseKind.ENTERPRISE
            org = rng.choice(data.enterprises) if data.enterprises else None
            fill["org"] = org.name if org is not None else "青岛某某有限公司"
            name, phone = person_name(rng), mobile_number(rng)
            voice = "enterprise"
        description = say_it(voice, category.code, fill, rng, elderly=False)
        lat = lng = None
        if building is not None:
            lat, lng = building.lat, building.lng
        elif grid.pk in data.points:
            lat, lng = data.points[grid.pk]
        fate = plan.fate
        # Patrol reports and firms' requests come with their category; others may not.
        manual = fate in ("waiting", "registered", "rejected") or (
            "manual" in plan.twists and source in ("resident", "hotline", "api")
        )
        no_place = manual and source == "hotline" and rng.random() < 0.1
        refusal = ""
        if fate == "rejected":
            resident_words, hotline_words, refusal = rng.choice(T.REJECTED)
            words = hotline_words if source == "hotline" else resident_words
            description = words.format(**fill)
        case = Case(
            pk=pk,
            number=self.number(plan.at),
            submitted_at=plan.at,
            kind=kind,
            channel=channel,
            priority=Priority.URGENT if rng.random() < 0.04 else Priority.NORMAL,
            category=None if manual else category,
            description=description,
            text_reading=reading(description),
            lat=None if no_place else lat,
            lng=None if no_place else lng,
            geo_cell=None if no_place or lat is None or lng is None else cell_number(lat, lng),
            building=None if no_place or rng.random() < 0.3 else building,
            address="" if no_place or building is None else building.address[:300],
            requester_id=requester.id,
            requester_name=name[:50],
            requester_phone=phone[:32],
            anonymous=source == "resident" and rng.random() < 0.06,
            street_id=data.street.pk,
            community_id=None if no_place else grid.community_id,
            grid=None if no_place else grid,
            lead_unit_id=data.dispatcher.pk,
            routing_reason="",
            kpis_pending=True,  # the worker builds its KPI counts from the ledger written here
        )
        if no_place:
            case.address = f"{data.street.district}{fill['road']}与{fill['cross']}交叉口"
        history = History(data, case, None if no_place else grid, self.now)
        history.submit(requester)
        history.refusal = refusal
        self._play(history, plan, category, requester, manual=manual)
        history.sweep(self.now)
        if case.status not in (Status.MERGED, Status.REJECTED):
            self.originals[(case.grid_id, case.category_id)] = (case.pk, case.number)
        return history

    def _play(
        self, h: History, plan: Plan, category: Category, requester: Person, *, manual: bool
    ) -> None:
        """The steps of one case, up to its fate (or up to now)."""
        data, rng, case = self.data, self.rng, h.case
        dispatcher = data.dispatcher
        clerk = data.person(dispatcher)
        fate, twists = plan.fate, plan.twists
        t = case.submitted_at
        if manual:
            case.routing_reason = (
                _("No category yet: the street's dispatcher decides.")
                if h.grid is not None
                else _("No place given: the street's dispatcher decides.")
            )
            if fate == "waiting":
                return
            t += rng.uniform(0.1, 6) * HOUR
            if fate == "rejected":
                h.step("reject", t, unit=dispatcher, actor=clerk, note=h.refusal)
                return
            if not h.step(
                "register", t, unit=dispatcher, actor=clerk, category=category, registered_at=t
            ):
                return
            if fate == "registered":
                return
            if h.grid is not None:
                lead, _why = data.route(h.grid, category)
            else:
                lead = data.department_for(category)
            note = rng.choice(T.DISPATCH_NOTES)
            t = h.t + rng.uniform(0.05, 2) * HOUR
            if not h.step(
                "dispatch",
                t,
                unit=dispatcher,
                actor=clerk,
                target_units=[lead],
                note=note,
                lead_unit=lead,
                routing_reason=(note or _("Dispatched by the street's dispatcher."))[:300],
                **h.clocks(t),
            ):
                return
        else:
            assert h.grid is not None
            lead, why = data.route(h.grid, category)
            case.routing_reason = why
            h.step("register", t, unit=dispatcher, actor=SYSTEM, registered_at=t)
            h.step(
                "dispatch",
                t,
                unit=dispatcher,
                actor=SYSTEM,
                target_units=[lead],
                note=why,
                lead_unit=lead,
                **h.clocks(t),
            )
        if fate == "merged":
            original = self.originals.get((case.grid_id, case.category_id))
            if original is not None:
                pk, number = original
                h.step(
                    "merge",
                    h.t + rng.uniform(0.2, 8) * HOUR,
                    unit=dispatcher,
                    actor=clerk,
                    data={"into": number},
                    merged_into_id=pk,
                )
                return
        if "return" in twists or fate == "returned":
            lead = h.lead
            other = self._other_unit(h, category)
            reasons = T.RETURN_REASONS.get(lead.kind) or T.RETURN_REASONS["street"]
            if not h.step(
                "return",
                h.t + rng.uniform(1, 20) * HOUR,
                unit=lead,
                note=rng.choice(reasons).format(unit=other.name),
                lead_unit=dispatcher,
            ):
                return
            if fate == "returned":
                return
            t = h.t + rng.uniform(0.3, 6) * HOUR
            reason = rng.choice(T.REDISPATCH_REASONS).format(unit=other.name)
            if not h.step(
                "redispatch",
                t,
                unit=dispatcher,
                actor=clerk,
                target_units=[other],
                note=reason,
                lead_unit=other,
                routing_reason=reason[:300],
                **h.clocks(t),
            ):
                return
        self._handle(h, plan, category, requester, first_round=True)

    def _other_unit(self, h: History, category: Category) -> Unit:
        """Where a returned case goes instead: a department, or the community of the place."""
        department = self.data.department_for(category)
        if h.lead.pk != department.pk:
            return department
        if h.grid is not None:
            return self.data.communities[h.grid.community_id]
        return self.data.dispatcher

    def _handle(
        self, h: History, plan: Plan, category: Category, requester: Person, *, first_round: bool
    ) -> None:
        """Response, whistles, extension, resolution, verification and rating."""
        data, rng, case = self.data, self.rng, h.case
        fate, twists = plan.fate, plan.twists if first_round else frozenset()
        if fate == "unanswered" and first_round:
            return
        late = "late" in twists
        response = category.response_hours * (
            rng.uniform(1.1, 2) if late else rng.uniform(0.05, 0.8)
        )
        t = h.t + hours(response)
        notes = T.ACCEPT_NOTES_HOTLINE if case.channel == Channel.HOTLINE else T.ACCEPT_NOTES
        if not h.step("accept", t, unit=h.lead, note=rng.choice(notes), accepted_at=t):
            return
        if "whistle" in twists:
            self._whistle(h, category)
        if "extension" in twists:
            days = rng.randint(3, 14)
            if not h.step(
                "request_extension",
                h.t + rng.uniform(0.2, 0.6) * category.resolve_days * DAY,
                unit=h.lead,
                note=rng.choice(T.EXTENSION_REASONS),
                data={"days": days},
                extension_days_requested=days,
            ):
                return
            approve = rng.random() < 0.8
            changes: dict[str, Any] = {"extension_days_requested": None}
            if approve and case.resolve_due is not None:
                changes["resolve_due"] = case.resolve_due + datetime.timedelta(days=days)
            words = T.EXTENSION_APPROVALS if approve else T.EXTENSION_REFUSALS
            if not h.step(
                "decide_extension",
                h.t + rng.uniform(1, 24) * HOUR,
                unit=data.dispatcher,
                note=rng.choice(words),
                data={"approved": approve, "days": days},
                **changes,
            ):
                return
        if fate == "suspended" and first_round:
            h.step(
                "suspend",
                h.t + rng.uniform(1, 5) * DAY,
                unit=data.dispatcher,
                note=rng.choice(T.SUSPEND_REASONS),
                data={"resume_to": case.status},
            )
            return
        if fate == "stuck" and first_round:
            return
        assert case.resolve_due is not None
        window = max(case.resolve_due - h.t, HOUR)
        share = rng.uniform(1.05, 1.6) if late else rng.uniform(0.1, 0.9)
        t = h.t + window * share
        reply = (
            rng.choice(T.TEXTS[category.code].replies) if category.code in T.TEXTS else "已处理。"
        )
        if not h.step("resolve", t, unit=h.lead, note=reply, reply=reply, resolved_at=t):
            return
        supervisor = data.supervisor(h.grid)
        t = h.t + rng.uniform(2, 48) * HOUR
        if "rework" in twists:
            if not h.step(
                "rework",
                t,
                unit=supervisor,
                note=rng.choice(T.REWORK_NOTES),
                resolved_at=None,
                accepted_at=None,
            ):
                return
            t = h.t + rng.uniform(1, 12) * HOUR
            if not h.step("accept", t, unit=h.lead, accepted_at=t):
                return
            t = h.t + rng.uniform(0.5, 3) * DAY
            if not h.step("resolve", t, unit=h.lead, note=reply, reply=reply, resolved_at=t):
                return
            t = h.t + rng.uniform(2, 48) * HOUR
        if not h.step("verify", t, unit=supervisor, note=rng.choice(T.VERIFY_NOTES), closed_at=t):
            return
        if requester.id is None or not first_round or rng.random() > 0.6:
            return
        rating = rng.choices((Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED), (72, 21, 7))[
            0
        ]
        comment = rng.choice(T.RATING_COMMENTS[rating])
        t = h.t + rng.uniform(1, 72) * HOUR
        if not h.step(
            "rate",
            t,
            unit=None,
            actor=requester,
            note=comment,
            data={"rating": rating},
            rating=rating,
            rating_comment=comment,
            rated_at=t,
        ):
            return
        if (
            rating == Rating.UNSATISFIED
            and case.reopen_count < settings.GRIDGOV_REOPENS_ON_UNSATISFIED
        ):
            h.step(
                "reopen",
                h.t,
                unit=None,
                actor=requester,
                note=comment,
                reopen_count=case.reopen_count + 1,
                rating="",
                rating_comment="",
                rated_at=None,
                closed_at=None,
                resolved_at=None,
                accepted_at=None,
            )
            self._handle(h, plan, category, requester, first_round=False)

    def _whistle(self, h: History, category: Category) -> None:
        """吹哨: the lead unit calls the level above or a department; it reports for duty."""
        data, rng = self.data, self.rng
        caller = h.lead
        up = rng.random() < 0.6 or caller.kind == UnitKind.DEPARTMENT
        called = data.above(h.grid, caller) if up else data.department_for(category)
        if called is None or called.pk == caller.pk:
            return
        if up:
            words: tuple[str, ...] = (
                T.WHISTLE_STREET if called.kind == UnitKind.STREET else T.WHISTLE_UP
            )
        else:
            code = CATEGORY_DEPARTMENT.get(category.code) or GROUP_DEPARTMENT.get(
                category.group, "urban"
            )
            words = T.WHISTLE_DEPARTMENT.get(code) or T.WHISTLE_STREET
        reason = rng.choice(words)
        at = h.t + rng.uniform(1, 48) * HOUR
        if at > self.now:
            return
        h.sweep(at)
        if h.case.status not in OPEN_HANDLING:
            return
        due = h.summon(called, caller, reason, max(at, h.t))
        if not h.step(
            "whistle",
            at,
            unit=caller,
            target_units=[called],
            note=reason,
            data={"up": up, "report_due": due.isoformat()},
        ):
            return
        if rng.random() < 0.95:
            h.report(called, h.t + rng.uniform(5, 45) * MINUTE, rng)

    # -- a batch

    def write(self, histories: list[History]) -> None:
        _insert(Case, [h.case for h in histories])
        events = [event for h in histories for event in h.events]
        _insert(CaseEvent, events)
        summonses = [s for h in histories for s in h.summonses.values()]
        _insert(Summons, summonses)
        for h in histories:
            case = h.case
            self.counts[f"status:{case.status}"] += 1
            if case.escalation_count:
                self.counts["escalated"] += 1
        self.counts["cases"] += len(histories)
        self.counts["events"] += len(events)
        self.counts["summonses"] += len(summonses)


def _insert(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """INSERT ``rows``: COPY on PostgreSQL, executemany elsewhere (no ids come back: none
    are needed).

    ``bulk_create`` compiles every value through the field machinery, which
    was most of the seeding time; the rows here are made by this module and
    hold plain values, so only datetimes and JSON need adapting.
    """
    if not rows:
        return
    ops, quote = connection.ops, connection.ops.quote_name
    with_pk = rows[0].pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    adapters: list[Callable[[Any], Any] | None] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "JSONField":
            adapters.append(partial(f.get_db_prep_save, connection=connection))
        else:
            adapters.append(None)
    names = [f.attname for f in fields]
    values = [
        [
            adapt(getattr(row, name)) if adapt is not None else getattr(row, name)
            for name, adapt in zip(names, adapters, strict=True)
        ]
        for row in rows
    ]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: a third of the time of executemany's pipelined INSERTs (psycopg 3).
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for first in range(0, len(values), EVENT_BATCH):
            cursor.executemany(sql, values[first : first + EVENT_BATCH])


def _reserve_ids(count: int) -> list[int]:
    """``count`` case ids nobody else will take (the ledger hashes the id before the insert)."""
    table = Case._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # The transaction holds SQLite's write lock (BEGIN IMMEDIATE): nobody inserts
            # meanwhile.  AUTOINCREMENT never reuses an id, so start past the sequence too.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(row[0] if row else 0, Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
            return list(range(start, start + count))
    raise NotImplementedError(f"case seeding does not support {connection.vendor}")


def _plans(n: int, now: datetime.datetime, days: int, rng: random.Random) -> list[Plan]:
    """When and from where each case comes, oldest first, with its fate."""
    sources, weights = list(SOURCES), list(SOURCES.values())
    tz = timezone.get_current_timezone()
    today = timezone.localdate(now)
    plans = []
    for _i in range(n):
        source = rng.choices(sources, weights)[0]
        hours = HOURS.get(source, HOURS["resident"])
        while True:
            day = today - datetime.timedelta(days=int(rng.random() * days))
            if day.weekday() >= 5 and rng.random() < 0.3:
                continue  # fewer on weekends
            hour = rng.choices(range(24), hours)[0]
            local = datetime.datetime.combine(day, datetime.time(hour), tz)
            at = (local + rng.random() * HOUR).astimezone(datetime.UTC)
            if at < now - MINUTE:
                break
        plans.append(Plan(at=at, source=source))
    plans.sort(key=lambda p: p.at)
    for plan in plans:
        plan.fate = _fate(rng, now - plan.at, plan.source)
        plan.twists = _twists(rng)
    return plans


def seed_cases(
    street: Street,
    n: int,
    now: datetime.datetime | None = None,
    rng: random.Random | None = None,
    *,
    days: int = DAYS,
    stdout: Writer | None = None,
) -> dict[str, int]:
    """Add ``n`` cases with their ledger to ``street``, submitted over the ``days`` before ``now``.

    One transaction and one summary audit row.  Returns the counts (cases,
    events, summonses, escalated, one ``status:X`` per status).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    now = (now or timezone.now()).astimezone(datetime.UTC)
    rng = rng or random.Random(1)
    started = time.perf_counter()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        sync_categories()
        data = load_street(street)
        plans = _plans(n, now, days, rng)
        seeder = Seeder(data, now, rng)
        if plans:
            seeder.load_counters(timezone.localdate(plans[0].at))
        for first in range(0, len(plans), BATCH):
            batch = plans[first : first + BATCH]
            ids = _reserve_ids(len(batch))
            seeder.write([seeder.build(pk, plan) for pk, plan in zip(ids, batch, strict=True)])
            if stdout is not None and (first // BATCH) % 20 == 19:
                _say(stdout, f"  {first + len(batch):,} cases")
        seeder.save_counters()
        counts = dict(sorted(seeder.counts.items()))
        audit.record(
            "seed",
            obj=street,
            summary=(
                f"{street.name}: {counts.get('cases', 0)} cases (bulk), "
                f"{counts.get('events', 0)} ledger events"
            ),
            data=counts,
        )
    counts["milliseconds"] = round((time.perf_counter() - started) * 1000)
    return counts
