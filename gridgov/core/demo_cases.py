"""A month of case history for the demo street, played through the real actions.

``load_demo_cases(street)`` makes ~600 cases as they would have come in
over the last 30 days (more on weekdays and in the daytime): residents
reporting on the web and the phone app, 12345 hotline orders, grid workers'
patrol reports and firms' requests, in natural Chinese (``demo_texts``).
Each case is then handled step by step by the people who would really act:
the street's dispatcher (street_admin) registers, dispatches, decides
extensions, suspends, merges and rejects; the lead unit's person accepts,
whistles, returns, asks for more time and resolves; summoned units report
for duty; grid workers verify on site; requesters rate, and an unsatisfied
rating reopens the case for a second round.

Every step runs under ``clock.frozen(step_time)``, so the ledger holds the
past times and its hash chain is the real one; a step that would fall after
"now" is not taken, which leaves the recent cases open at whatever step
they reached.  Some fates are chosen on purpose: cases stuck past their
deadline (overdue), never answered, suspended (挂账), returned, merged as
duplicates, rejected, or still waiting for the dispatcher.

The people missing for such a history are made first (a grid worker per
grid, an admin per community, a clerk per department, staff per partner,
a contact per firm, two residents per grid), with unusable passwords: the
personas stay the way to log in.  Notifications and outbox messages the
actions wrote are then dated at their event (see ``date_messages``).

Everything is drawn from ``random.Random``: the same seed and "now" give
the same numbers, texts and statuses.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone, translation

from gridgov.accounts.actions import assign_role, create_user
from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases import actions
from gridgov.cases.catalogue import sync_categories
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    Category,
    Channel,
    Notification,
    OutboxMessage,
    Priority,
    Rating,
    Unit,
    UnitKind,
)
from gridgov.cases.routing import route
from gridgov.cases.sweep import announce_pending
from gridgov.cases.units import unit_for
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import clock
from gridgov.core import demo_texts as T
from gridgov.core.demo_data import DEMO_SEED, Writer, _say, mobile_number, person_name
from gridgov.places.models import (
    Building,
    Community,
    Department,
    Grid,
    Household,
    Organisation,
    OrganisationKind,
    Street,
)

DEMO_CASES = 600
HISTORY_DAYS = 30
CASES_SEED = DEMO_SEED + 3  # the case loop is issue 3
RESIDENTS_PER_GRID = 2
# Passed to create_user: Django's set_password(None) stores an unusable
# password without running the (deliberately slow) argon2 hasher.
_NO_PASSWORD: Any = None

# How often each category comes up in an old district in a month (relative).
CATEGORY_WEIGHTS: dict[str, float] = {
    "env.sanitation": 10,
    "env.ads": 3,
    "env.illegal_build": 3,
    "env.street_order": 4,
    "env.greening": 2.5,
    "env.nuisance": 5,
    "facility.road": 5,
    "facility.lighting": 4,
    "facility.parking": 8,
    "facility.drainage": 3.5,
    "utility.heating": 9,  # in the heating season (see _season)
    "utility.water": 4,
    "utility.gas": 1.5,
    "utility.power": 2,
    "housing.property": 8,
    "housing.repair": 5,
    "safety.fire": 4,
    "safety.public": 2,
    "safety.dispute": 4,
    "livelihood.assistance": 3,
    "livelihood.elderly": 4,
    "livelihood.health": 2,
    "livelihood.veterans": 1,
    "economy.jobs": 2,
    "economy.enterprise": 0.3,
    "community.party": 1.5,
    "community.culture": 2,
    "community.suggestion": 3,
}
# What a grid worker's patrol finds (巡查上报), and how often.
PATROL_WEIGHTS: dict[str, float] = {
    "env.sanitation": 10,
    "env.ads": 5,
    "env.illegal_build": 3,
    "env.street_order": 5,
    "env.greening": 2,
    "env.nuisance": 1.5,
    "facility.road": 4,
    "facility.lighting": 3,
    "facility.parking": 5,
    "facility.drainage": 2,
    "housing.property": 1.5,
    "housing.repair": 1.5,
    "safety.fire": 6,
    "safety.public": 2,
}
ENTERPRISE_WEIGHTS: dict[str, float] = {
    "economy.enterprise": 12,
    "economy.jobs": 2,
    "facility.road": 2,
    "facility.drainage": 1,
    "facility.lighting": 1,
    "utility.power": 1.5,
}
# Categories whose texts read right after an old person's opening words.
ELDERLY_OK = frozenset(
    {
        "env.sanitation",
        "env.greening",
        "env.nuisance",
        "facility.road",
        "facility.lighting",
        "facility.parking",
        "facility.drainage",
        "utility.heating",
        "utility.water",
        "utility.power",
        "housing.property",
        "housing.repair",
        "safety.fire",
        "safety.dispute",
        "livelihood.elderly",
        "livelihood.health",
        "community.culture",
    }
)
# Categories that often need the level above or a department (吹哨).
HARD = frozenset(
    {
        "env.illegal_build",
        "env.street_order",
        "env.nuisance",
        "facility.drainage",
        "housing.property",
        "housing.repair",
        "safety.fire",
        "safety.dispute",
        "utility.heating",
    }
)
# Where a long job may be parked (挂账).
SUSPENDABLE = frozenset(
    {"housing.repair", "env.illegal_build", "facility.road", "env.greening", "housing.property"}
)
# The department a category's trouble is taken to when the lead unit whistles.
GROUP_DEPARTMENT = {
    "env": "enforcement",
    "facility": "urban",
    "utility": "urban",
    "housing": "urban",
    "safety": "safety",
    "livelihood": "social",
    "economy": "economy",
    "community": "party",
}
CATEGORY_DEPARTMENT = {"env.sanitation": "urban", "env.greening": "urban"}

# Submissions by hour of the day (local time) and channel.
HOURS = {
    "resident": (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 6, 6, 5, 4, 4, 4, 4, 4, 4, 5, 7, 8, 7, 5, 3),
    "hotline": (1, 0.3, 0.2, 0.2, 0.2, 0.3, 1, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 4, 4, 3, 2, 2, 1),
    "patrol": (0, 0, 0, 0, 0, 0, 0, 0, 4, 8, 8, 6, 2, 4, 7, 7, 5, 2, 0, 0, 0, 0, 0, 0),
    "enterprise": (0, 0, 0, 0, 0, 0, 0, 0, 2, 6, 7, 5, 1, 3, 6, 6, 4, 1, 0, 0, 0, 0, 0, 0),
}
# Weekend days weigh this much against a weekday.
WEEKEND = {"resident": 0.8, "hotline": 0.7, "patrol": 0.25, "enterprise": 0.05}
SOURCES = (("resident", 50), ("hotline", 24), ("patrol", 21), ("enterprise", 5))

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


# --------------------------------------------------------------------------- the people


@dataclass
class Cast:
    """Who acts in the history: the dispatcher, a person per unit, requesters."""

    street: Street
    street_admin: Any
    units: dict[str, Unit] = field(default_factory=dict)  # "grid:ID", "department:CODE", ...
    by_unit: dict[int, Any] = field(default_factory=dict)  # unit id -> the person acting for it
    department_codes: dict[int, str] = field(default_factory=dict)  # unit id -> department code
    grid_workers: dict[int, Any] = field(default_factory=dict)  # grid id -> worker
    community_admins: dict[int, Any] = field(default_factory=dict)  # community id -> admin
    residents: list[tuple[Any, Household]] = field(default_factory=list)
    enterprises: list[tuple[Any, Organisation]] = field(default_factory=list)
    created: int = 0


def _new_person(cast: Cast, username: str, full_name: str, role: Role, target: Any) -> Any:
    user = create_user(username=username, password=_NO_PASSWORD, full_name=full_name)
    assign_role(user=user, role=role, target=target)
    cast.created += 1
    return user


def _free_username(wanted: str, street: Street, taken: set[str]) -> str:
    name = wanted if wanted not in taken else f"{wanted}_{street.code}"
    taken.add(name)
    return name


def _cast(
    street: Street,
    grids: Sequence[Grid],
    communities: Sequence[Community],
    departments: Sequence[Department],
    organisations: Sequence[Organisation],
    households: Sequence[Household],
    rng: random.Random,
) -> Cast:
    """The street's people by role; whoever is missing is made (unusable passwords)."""
    assignments = list(
        RoleAssignment.objects.filter(street=street, active=True)
        .select_related("user")
        .order_by("pk")
    )
    holder: dict[tuple[str, int | None], Any] = {}
    for a in assignments:
        target_id = {
            Role.STREET_ADMIN: a.street_id,
            Role.COMMUNITY_ADMIN: a.community_id,
            Role.GRID_WORKER: a.grid_id,
            Role.DEPARTMENT_CLERK: a.department_id,
            Role.PARTNER_STAFF: a.organisation_id,
            Role.ENTERPRISE_CONTACT: a.organisation_id,
            Role.RESIDENT: a.household_id,
        }.get(Role(a.role))
        holder.setdefault((a.role, target_id), a.user)
    taken = set(get_user_model().objects.values_list("username", flat=True))

    admin = holder.get((Role.STREET_ADMIN, street.pk))
    cast = Cast(street=street, street_admin=admin)
    if admin is None:
        username = _free_username("dispatcher", street, taken)
        cast.street_admin = _new_person(cast, username, person_name(rng), Role.STREET_ADMIN, street)
    for community in communities:
        user = holder.get((Role.COMMUNITY_ADMIN, community.pk)) or _new_person(
            cast,
            _free_username(f"ca_{community.code}", street, taken),
            person_name(rng),
            Role.COMMUNITY_ADMIN,
            community,
        )
        cast.community_admins[community.pk] = user
    for grid in grids:
        user = holder.get((Role.GRID_WORKER, grid.pk)) or _new_person(
            cast,
            _free_username(f"gw_{grid.code}", street, taken),
            person_name(rng),
            Role.GRID_WORKER,
            grid,
        )
        cast.grid_workers[grid.pk] = user
    clerks = {}
    for department in departments:
        clerks[department.pk] = holder.get((Role.DEPARTMENT_CLERK, department.pk)) or _new_person(
            cast,
            _free_username(f"dept_{department.code}", street, taken),
            person_name(rng),
            Role.DEPARTMENT_CLERK,
            department,
        )
    partners = {}
    for org in organisations:
        if org.kind == OrganisationKind.PARTNER:
            partners[org.pk] = holder.get((Role.PARTNER_STAFF, org.pk)) or _new_person(
                cast,
                _free_username(f"partner_{org.pk}", street, taken),
                org.contact_name or person_name(rng),
                Role.PARTNER_STAFF,
                org,
            )
        elif org.kind == OrganisationKind.ENTERPRISE:
            user = holder.get((Role.ENTERPRISE_CONTACT, org.pk)) or _new_person(
                cast,
                _free_username(f"ent_{org.pk}", street, taken),
                org.contact_name or person_name(rng),
                Role.ENTERPRISE_CONTACT,
                org,
            )
            cast.enterprises.append((user, org))

    # Residents: the existing ones, and RESIDENTS_PER_GRID more in every grid.
    by_pk = {h.pk: h for h in households}
    for (role, target_id), user in holder.items():
        if role == Role.RESIDENT and target_id in by_pk:
            cast.residents.append((user, by_pk[target_id]))
    used = {h.pk for _user, h in cast.residents}
    by_grid: dict[int, list[Household]] = {}
    for household in households:
        if household.pk not in used:
            by_grid.setdefault(household.grid_id, []).append(household)
    for grid in grids:
        pool = by_grid.get(grid.pk, [])
        for k, household in enumerate(rng.sample(pool, min(RESIDENTS_PER_GRID, len(pool)))):
            user = _new_person(
                cast,
                _free_username(f"res_{grid.code}_{k + 1}", street, taken),
                household.head_name,
                Role.RESIDENT,
                household,
            )
            cast.residents.append((user, household))

    # Every unit exists before anyone acts (units_of caches on the user object).
    def add(key: str, unit: Unit, person: Any) -> None:
        cast.units[key] = unit
        cast.by_unit[unit.pk] = person

    add("street", unit_for(street), cast.street_admin)
    for community in communities:
        add(f"community:{community.pk}", unit_for(community), cast.community_admins[community.pk])
    for grid in grids:
        add(f"grid:{grid.pk}", unit_for(grid), cast.grid_workers[grid.pk])
    for department in departments:
        add(f"department:{department.code}", unit_for(department), clerks[department.pk])
        cast.department_codes[cast.units[f"department:{department.code}"].pk] = department.code
    for org in organisations:
        if org.pk in partners:
            add(f"partner:{org.pk}", unit_for(org), partners[org.pk])
    return cast


# --------------------------------------------------------------------------- the plans


@dataclass
class Plan:
    """One case to be: who reports what, where and when, and how it will go."""

    at: datetime.datetime
    source: str  # resident, hotline, patrol, enterprise
    category: Category | None  # what the dispatcher files it under (None: rejected)
    classified: bool  # category given at intake (else the dispatcher sets it)
    building: Building | None
    description: str
    fill: dict[str, str]
    rng: random.Random
    fate: str = "normal"
    twists: frozenset[str] = frozenset()
    requester: Any = None
    requester_name: str = ""
    requester_phone: str = ""
    anonymous: bool = False
    priority: str = Priority.NORMAL
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    into: int | None = None  # the original's plan number (duplicates merged into it)
    reject_reason: str = ""


@dataclass
class World:
    """What the planner draws from (all read once)."""

    street: Street
    now: datetime.datetime
    first_day: datetime.date
    days: int
    cast: Cast
    categories: dict[str, Category]
    grids: list[Grid]
    buildings: list[Building]
    building_weights: list[float]
    buildings_by_grid: dict[int, list[Building]]
    households_by_building: dict[int, list[Household]]
    roads: list[str]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _season(day: datetime.date) -> dict[str, float]:
    """Category weights on ``day``: heating only in Qingdao's heating season, rain in summer."""
    weights = dict(CATEGORY_WEIGHTS)
    in_season = (day.month, day.day) >= (11, 15) or (day.month, day.day) <= (4, 5)
    if not in_season:
        weights["utility.heating"] = 2.0 if day.month in (10, 11) else 0.3
    if day.month in (6, 7, 8, 9):
        weights["facility.drainage"] *= 3
        weights["env.greening"] *= 2
    if day.month in (12, 1, 2):
        weights["env.greening"] *= 0.4
    return weights


def _when(world: World, source: str, rng: random.Random) -> datetime.datetime:
    """A submission time in the window: more on weekdays, by the channel's hours."""
    tz = timezone.get_current_timezone()
    dates = [world.first_day + datetime.timedelta(days=k) for k in range(world.days)]
    day_weights = [WEEKEND[source] if d.weekday() >= 5 else 1.0 for d in dates]
    hours = HOURS[source]
    for _attempt in range(30):
        day = rng.choices(dates, day_weights)[0]
        hour = rng.choices(range(24), hours)[0]
        at = datetime.datetime.combine(day, datetime.time(hour, rng.randrange(60)), tz)
        at += datetime.timedelta(seconds=rng.randrange(60))
        if at < world.now - 10 * MINUTE:
            return at
    return world.now - datetime.timedelta(minutes=rng.randint(20, 600))


def _fill(world: World, rng: random.Random, building: Building | None) -> dict[str, str]:
    road = building.road if building is not None and building.road else rng.choice(world.roads)
    others = [r for r in world.roads if r != road] or world.roads
    floors = (building.floors if building is not None else None) or 6
    return {
        "b": building.name if building is not None else f"{road}{rng.randint(1, 80)}号",
        "road": road,
        "cross": rng.choice(others),
        "u": str(rng.randint(1, 3 if floors < 10 else 2)),
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


def _typos(text: str, rng: random.Random) -> str:
    """The way people type on a phone: no commas, no full stop, 在/再, !!"""
    roll = rng.random()
    if roll < 0.25:
        text = text.replace("，", " ")
    elif roll < 0.4:
        text = text.rstrip("。！")
    elif roll < 0.55:
        text = text.replace("。", "！！", 1)
    elif roll < 0.7 and ("在" in text or "再" in text):
        text = text.replace("在", "再", 1) if "在" in text else text.replace("再", "在", 1)
    elif roll < 0.8:
        text = text.replace("了，", "啦，", 1)
    else:
        text = text.rstrip("。！？") + "。。。"
    return text


def say_it(
    source: str, code: str, fill: dict[str, str], rng: random.Random, *, elderly: bool
) -> str:
    """A report in the voice of its channel, from the category's texts."""
    texts = T.TEXTS[code]
    if source == "patrol":
        core = rng.choice(texts.patrol or texts.problems).format(**fill)
        close = rng.choice(T.PATROL_CLOSE)
        return f"{rng.choice(T.PATROL_OPEN)}{core}。{close}".rstrip()
    if source == "hotline":
        core = rng.choice(texts.hotline or texts.problems)
        if core.startswith("来电人"):
            opening = rng.choice(T.HOTLINE_TAG)
        elif elderly:
            opening = f"来电人系{fill['age']}岁老人，反映"
        else:
            opening = rng.choice(T.HOTLINE_OPEN)
        text = f"{opening}{core}，{rng.choice(texts.impact)}。{rng.choice(T.HOTLINE_ASK)}"
        if "{b}" not in core and "{road}" not in core:
            text += "诉求地址：{b}。"
        return text.format(**fill)
    if source == "enterprise":
        ask = rng.choice(T.ENTERPRISE_ASK)
        if code.startswith("economy."):
            opening = rng.choice(T.ENTERPRISE_OPEN)
            core = rng.choice(texts.problems)
            return f"{opening}{core}，{rng.choice(texts.feel)}。{ask}".format(**fill)
        opening = rng.choice(T.ENTERPRISE_OPEN_PLACE)
        core = rng.choice(texts.problems).replace("{u}单元", "")
        text = f"{opening}{core}，影响企业正常生产经营。{ask}"
        return text.format(**{**fill, "b": "我公司"})
    # resident (web or app)
    core = rng.choice(texts.problems)
    first_person = core.startswith(("我", "俺", "家里", "想", "失业", "刚", "社区", "楼上"))
    if elderly:
        opening, ask = rng.choice(T.ELDERLY_OPEN), rng.choice(T.ELDERLY_ASK)
    else:
        openings = [o for o in T.RESIDENT_OPEN if not first_person or "我" not in o]
        opening, ask = rng.choice(openings), rng.choice(T.RESIDENT_ASK)
    feel = rng.choice(texts.feel) if rng.random() < 0.75 else ""
    body_fill = dict(fill)
    if "{b}" in opening:  # "我住X号，我们楼……", not the address twice
        if "{u}" in opening:
            core = core.replace("{b}{u}单元", "{b}")
        body_fill["b"] = rng.choice(("我们楼", "俺们楼", "我们这栋楼"))
    body = core.format(**body_fill)
    text = opening.format(**fill) + body + (f"，{feel}" if feel else "") + "。" + ask
    text = text.replace("。。", "。").replace("？。", "？")
    if not elderly and rng.random() < 0.3:
        text = _typos(text, rng)
    return text


def _plan_one(world: World, rng: random.Random) -> Plan:
    """Who reports what, where and when (the fate comes later)."""
    cast = world.cast
    source = _pick(rng, dict(SOURCES))
    at = _when(world, source, rng)
    building: Building | None
    requester: Any = None
    name = phone = ""
    elderly = False
    if source == "resident":
        requester, home = rng.choice(cast.residents)
        pool = world.buildings_by_grid.get(home.grid_id) or [home.building]
        building = home.building if rng.random() < 0.65 else rng.choice(pool)
        code = _pick(rng, _season(at.date()))
        elderly = code in ELDERLY_OK and rng.random() < (
            0.5 if code.startswith("livelihood") else 0.15
        )
    elif source == "hotline":
        building = rng.choices(world.buildings, world.building_weights)[0]
        code = _pick(rng, _season(at.date()))
        homes = world.households_by_building.get(building.pk, [])
        if homes and rng.random() < 0.6:
            caller = rng.choice(homes)
            name, phone = caller.head_name, caller.phone
        else:
            name, phone = person_name(rng), mobile_number(rng)
        if rng.random() < 0.5:
            name = name[0] + rng.choice(("先生", "女士"))
        elderly = code in ELDERLY_OK and rng.random() < 0.2
    elif source == "patrol":
        grid = rng.choices(world.grids, [2.0 if i < 2 else 1.0 for i in range(len(world.grids))])[0]
        requester = cast.grid_workers[grid.pk]
        building = rng.choice(world.buildings_by_grid[grid.pk])
        code = _pick(rng, PATROL_WEIGHTS)
    else:
        requester, org = rng.choice(cast.enterprises)
        building = org.building
        code = _pick(rng, ENTERPRISE_WEIGHTS)
    fill = _fill(world, rng, building)
    if source == "enterprise":
        fill["org"] = org.name
        trade = org.description.replace("，", ",").split(",")[0].strip()
        fill["trade"] = trade or fill["trade"]
    plan = Plan(
        at=at,
        source=source,
        category=world.categories[code],
        classified=True,
        building=building,
        description=say_it(source, code, fill, rng, elderly=elderly),
        fill=fill,
        rng=rng,
        requester=requester,
        requester_name=name,
        requester_phone=phone,
    )
    if source == "resident":
        plan.anonymous = rng.random() < 0.06
    if code in ("utility.gas", "safety.fire", "safety.public"):
        plan.priority = Priority.URGENT if rng.random() < 0.5 else Priority.NORMAL
    elif rng.random() < 0.03:
        plan.priority = Priority.URGENT
    if source == "patrol" and building is not None:
        # a GPS point a few metres from the building the worker stood by
        plan.lat = building.lat + rng.uniform(-6e-5, 6e-5)
        plan.lng = building.lng + rng.uniform(-6e-5, 6e-5)
    if source == "hotline" and code in T.CROSSING_TEXTS and rng.random() < 0.25:
        # "at the crossing of X and Y": no building, no point, the dispatcher decides
        plan.building = None
        plan.address = f"{world.street.district}{fill['road']}与{fill['cross']}交叉口"
        core = rng.choice(T.CROSSING_TEXTS[code]).format(**fill)
        impact = rng.choice(T.TEXTS[code].impact)
        plan.description = (
            f"{rng.choice(T.HOTLINE_OPEN)}{core}，{impact}。{rng.choice(T.HOTLINE_ASK)}"
        )
    return plan


# Fates other than "handled and closed", with the share of the cases that can show them.
FATE_ODDS = (
    ("waiting", 0.12),  # no category yet: waits for the dispatcher (submitted)
    ("registered", 0.1),  # registered by the dispatcher, not yet dispatched
    ("returned", 0.08),  # given back by its lead unit, waits for re-dispatch
    ("overdue", 0.05),  # responded to, then stuck past its deadline
    ("unanswered", 0.02),  # dispatched, nobody responded
    ("suspended", 0.12),  # parked (挂账)
)
# At least this many of each in 600 cases, so every status shows on the pages.
FATE_MINIMUM = {
    "waiting": 2,
    "registered": 2,
    "returned": 2,
    "overdue": 10,
    "unanswered": 2,
    "suspended": 3,
}


def _fits(fate: str, plan: Plan, age: datetime.timedelta) -> bool:
    """Whether a case submitted ``age`` ago can have reached ``fate`` by now."""
    category = plan.category
    assert category is not None
    if fate in ("waiting", "registered") and plan.source not in ("resident", "hotline"):
        return False  # patrol reports and firms' requests come with their category
    if fate == "waiting":
        return age < 1.5 * DAY
    if fate == "registered":
        return 1.5 * DAY < age < 3 * DAY
    if fate == "returned":
        return 2 * DAY < age < 4 * DAY
    if fate == "unanswered":
        return 2 * DAY < age < 12 * DAY
    if fate == "overdue":
        return age > (category.resolve_days + 3) * DAY
    if fate == "suspended":
        return category.code in SUSPENDABLE and age > 10 * DAY
    return True


def _set_fate(plan: Plan, fate: str, *, resume: bool = False) -> None:
    plan.fate = fate
    if fate in ("waiting", "registered"):
        plan.classified = False
    twists = set(plan.twists)
    if fate == "overdue":
        twists -= {"extension", "late"}  # stuck means no new deadline
    if fate == "suspended" and resume:
        twists.add("resume")
    else:
        twists.discard("resume")
    plan.twists = frozenset(twists)


def _choose_fate(world: World, plan: Plan) -> None:
    """How the case will go, within what its age allows, and what happens on the way."""
    rng = plan.rng
    category = plan.category
    assert category is not None
    age = world.now - plan.at
    if plan.source in ("resident", "hotline") and rng.random() < 0.14:
        plan.classified = False  # no category picked: the dispatcher files it
    twists = set()
    hard = category.code in HARD
    if rng.random() < (0.2 if hard else 0.07):
        twists.add("whistle")
    if rng.random() < 0.05:
        twists.add("return")
    if rng.random() < (0.1 if category.resolve_days >= 7 else 0.04):
        twists.add("extension")
    if rng.random() < 0.04:
        twists.add("rework")
    if rng.random() < 0.08:
        twists.add("late")
    plan.twists = frozenset(twists)
    for fate, odds in FATE_ODDS:
        if _fits(fate, plan, age) and rng.random() < odds:
            _set_fate(plan, fate, resume=rng.random() < 0.35)
            return


def _ensure_fates(world: World, plans: list[Plan], cases: int, rng: random.Random) -> None:
    """Top up the fates the dice left short (FATE_MINIMUM, scaled to ``cases``)."""
    for fate, minimum in FATE_MINIMUM.items():
        wanted = max(1, round(minimum * cases / DEMO_CASES))
        have = sum(1 for p in plans if p.fate == fate)
        candidates = [
            p
            for p in plans
            if p.fate == "normal" and p.category is not None and _fits(fate, p, world.now - p.at)
        ]
        for plan in rng.sample(candidates, max(0, min(wanted - have, len(candidates)))):
            _set_fate(plan, fate)


def _rejected_plan(world: World, rng: random.Random) -> Plan:
    """Something the street cannot take (不予受理), without a category."""
    source = "resident" if rng.random() < 0.55 else "hotline"
    at = _when(world, source, rng)
    said, summary, reason = rng.choice(T.REJECTED)
    requester: Any = None
    name = phone = ""
    if source == "resident":
        requester, home = rng.choice(world.cast.residents)
        building = home.building
    else:
        building = rng.choice(world.buildings)
        name, phone = person_name(rng), mobile_number(rng)
    fill = _fill(world, rng, building)
    if source == "hotline":
        description = f"{summary}。{rng.choice(T.HOTLINE_ASK)}".format(**fill)
    else:
        description = said.format(**fill) + rng.choice(("", "？", "。", "，谢谢"))
    plan = Plan(
        at=at,
        source=source,
        category=None,
        classified=False,
        building=building,
        description=description,
        fill=fill,
        rng=rng,
        fate="rejected",
        requester=requester,
        requester_name=name,
        requester_phone=phone,
        reject_reason=reason,
    )
    return plan


def _duplicate_plan(world: World, original: Plan, number: int, rng: random.Random) -> Plan:
    """Someone else reports the same problem a little later: merged into the first."""
    category = original.category
    assert category is not None and original.building is not None
    at = original.at + datetime.timedelta(minutes=rng.randint(40, 36 * 60))
    source = "hotline" if original.source != "hotline" else "resident"
    requester: Any = None
    name = phone = ""
    if source == "resident":
        requester, _home = rng.choice(
            [r for r in world.cast.residents if r[1].grid_id == original.building.grid_id]
            or world.cast.residents
        )
    else:
        name, phone = person_name(rng), mobile_number(rng)
    fill = {**_fill(world, rng, original.building), "road": original.fill["road"]}
    description = say_it(source, category.code, fill, rng, elderly=False)
    return Plan(
        at=at,
        source=source,
        category=category,
        classified=True,
        building=original.building,
        description=description,
        fill=fill,
        rng=rng,
        fate="merged",
        requester=requester,
        requester_name=name,
        requester_phone=phone,
        into=number,
    )


def plan_history(world: World, cases: int, seed: int) -> list[Plan]:
    """All the plans, in submission order (each with its own random stream)."""
    rejected = max(1, round(cases * 0.02)) if cases >= 20 else 0
    duplicates = max(1, round(cases * 0.02)) if cases >= 20 else 0
    main = cases - rejected - duplicates
    plans = []
    for i in range(main):
        rng = random.Random(seed * 1_000_003 + i)
        plan = _plan_one(world, rng)
        _choose_fate(world, plan)
        plans.append(plan)
    for i in range(rejected):
        plans.append(_rejected_plan(world, random.Random(seed * 1_000_003 + main + i)))
    plans.sort(key=lambda p: p.at)
    picker = random.Random(seed * 7 + 1)
    if cases >= 50:
        _ensure_fates(world, plans, cases, picker)
    # Duplicates of plain classified cases in a building, reported while the first was fresh.
    candidates = [
        k
        for k, p in enumerate(plans)
        if p.fate == "normal"
        and p.classified
        and p.building is not None
        and p.category is not None
        and world.now - p.at > 2 * DAY
    ]
    originals = sorted(picker.sample(candidates, min(duplicates, len(candidates))))
    extra = []
    for j, k in enumerate(originals):
        rng = random.Random(seed * 1_000_003 + main + rejected + j)
        duplicate = _duplicate_plan(world, plans[k], k, rng)
        if duplicate.at < world.now - HOUR:
            extra.append(duplicate)
    # Stable merge: every original comes before its duplicates.
    ordered = sorted(
        [(p.at, k, p) for k, p in enumerate(plans)]
        + [(p.at, len(plans) + j, p) for j, p in enumerate(extra)],
        key=lambda row: (row[0], row[1]),
    )
    result = [p for _at, _k, p in ordered]
    # Re-point duplicates at the original's new position.
    position = {id(p): n for n, p in enumerate(result)}
    for p in result:
        if p.into is not None:
            p.into = position[id(plans[p.into])]
    return result


# --------------------------------------------------------------------------- playing a plan


class OutOfTime(Exception):
    """The next step would fall after "now": the case stays where it is."""


class Timeline:
    """The time of a case's next step; never after ``now``."""

    def __init__(self, start: datetime.datetime, now: datetime.datetime, rng: random.Random):
        self.t = start
        self.now = now
        self.rng = rng
        self.tz = timezone.get_current_timezone()

    def wait(self, low: datetime.timedelta, high: datetime.timedelta, *, office: bool) -> None:
        """Move on by a random delay; staff work from 8:00 to 21:00 (``office``)."""
        seconds = self.rng.uniform(low.total_seconds(), high.total_seconds())
        t = self.t + datetime.timedelta(seconds=max(60.0, seconds))
        if office:
            local = t.astimezone(self.tz)
            if local.hour >= 21 or local.hour < 8:
                day = local.date() + (DAY if local.hour >= 21 else datetime.timedelta())
                t = datetime.datetime.combine(day, datetime.time(8), self.tz) + datetime.timedelta(
                    minutes=self.rng.randint(0, 90)
                )
        if t > self.now:
            raise OutOfTime
        self.t = t

    def act(self, action: Callable[..., Case], **kwargs: Any) -> Case:
        with clock.frozen(self.t):
            return action(**kwargs)


@dataclass
class Player:
    """Plays plans through the actions, case after case."""

    world: World
    played: list[Case] = field(default_factory=list)

    @property
    def cast(self) -> Cast:
        return self.world.cast

    def person(self, unit: Unit | None) -> Any:
        assert unit is not None
        return self.cast.by_unit[unit.pk]

    def department(self, code: str) -> Unit | None:
        return self.cast.units.get(f"department:{code}")

    def community_unit(self, case: Case) -> Unit | None:
        if case.community_id is None:
            return None
        return self.cast.units.get(f"community:{case.community_id}")

    def play(self, plan: Plan) -> Case:
        line = Timeline(plan.at, self.world.now, plan.rng)
        case = line.act(
            actions.submit_case,
            description=plan.description,
            actor=plan.requester,
            category=plan.category if plan.classified else None,
            lat=plan.lat,
            lng=plan.lng,
            building=plan.building,
            address=plan.address,
            street=self.world.street,
            kind={
                "resident": CaseKind.DEMAND,
                "hotline": CaseKind.HOTLINE,
                "patrol": CaseKind.PATROL,
                "enterprise": CaseKind.ENTERPRISE,
            }[plan.source],
            channel=self._channel(plan),
            priority=plan.priority,
            requester_name=plan.requester_name,
            requester_phone=plan.requester_phone,
            anonymous=plan.anonymous,
            # The history is scripted: an unclassified case waits for the dispatcher
            # as its plan says, whatever the classifier would have chosen.
            auto_dispatch=False,
        )
        with contextlib.suppress(OutOfTime):
            case = self._handle(plan, case, line)
        self.played.append(case)
        return case

    def _channel(self, plan: Plan) -> str:
        if plan.source == "resident":
            return Channel.APP if plan.rng.random() < 0.65 else Channel.WEB
        return {
            "hotline": Channel.HOTLINE,
            "patrol": Channel.PATROL,
            "enterprise": Channel.WEB,
        }[plan.source]

    # -- the dispatcher's part

    def _handle(self, plan: Plan, case: Case, line: Timeline) -> Case:
        rng = plan.rng
        admin = self.cast.street_admin
        if plan.fate == "waiting":
            return case
        if plan.fate == "rejected":
            line.wait(15 * MINUTE, 6 * HOUR, office=True)
            return line.act(actions.reject_case, case=case, actor=admin, reason=plan.reject_reason)
        if case.status == Status.SUBMITTED:
            line.wait(10 * MINUTE, 5 * HOUR, office=True)
            case = line.act(actions.register_case, case=case, actor=admin, category=plan.category)
            if plan.fate == "registered":
                return case
            line.wait(MINUTE, 30 * MINUTE, office=True)
            unit, why = self._route(case)
            note = why if rng.random() < 0.6 else rng.choice(T.DISPATCH_NOTES)
            case = line.act(actions.dispatch_case, case=case, actor=admin, unit=unit, note=note)
        if plan.fate == "merged":
            assert plan.into is not None
            line.wait(10 * MINUTE, 4 * HOUR, office=True)
            return line.act(actions.merge_case, case=case, actor=admin, into=self.played[plan.into])
        case = self._round(plan, case, line, first=True)
        return case

    def _route(self, case: Case) -> tuple[Unit, str]:
        category = case.category
        assert category is not None
        if case.grid_id is not None:
            return route(case, category)
        code = category.handler.partition(":")[2] if ":" in category.handler else "urban"
        unit = self.department(code) or self.cast.units["street"]
        return unit, f"路口问题不在网格内，由指挥中心派至{unit.name}"

    # -- the handling units' part

    def _round(self, plan: Plan, case: Case, line: Timeline, *, first: bool) -> Case:
        """One round of handling: respond, (whistle, return, extension), resolve, verify, rate."""
        rng = plan.rng
        category = case.category
        assert category is not None
        twists = plan.twists if first else frozenset()
        office = category.response_hours >= 12
        if first and plan.fate == "unanswered":
            return case
        returning = first and ("return" in twists or plan.fate == "returned")
        if returning and case.lead_unit is not None:
            # 回退: "not ours"; the dispatcher sends it where it belongs (改派)
            target = self._elsewhere(case)
            if target is not None or plan.fate == "returned":
                line.wait(15 * MINUTE, 8 * HOUR, office=True)
                case = line.act(
                    actions.return_case,
                    case=case,
                    actor=self.person(case.lead_unit),
                    reason=rng.choice(T.RETURN_REASONS[case.lead_unit.kind]).format(
                        unit=target.name if target is not None else "相关部门"
                    ),
                )
                if plan.fate == "returned" or target is None:
                    return case
                line.wait(10 * MINUTE, 4 * HOUR, office=True)
                case = line.act(
                    actions.redispatch_case,
                    case=case,
                    actor=self.cast.street_admin,
                    unit=target,
                    reason=rng.choice(T.REDISPATCH_REASONS).format(unit=target.name),
                )
        # respond (响应)
        window = category.response_hours * HOUR
        if "late" in twists and rng.random() < 0.5:
            line.wait(window * 1.05, window * 2, office=office)
        else:
            line.wait(window * 0.02, window * 0.6, office=office)
        lead = self.person(case.lead_unit)
        notes: tuple[str, ...] = T.ACCEPT_NOTES
        if case.kind == CaseKind.HOTLINE:
            notes = T.ACCEPT_NOTES_HOTLINE
        elif case.lead_unit is not None and case.lead_unit.kind == UnitKind.GRID:
            notes = notes + T.ACCEPT_NOTES_GRID
        case = line.act(actions.accept_case, case=case, actor=lead, note=rng.choice(notes))
        helpers: list[Unit] = []
        if "whistle" in twists:
            case, helpers = self._whistle(plan, case, line)
        if first and plan.fate == "suspended":
            line.wait(HOUR, 4 * DAY, office=True)
            case = line.act(
                actions.suspend_case,
                case=case,
                actor=self.cast.street_admin,
                reason=rng.choice(T.SUSPEND_REASONS),
            )
            if "resume" not in twists:
                return case
            line.wait(3 * DAY, 10 * DAY, office=True)
            case = line.act(actions.resume_case, case=case, actor=self.cast.street_admin)
        if "extension" in twists:
            case = self._extension(plan, case, line)
        if first and plan.fate == "overdue":
            return case  # nobody resolves it: past its deadline, still open
        # resolve (办结)
        due = case.resolve_due or (line.t + DAY)
        remaining = max(due - line.t, 2 * HOUR)
        if "late" in twists:
            line.wait(remaining * 1.05, remaining * 1.6, office=True)
        elif first:
            line.wait(remaining * 0.05, remaining * 0.7, office=True)
        else:
            line.wait(3 * HOUR, 3 * DAY, office=True)
        resolver = self.person(case.lead_unit)
        if helpers and rng.random() < 0.4:
            resolver = self.person(helpers[-1])  # a co-handler may resolve (事不完、人不撤)
        reply = rng.choice(T.TEXTS[category.code].replies).format(**plan.fill)
        case = line.act(actions.resolve_case, case=case, actor=resolver, reply=reply)
        # verify on site (核查结案), once maybe sent back for rework (返工)
        line.wait(30 * MINUTE, 30 * HOUR, office=True)
        if "rework" in twists:
            case = line.act(
                actions.verify_case,
                case=case,
                actor=self._verifier(case, rng),
                ok=False,
                note=rng.choice(T.REWORK_NOTES),
            )
            line.wait(30 * MINUTE, DAY, office=True)
            case = line.act(
                actions.accept_case,
                case=case,
                actor=self.person(case.lead_unit),
                note="已安排返工。",
            )
            line.wait(2 * HOUR, 3 * DAY, office=True)
            case = line.act(
                actions.resolve_case,
                case=case,
                actor=self.person(case.lead_unit),
                reply="已按核查意见返工，"
                + rng.choice(T.TEXTS[category.code].replies).format(**plan.fill),
            )
            line.wait(HOUR, 30 * HOUR, office=True)
        case = line.act(
            actions.verify_case,
            case=case,
            actor=self._verifier(case, rng),
            ok=True,
            note=rng.choice(T.VERIFY_NOTES),
        )
        return self._rate(plan, case, line, first=first)

    def _rate(self, plan: Plan, case: Case, line: Timeline, *, first: bool) -> Case:
        rng = plan.rng
        if plan.source not in ("resident", "enterprise") or plan.requester is None:
            return case
        if rng.random() > (0.88 if first else 0.9):
            return case  # not everyone rates
        line.wait(10 * MINUTE, 60 * HOUR, office=False)
        weights = (78, 14, 8) if first else (45, 30, 25)
        rating = rng.choices((Rating.SATISFIED, Rating.BASICALLY, Rating.UNSATISFIED), weights)[0]
        comment = rng.choice(T.RATING_COMMENTS[rating])
        case = line.act(
            actions.rate_case, case=case, actor=plan.requester, rating=rating, comment=comment
        )
        if case.status == Status.DISPATCHED:  # 不满意 reopened it: a second round
            case = self._round(plan, case, line, first=False)
        return case

    def _verifier(self, case: Case, rng: random.Random) -> Any:
        if case.grid_id is not None and rng.random() < 0.8:
            return self.cast.grid_workers[case.grid_id]
        if case.community_id is not None:
            return self.cast.community_admins[case.community_id]
        return self.cast.street_admin

    def _elsewhere(self, case: Case) -> Unit | None:
        """Where the dispatcher sends a case its lead unit gave back."""
        lead = case.lead_unit
        category = case.category
        assert lead is not None and category is not None
        code = CATEGORY_DEPARTMENT.get(category.code) or GROUP_DEPARTMENT[category.group]
        options = []
        if lead.kind in (UnitKind.GRID, UnitKind.COMMUNITY, UnitKind.PARTNER):
            options.append(self.department(code))
        if lead.kind in (UnitKind.DEPARTMENT, UnitKind.PARTNER, UnitKind.GRID):
            options.append(self.community_unit(case))
        for unit in options:
            if unit is not None and unit.pk != lead.pk:
                return unit
        return None

    def _whistle(self, plan: Plan, case: Case, line: Timeline) -> tuple[Case, list[Unit]]:
        """吹哨: the lead unit calls the level above or a department; they report for duty."""
        rng = plan.rng
        lead = case.lead_unit
        category = case.category
        assert lead is not None and category is not None
        code = CATEGORY_DEPARTMENT.get(category.code) or GROUP_DEPARTMENT[category.group]
        department = self.department(code)
        helpers: list[Unit] = []
        line.wait(20 * MINUTE, DAY, office=True)
        if lead.kind == UnitKind.GRID or (lead.kind == UnitKind.COMMUNITY and rng.random() < 0.5):
            # up one level: the grid calls its community, the community the street office
            above = self.community_unit(case) if lead.kind == UnitKind.GRID else None
            called = above or self.cast.units["street"]
            reasons = T.WHISTLE_UP if lead.kind == UnitKind.GRID else T.WHISTLE_STREET
            case = line.act(
                actions.whistle,
                case=case,
                actor=self.person(lead),
                up=True,
                reason=rng.choice(reasons),
            )
        else:
            target = department if department is not None and department.pk != lead.pk else None
            target = target or self.community_unit(case) or self.cast.units["street"]
            if target.pk == lead.pk:
                return case, helpers
            called = target
            case = line.act(
                actions.whistle,
                case=case,
                actor=self.person(lead),
                units=[target],
                reason=self._why(target, rng),
            )
        helpers.append(called)
        case = self._report(plan, case, line, called)
        # The one summoned may summon a department in turn (grid → community → 科室).
        if (
            called.kind in (UnitKind.COMMUNITY, UnitKind.STREET)
            and department is not None
            and department.pk != lead.pk
            and rng.random() < 0.55
        ):
            line.wait(20 * MINUTE, 20 * HOUR, office=True)
            case = line.act(
                actions.whistle,
                case=case,
                actor=self.person(called),
                units=[department],
                reason=self._why(department, rng),
            )
            helpers.append(department)
            case = self._report(plan, case, line, department)
        return case, helpers

    def _why(self, unit: Unit, rng: random.Random) -> str:
        """Why a named unit is summoned."""
        code = self.cast.department_codes.get(unit.pk)
        if code is not None:
            return rng.choice(T.WHISTLE_DEPARTMENT.get(code) or T.WHISTLE_STREET)
        if unit.kind == UnitKind.COMMUNITY:
            return rng.choice(T.WHISTLE_COMMUNITY)
        return rng.choice(T.WHISTLE_STREET)

    def _report(self, plan: Plan, case: Case, line: Timeline, unit: Unit) -> Case:
        """报到: within the 30 minutes mostly, sometimes late."""
        rng = plan.rng
        if rng.random() < 0.85:
            line.wait(3 * MINUTE, 28 * MINUTE, office=False)
        else:
            line.wait(35 * MINUTE, 3 * HOUR, office=False)
        notes = T.REPORT_NOTES.get(unit.kind, ("",))
        code = self.cast.department_codes.get(unit.pk)
        if code is not None:
            notes = notes + T.REPORT_NOTES.get(code, ())  # 执法中队: its own words
        return line.act(
            actions.report_for_duty, case=case, actor=self.person(unit), note=rng.choice(notes)
        )

    def _extension(self, plan: Plan, case: Case, line: Timeline) -> Case:
        """延期: the lead unit asks before its deadline; the dispatcher decides."""
        rng = plan.rng
        due = case.resolve_due
        if due is None or due - line.t < 2 * HOUR:
            return case
        line.wait((due - line.t) * 0.3, (due - line.t) * 0.8, office=True)
        days = rng.choice((2, 3, 5, 7, 7, 10, 15))
        case = line.act(
            actions.request_extension,
            case=case,
            actor=self.person(case.lead_unit),
            days=days,
            reason=rng.choice(T.EXTENSION_REASONS),
        )
        line.wait(30 * MINUTE, 6 * HOUR, office=True)
        approve = rng.random() < 0.8
        note = rng.choice(T.EXTENSION_APPROVALS if approve else T.EXTENSION_REFUSALS)
        return line.act(
            actions.decide_extension,
            case=case,
            actor=self.cast.street_admin,
            approve=approve,
            note=note,
        )


# --------------------------------------------------------------------------- loading


def _world(street: Street, *, days: int, now: datetime.datetime, rng: random.Random) -> World:
    grids = list(Grid.objects.filter(street=street).order_by("code"))
    communities = list(Community.objects.filter(street=street).order_by("code"))
    departments = list(Department.objects.filter(street=street).order_by("code"))
    organisations = list(Organisation.objects.filter(street=street).order_by("name", "pk"))
    buildings = list(
        Building.objects.filter(street=street).select_related("street", "grid").order_by("pk")
    )
    households = list(Household.objects.filter(street=street).order_by("pk"))
    buildings_by_pk = {b.pk: b for b in buildings}
    for household in households:
        household.building = buildings_by_pk[household.building_id]
    for org in organisations:
        if org.building_id in buildings_by_pk:
            org.building = buildings_by_pk[org.building_id]
    if not grids or not buildings or not households:
        raise ValueError(f"{street} needs grids, buildings and households for a history")
    cast = _cast(street, grids, communities, departments, organisations, households, rng)
    if not cast.enterprises:
        raise ValueError(f"{street} has no enterprise to make requests")
    sync_categories()
    by_grid: dict[int, list[Building]] = {}
    for building in buildings:
        by_grid.setdefault(building.grid_id, []).append(building)
    by_building: dict[int, list[Household]] = {}
    for household in households:
        by_building.setdefault(household.building_id, []).append(household)
    # The personas' grids (the first two) see a little more, so their queues are full.
    busy = {grids[0].pk, grids[1].pk} if len(grids) > 1 else {grids[0].pk}
    local_today = timezone.localdate(now)
    return World(
        street=street,
        now=now,
        first_day=local_today - datetime.timedelta(days=days - 1),
        days=days,
        cast=cast,
        categories={c.code: c for c in Category.objects.filter(active=True)},
        grids=grids,
        buildings=buildings,
        building_weights=[1.6 if b.grid_id in busy else 1.0 for b in buildings],
        buildings_by_grid=by_grid,
        households_by_building=by_building,
        roads=sorted({b.road for b in buildings if b.road}) or ["湖岛路"],
    )


def history_counts(street: Street, now: datetime.datetime) -> dict[str, int]:
    """Cases of ``street`` by status, and the kinds of history the pages show."""
    cases = Case.objects.filter(street=street)
    counts: dict[str, int] = {status: 0 for status in Status.values}
    for row in cases.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    summary = cases.aggregate(
        cases=Count("id"),
        overdue=Count("id", filter=Q(status__in=OPEN_HANDLING, resolve_due__lt=now)),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        rated=Count("id", filter=~Q(rating="")),
    )
    summary["whistled"] = cases.filter(summonses__isnull=False).distinct().count()
    return {**summary, **counts}


def load_demo_cases(
    street: Street,
    *,
    days: int = HISTORY_DAYS,
    cases: int = DEMO_CASES,
    seed: int = CASES_SEED,
    now: datetime.datetime | None = None,
    stdout: Writer | None = None,
) -> dict[str, Any]:
    """Play ``cases`` cases of the last ``days`` days of ``street`` through the actions.

    Makes the people missing for the history (a grid worker per grid, an
    admin per community, a clerk per department, staff per partner, a
    contact per enterprise, a few residents per grid; unusable passwords).
    ``now`` is the end of the history (default: the clock's now).  Returns
    the counts by status and of overdue, reopened, rated and whistled cases.
    """
    if days < 1 or cases < 0:
        raise ValueError("days must be at least 1 and cases not negative")
    started = time.perf_counter()
    end = now or clock.now()
    rng = random.Random(seed)
    _say(stdout, f"{street.name}: {cases} cases of the last {days} days, step by step …")
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        last_note = Notification.objects.aggregate(top=Max("id"))["top"] or 0
        last_message = OutboxMessage.objects.aggregate(top=Max("id"))["top"] or 0
        world = _world(street, days=days, now=end, rng=rng)
        plans = plan_history(world, cases, seed)
        player = Player(world)
        for plan in plans:
            player.play(plan)
        announce_pending()  # the cases still as taken in: their notices, as the worker would
        date_messages(street, last_note, last_message, end, random.Random(seed + 1))
    counts: dict[str, Any] = history_counts(street, end)
    counts["users"] = world.cast.created
    counts["seconds"] = round(time.perf_counter() - started, 2)
    _say(stdout, summary_line(counts))
    return counts


def date_messages(
    street: Street,
    after_note: int,
    after_message: int,
    now: datetime.datetime,
    rng: random.Random,
) -> None:
    """Give the history's notifications and outbox messages the time of their event.

    A month of history would otherwise show hundreds of unread
    notifications and leave a month of outbox messages for the worker to
    send to the work-chat robots.  A notification takes the time of its case's event of the same
    action (events and notifications of a case come in the same order);
    those older than two days were read; outbox messages were delivered.
    """
    events: dict[int, list[tuple[str, datetime.datetime]]] = {}
    for case_id, action, at in (
        CaseEvent.objects.filter(case__street=street)
        .order_by("case_id", "sequence")
        .values_list("case_id", "action", "created_at")
    ):
        events.setdefault(case_id, []).append((action, at))
    position: dict[int, int] = {}
    notes = list(
        Notification.objects.filter(pk__gt=after_note, case__street=street)
        .only("id", "case_id", "kind", "created_at", "read_at")
        .order_by("pk")
    )
    for note in notes:
        assert note.case_id is not None
        steps = events.get(note.case_id, [])
        k = position.get(note.case_id, 0)
        while k < len(steps) and steps[k][0] != note.kind:
            k += 1
        if k == len(steps):
            continue
        position[note.case_id] = k
        note.created_at = steps[k][1]
        read = note.created_at + datetime.timedelta(minutes=rng.randint(3, 24 * 60))
        recent = note.created_at > now - 2 * DAY
        note.read_at = None if read > now or (recent and rng.random() < 0.7) else read
    Notification.objects.bulk_update(notes, ["created_at", "read_at"], batch_size=500)
    messages = list(
        OutboxMessage.objects.filter(pk__gt=after_message, delivered_at__isnull=True)
        .only("id", "next_attempt_at", "delivered_at", "attempts")
        .order_by("pk")
    )
    for message in messages:
        message.delivered_at = message.next_attempt_at + datetime.timedelta(seconds=2)
        message.attempts = 1
    OutboxMessage.objects.bulk_update(messages, ["delivered_at", "attempts"], batch_size=500)


def summary_line(counts: dict[str, Any]) -> str:
    """ "600 cases: 412 closed, 40 accepted, ...; 30 overdue, 20 reopened, ..." """
    by_status = Counter({s: counts.get(s, 0) for s in Status.values})
    parts = [f"{n} {status}" for status, n in by_status.most_common() if n]
    extras = [f"{counts[k]} {k}" for k in ("overdue", "whistled", "reopened", "rated")]
    return f"{counts['cases']} cases: " + ", ".join(parts) + "; " + ", ".join(extras)


def case_fingerprint(street: Street) -> list[tuple[str, str, str]]:
    """(number, description, status) of every case: what two equal loads must share."""
    return list(
        Case.objects.filter(street=street)
        .order_by("number")
        .values_list("number", "description", "status")
    )


def events_in_order(street: Street, now: datetime.datetime) -> list[str]:
    """Cases whose events are not in time order or lie after ``now`` (empty: all well)."""
    problems = []
    last: dict[int, datetime.datetime] = {}
    numbers = dict(Case.objects.filter(street=street).values_list("pk", "number"))
    for case_id, at in (
        CaseEvent.objects.filter(case__street=street)
        .order_by("case_id", "sequence")
        .values_list("case_id", "created_at")
    ):
        if at > now or (case_id in last and at < last[case_id]):
            problems.append(numbers[case_id])
        last[case_id] = at
    return problems
