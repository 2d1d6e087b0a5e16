"""The demo street (湖岛街道) and the bulk seeder for bigger data sets.

Two paths write the data, on purpose:

* the *structure* (streets, communities, grids, the party chain, users, roles,
  organisations) goes through the action functions, so the demo exercises
  the same validation (grid overlaps, parent kinds, ...) and leaves the same
  audit rows as real use;
* the *bulk* (buildings, households, party members; and for ``seed`` also the
  building party groups and liaison households, which scale with the
  households) is ``bulk_create`` inside the same transaction, followed by ONE
  summary audit row per street (action ``"seed"``): per-row actions would
  take minutes for 100,000 households and flood the audit log.

Buildings take their grid from the point index (``locate_grid_ids``), the
same lookup ``create_building`` and ``rezone`` use, so the demo can never
hold a building that the index would put elsewhere.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max

from gridgov.accounts.actions import assign_role, create_user
from gridgov.accounts.models import Role, RoleAssignment
from gridgov.algorithms import demogeo
from gridgov.algorithms.geo import to_geojson
from gridgov.core import audit
from gridgov.party.actions import create_party_organisation
from gridgov.party.models import MemberStatus, OrgKind, PartyMember, PartyOrganisation
from gridgov.places import index
from gridgov.places.actions import (
    create_community,
    create_grid,
    create_organisation,
    create_street,
)
from gridgov.places.models import (
    Building,
    Community,
    Department,
    Grid,
    Household,
    Organisation,
    Street,
)

DEMO_PASSWORD = "gridgov-demo"
DEMO_SEED = 20210130  # the day the Hudao article appeared: any fixed number would do
BATCH_SIZE = 2000  # rows per INSERT: well under SQLite's 32,766 bound variables

CITY = "青岛市"
DISTRICT = "市北区"
DEMO_STREET = {"code": "370203016", "name": "湖岛街道", "district": DISTRICT, "city": CITY}
COMMUNITY_NAMES = ("宜昌路社区", "瑞安路社区", "金华路社区")
GRIDS_PER_STREET = 15
DEMO_BUILDINGS = 300
DEMO_HOUSEHOLDS = 4000
# About 4.25% of households hold a party member: 170 members in the demo.
MEMBERS_PER_HOUSEHOLD = 170 / 4000
# Seeded streets keep the demo's density (~13 households a building) up to a
# cap; past it buildings simply get taller, as in a real high-rise district.
HOUSEHOLDS_PER_BUILDING = DEMO_HOUSEHOLDS / DEMO_BUILDINGS
MAX_BUILDINGS_PER_STREET = 2000
# Seeded streets sit in rows east of everything already on the map.
STREET_SPACING_M = 3400.0
SEED_STREET_FIRST_NUMBER = 501

# (kind, name, where, description): "grid_a" is the first grid of the first
# community (the partner persona must be found there), "community_a" any grid
# of the first community, "street" anywhere.
ORGANISATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("partner", "永新中医院", "grid_a", "红色合伙人: 每月为网格内老人义诊、测血压"),
    ("partner", "青岛农商银行", "community_a", "红色合伙人: 金融知识进社区, 防范电信诈骗宣传"),
    ("partner", "泰能热电第二热力", "street", "红色合伙人: 为困难群众免费地暖打压和清洗"),
    ("partner", "佳丽理发店", "street", "红色合伙人: 为90岁以上老人每年3次免费上门理发"),
    ("enterprise", "青岛新铧教育咨询有限公司", "community_a", "教育咨询"),
    ("enterprise", "青岛国林环保科技股份有限公司", "street", "臭氧发生器研发制造, 辖区龙头企业"),
    ("institution", "青岛博文小学", "street", "辖区小学"),
)

# username -> (role, what it is attached to); see _persona_target.
PERSONAS: tuple[tuple[str, Role, str], ...] = (
    ("street_admin", Role.STREET_ADMIN, "street"),
    ("community_admin", Role.COMMUNITY_ADMIN, "community_a"),
    ("grid_worker_a", Role.GRID_WORKER, "grid_a"),
    ("grid_worker_b", Role.GRID_WORKER, "grid_b"),
    ("branch_secretary_a", Role.BRANCH_SECRETARY, "branch_a"),
    ("dept_urban", Role.DEPARTMENT_CLERK, "department_urban"),
    ("partner_clinic", Role.PARTNER_STAFF, "clinic"),
    ("resident_a", Role.RESIDENT, "household_a"),
    ("enterprise_a", Role.ENTERPRISE_CONTACT, "enterprise"),
)

# --------------------------------------------------------------------------- people

# Common surnames, weighted towards Shandong's (王, 张, 李, 刘, 孙 and 于/曲/隋 are
# far more frequent in Qingdao than nationally).
_SURNAMES = (
    "王" * 9
    + "张" * 8
    + "李" * 8
    + "刘" * 7
    + "孙" * 5
    + "赵" * 4
    + "杨" * 4
    + "陈" * 4
    + "徐" * 3
    + "高" * 3
    + "于" * 3
    + "马" * 2
    + "周" * 2
    + "郭" * 2
    + "林" * 2
    + "宋" * 2
    + "韩" * 2
    + "曲" * 2
    + "姜" * 2
    + "董" * 2
    + "吕"
    + "崔"
    + "苏"
    + "胡"
    + "朱"
    + "袁"
    + "隋"
    + "丁"
    + "梁"
    + "谭"
    + "薛"
    + "邵"
    + "管"
    + "纪"
    + "臧"
    + "迟"
    + "栾"
    + "房"
    + "宫"
    + "辛"
)
_GIVEN = (
    "建国华明丽伟芳静敏强军平红玉英海涛磊娜霞秀兰凤洁鹏飞宇浩欣怡晨佳瑞泽文志德成春梅桂荣庆福"
    "振东刚勇杰琳婷雪燕颖慧晓光辉斌超鑫淑珍翠萍宁永胜立新秋菊彩云俊峰"
)
_MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "180",
    "181",
    "182",
    "186",
    "187",
    "188",
    "189",
)
_SIZES = (1, 2, 3, 4, 5)
_SIZE_WEIGHTS = (18, 32, 27, 15, 8)

# GB 32100-2015 unified social credit codes: 31 symbols and these weights.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name: surname plus one or two given characters."""
    given = "".join(rng.choices(_GIVEN, k=1 if rng.random() < 0.3 else 2))
    return rng.choice(_SURNAMES) + given


def mobile_number(rng: random.Random) -> str:
    """11 digits starting 13/15/18 (fictional: not checked against any carrier)."""
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def credit_code(rng: random.Random, region: str = "370203") -> str:
    """A well-formed unified social credit code (enterprise, registered in ``region``)."""
    body = "91" + region + "".join(rng.choices(_CREDIT_CHARS, k=9))
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


def chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (grid names: 第一网格 ... 第十五网格)."""
    digits = "零一二三四五六七八九"
    if not 0 < n < 100:
        raise ValueError("only 1..99")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


# --------------------------------------------------------------------------- building one street


@dataclass
class StreetBuild:
    """What one street build made, by role in the demo (for personas and counts)."""

    street: Street
    communities: list[Community] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    branches: dict[int, PartyOrganisation] = field(default_factory=dict)  # grid id -> branch
    buildings: list[Building] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


class Writer(Protocol):
    """Where progress goes: a file, sys.stdout or a management command's stdout."""

    def write(self, message: str, /) -> object: ...


def _say(stdout: Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message + "\n")


def _require_bulk_returning() -> None:
    # Households and groups are referenced right after bulk_create: their ids
    # must come back from the INSERT (SQLite >= 3.35 and PostgreSQL do this).
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError(
            "the database cannot return ids from bulk inserts (SQLite >= 3.35 needed)"
        )


def _create_structure(
    spec: dict[str, str], plan: demogeo.StreetPlan, rng: random.Random
) -> StreetBuild:
    """Street, communities, grids and the party chain down to the grid branches (actions)."""
    street = create_street(
        code=spec["code"], name=spec["name"], district=spec["district"], city=spec["city"]
    )
    build = StreetBuild(street=street)
    committee = create_party_organisation(
        kind=OrgKind.STREET_COMMITTEE,
        name=f"{street.name}党工委",
        street=street,
        secretary_name=person_name(rng),
    )
    for c, grid_indices in enumerate(plan.communities):
        name = COMMUNITY_NAMES[c] if c < len(COMMUNITY_NAMES) else f"第{chinese_number(c + 1)}社区"
        community = create_community(street=street, code=f"{street.code}{c + 1:03d}", name=name)
        build.communities.append(community)
        community_committee = create_party_organisation(
            kind=OrgKind.COMMUNITY_COMMITTEE,
            name=f"{name}党委",
            parent=committee,
            community=community,
            secretary_name=person_name(rng),
        )
        for g, grid_index in enumerate(grid_indices):
            grid = create_grid(
                community=community,
                code=f"{community.code}{g + 1:03d}",
                name=f"{name}第{chinese_number(g + 1)}网格",
                geometry=to_geojson(plan.grids[grid_index].polygon),
            )
            build.grids.append(grid)
            build.branches[grid.pk] = create_party_organisation(
                kind=OrgKind.GRID_BRANCH,
                name=f"{grid.name}党支部",
                parent=community_committee,
                grid=grid,
                secretary_name=person_name(rng),
            )
    return build


def _create_buildings(build: StreetBuild, sites: Sequence[demogeo.BuildingSite]) -> None:
    """Buildings at their sites, each homed by the point index (bulk)."""
    located = index.locate_grid_ids(
        np.array([s.lat for s in sites]), np.array([s.lng for s in sites])
    )
    grids = {grid.pk: grid for grid in build.grids}
    rows = []
    for site, grid_id in zip(sites, located, strict=True):
        grid = grids.get(grid_id) if grid_id is not None else None
        if grid is None:
            # The plan keeps sites metres inside their grid; landing elsewhere
            # means two streets overlap on the map, which must not be hidden.
            raise RuntimeError(
                f"{site.name} ({site.lat}, {site.lng}) is not in a grid of {build.street}"
            )
        rows.append(
            Building(
                grid=grid,
                community_id=grid.community_id,
                street=build.street,
                name=site.name,
                road=site.road,
                door_number=site.door_number,
                address=f"{build.street.city}{build.street.district}{site.name}",
                lat=site.lat,
                lng=site.lng,
                floors=site.floors,
            )
        )
    build.buildings = Building.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _create_households(build: StreetBuild, total: int, rng: random.Random) -> None:
    """``total`` households spread over the buildings, more in taller ones (bulk).

    A building gets enough units (单元) for its share; each household takes a
    distinct dwelling "2单元301" (unit, floor, room) chosen at random, so
    buildings are partly registered, as the 实有人口 registers really are.
    """
    buildings = build.buildings
    if not buildings or total <= 0:
        return
    weights = np.array([(b.floors or 3) * rng.uniform(0.6, 1.4) for b in buildings])
    exact = total * weights / weights.sum()
    shares = np.floor(exact).astype(int)
    shares[np.argsort(-(exact - shares), kind="stable")[: total - shares.sum()]] += 1
    rows = []
    for building, share in zip(buildings, shares, strict=True):
        if share == 0:
            continue
        floors = building.floors or 3
        rooms = 2 if floors <= 7 else 4
        # ~70% occupancy at most keeps a choice of dwellings.
        units = max(1, math.ceil(share / (floors * rooms * 0.7)))
        dwellings = rng.sample(range(units * floors * rooms), int(share))
        for dwelling in dwellings:
            unit, rest = divmod(dwelling, floors * rooms)
            floor, room = divmod(rest, rooms)
            rows.append(
                Household(
                    building=building,
                    grid_id=building.grid_id,
                    community_id=building.community_id,
                    street=build.street,
                    dwelling=f"{unit + 1}单元{floor + 1}{room + 1:02d}",
                    head_name=person_name(rng),
                    phone=mobile_number(rng),
                    size=rng.choices(_SIZES, _SIZE_WEIGHTS)[0],
                )
            )
    build.households = Household.objects.bulk_create(rows, batch_size=BATCH_SIZE)


def _create_organisations(build: StreetBuild, rng: random.Random) -> None:
    """The partner units, enterprises and the school (actions), each in a fitting grid."""
    first = build.communities[0]
    by_grid: dict[int, list[Building]] = defaultdict(list)
    for building in build.buildings:
        by_grid[building.grid_id].append(building)
    used: set[int] = set()
    for kind, name, where, description in ORGANISATIONS:
        if where == "grid_a":
            pool = by_grid[build.grids[0].pk]
        elif where == "community_a":
            pool = [b for b in build.buildings if b.community_id == first.pk]
        else:
            pool = build.buildings
        # A unit of its own where possible: two units at one door look odd.
        free = [b for b in pool if b.pk not in used] or pool
        building = rng.choice(free)
        used.add(building.pk)
        build.organisations[name] = create_organisation(
            kind=kind,
            name=name,
            building=building,
            credit_code=credit_code(rng) if kind != "institution" else "",
            contact_name=person_name(rng),
            contact_phone=mobile_number(rng),
            description=description,
        )


def _member_households(build: StreetBuild, count: int, rng: random.Random) -> list[Household]:
    """Households of ``count`` members: most hold one, some a couple (夫妻党员)."""
    chosen: list[Household] = []
    candidates = rng.sample(build.households, min(len(build.households), count))
    for household in candidates:
        if len(chosen) >= count:
            break
        chosen.append(household)
        if household.size >= 2 and len(chosen) < count and rng.random() < 0.15:
            chosen.append(household)
    return chosen


def _create_party_members(
    build: StreetBuild, count: int, rng: random.Random, *, bulk_groups: bool
) -> dict[str, int]:
    """Groups, liaison households and ``count`` members in households of their grid.

    A building with members gets a 楼院党小组; one of its member households
    is the group's 党员中心户 and serves the members of that building.
    With ``bulk_groups`` the groups and liaison households are bulk-inserted
    (seeding: thousands of them), otherwise made by the action (demo).
    """
    homes = _member_households(build, count, rng)
    by_building: dict[int, list[Household]] = defaultdict(list)
    for household in homes:
        by_building[household.building_id].append(household)
    buildings = {b.pk: b for b in build.buildings}
    groups: dict[int, PartyOrganisation] = {}
    liaisons: dict[int, PartyOrganisation] = {}
    liaison_homes = {bid: members[0] for bid, members in by_building.items()}
    ordered = sorted(by_building)
    if bulk_groups:
        groups = dict(
            zip(
                ordered,
                PartyOrganisation.objects.bulk_create(
                    [_group_row(build, buildings[bid]) for bid in ordered],
                    batch_size=BATCH_SIZE,
                ),
                strict=True,
            )
        )
        liaisons = dict(
            zip(
                ordered,
                PartyOrganisation.objects.bulk_create(
                    [_liaison_row(groups[bid], liaison_homes[bid]) for bid in ordered],
                    batch_size=BATCH_SIZE,
                ),
                strict=True,
            )
        )
    else:
        for bid in ordered:
            building = buildings[bid]
            groups[bid] = create_party_organisation(
                kind=OrgKind.BUILDING_GROUP,
                name=f"{building.name}党小组",
                parent=build.branches[building.grid_id],
                building=building,
                secretary_name=liaison_homes[bid].head_name,
            )
            home = liaison_homes[bid]
            liaisons[bid] = create_party_organisation(
                kind=OrgKind.LIAISON_HOUSEHOLD,
                name=f"{home.head_name}党员中心户",
                parent=groups[bid],
                household=home,
                secretary_name=home.head_name,
            )
    rows = []
    seen: set[int] = set()
    this_year = datetime.date.today().year
    for household in homes:
        building = buildings[household.building_id]
        branch = build.branches[building.grid_id]
        # The head is the first member of a household, the spouse the second.
        first = household.pk not in seen
        seen.add(household.pk)
        birth_year = rng.randint(1938, this_year - 22)
        joined = datetime.date(
            rng.randint(birth_year + 18, min(this_year - 1, birth_year + 55)),
            rng.randint(1, 12),
            rng.randint(1, 28),
        )
        if this_year - birth_year >= 80:
            status = MemberStatus.ELDERLY
        elif rng.random() < 0.06:
            status = MemberStatus.MOBILE
        else:
            status = MemberStatus.ACTIVE
        rows.append(
            PartyMember(
                name=household.head_name if first else person_name(rng),
                gender=rng.choice(("男", "女")),
                birth_year=birth_year,
                joined_on=joined,
                phone=household.phone if first else mobile_number(rng),
                status=status,
                branch=branch,
                group=groups[building.pk],
                liaison=liaisons[building.pk],
                household=household,
                home_building=building,
                street=build.street,
                # the branch's grid is the building's grid (branches are keyed by it)
                community_id=building.community_id,
                grid_id=building.grid_id,
            )
        )
    PartyMember.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return {"party_groups": len(groups), "liaison_households": len(liaisons), "members": len(rows)}


def _group_row(build: StreetBuild, building: Building) -> PartyOrganisation:
    branch = build.branches[building.grid_id]
    return PartyOrganisation(
        kind=OrgKind.BUILDING_GROUP,
        name=f"{building.name}党小组",
        parent=branch,
        street=build.street,
        community_id=building.community_id,
        grid_id=building.grid_id,
        building=building,
    )


def _liaison_row(group: PartyOrganisation, household: Household) -> PartyOrganisation:
    return PartyOrganisation(
        kind=OrgKind.LIAISON_HOUSEHOLD,
        name=f"{household.head_name}党员中心户",
        parent=group,
        street_id=group.street_id,
        community_id=group.community_id,
        grid_id=group.grid_id,
        building_id=household.building_id,
        household=household,
        secretary_name=household.head_name,
    )


def build_street(
    spec: dict[str, str],
    plan: demogeo.StreetPlan,
    *,
    households: int,
    members: int,
    rng: random.Random,
    bulk_groups: bool,
    stdout: Writer | None = None,
) -> StreetBuild:
    """One whole street from a geometric plan: structure by actions, bulk by bulk_create."""
    _require_bulk_returning()
    with transaction.atomic():
        build = _create_structure(spec, plan, rng)
        _create_buildings(build, plan.buildings)
        _create_households(build, households, rng)
        _create_organisations(build, rng)
        party = _create_party_members(build, members, rng, bulk_groups=bulk_groups)
        build.counts = {
            "communities": len(build.communities),
            "grids": len(build.grids),
            "buildings": len(build.buildings),
            "households": len(build.households),
            "organisations": len(build.organisations),
            **party,
        }
        audit.record(
            "seed",
            obj=build.street,
            summary=(
                f"{build.street.name}: {len(build.buildings)} buildings, "
                f"{len(build.households)} households, {party['members']} party members"
            ),
            data=build.counts,
        )
    _say(
        stdout,
        f"{build.street.name} ({build.street.code}): "
        + ", ".join(f"{value} {key}" for key, value in build.counts.items()),
    )
    return build


# --------------------------------------------------------------------------- the demo


def _persona_target(build: StreetBuild, key: str) -> Any:
    first_grids = [g for g in build.grids if g.community_id == build.communities[0].pk]
    grid_a = first_grids[0]
    if key == "street":
        return build.street
    if key == "community_a":
        return build.communities[0]
    if key == "grid_a":
        return grid_a
    if key == "grid_b":
        return first_grids[1]
    if key == "branch_a":
        return build.branches[grid_a.pk]
    if key == "department_urban":
        return Department.objects.get(street=build.street, code="urban")
    if key == "clinic":
        return build.organisations["永新中医院"]
    if key == "enterprise":
        return build.organisations["青岛新铧教育咨询有限公司"]
    if key == "household_a":
        return min((h for h in build.households if h.grid_id == grid_a.pk), key=lambda h: h.pk)
    raise KeyError(key)


def _create_personas(build: StreetBuild, rng: random.Random) -> list[Any]:
    users = []
    for username, role, key in PERSONAS:
        target = _persona_target(build, key)
        # The resident and the branch secretary carry the names the data shows them under.
        if role == Role.RESIDENT:
            full_name = target.head_name
        elif role == Role.BRANCH_SECRETARY:
            full_name = target.secretary_name
        else:
            full_name = person_name(rng)
        user = create_user(username=username, password=DEMO_PASSWORD, full_name=full_name)
        assign_role(user=user, role=role, target=target)
        users.append(user)
    return users


def load_demo(
    stdout: Writer | None = None,
    *,
    cases: int | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Load 湖岛街道: 3 communities, 15 grids, ~300 buildings, ~4,000 households, personas.

    Then a month of case history up to ``now`` (``demo_cases``): ``cases``
    cases (default 600; 0 for none).  Everything happens in one transaction:
    a failure leaves no half demo.  Returns the counts (and the seconds it took).
    """
    from gridgov.core.demo_cases import DEMO_CASES, load_demo_cases  # it imports this module

    started = time.perf_counter()
    rng = random.Random(DEMO_SEED)
    plan = demogeo.plan_street(
        DEMO_SEED,
        centre=demogeo.DEMO_CENTRE,
        communities=len(COMMUNITY_NAMES),
        grids=GRIDS_PER_STREET,
        buildings=DEMO_BUILDINGS,
    )
    with transaction.atomic():
        build = build_street(
            DEMO_STREET,
            plan,
            households=DEMO_HOUSEHOLDS,
            members=round(DEMO_HOUSEHOLDS * MEMBERS_PER_HOUSEHOLD),
            rng=rng,
            bulk_groups=False,
            stdout=stdout,
        )
        users = _create_personas(build, rng)
        wanted = DEMO_CASES if cases is None else cases
        history = (
            load_demo_cases(build.street, cases=wanted, now=now, stdout=stdout) if wanted else {}
        )
    return {
        "streets": 1,
        **build.counts,
        "users": len(users) + history.get("users", 0),
        "cases": history.get("cases", 0),
        "seconds": round(time.perf_counter() - started, 2),
    }


def demo_logins() -> list[dict[str, str]]:
    """The demo personas present in the database: username, role, place, password."""
    usernames = [username for username, _role, _key in PERSONAS]
    assignments = RoleAssignment.objects.filter(
        user__username__in=usernames, active=True
    ).select_related(
        "user",
        "street",
        "community",
        "grid",
        "department",
        "party_organisation",
        "organisation",
        "household__building",
    )
    by_user = {a.user.username: a for a in assignments}
    rows = []
    for username in usernames:
        assignment = by_user.get(username)
        if assignment is None:
            continue
        place = assignment.target
        if assignment.role == Role.RESIDENT:
            place = f"{place.building.name} {place.dwelling}"
        rows.append(
            {
                "username": username,
                "role": str(Role(assignment.role).label),
                "place": str(place),
                "password": DEMO_PASSWORD,
            }
        )
    return rows


# --------------------------------------------------------------------------- bulk seeding


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def seed(
    streets: int, households: int, seed: int = 1, stdout: Writer | None = None
) -> dict[str, int]:
    """Add ``streets`` streets like the demo holding ``households`` households in all.

    Streets get fresh codes (370203501, ...) and names (压测街道501, ...) and
    are laid out in rows east of every grid already on the map, so no grid of
    any street overlaps another (the point index is shared by all streets).
    No users are made: log in as an operator, or grant roles afterwards.
    """
    if streets < 1:
        raise ValueError("streets must be at least 1")
    if households < 0:
        raise ValueError("households must not be negative")
    started = time.perf_counter()
    rng = random.Random(seed)
    totals: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        east = Grid.objects.aggregate(edge=Max("max_lng"))["edge"]
        used_codes = set(Street.objects.values_list("code", flat=True))
        used_names = set(Street.objects.values_list("name", flat=True))
        lat0, lng0 = demogeo.DEMO_CENTRE
        per_lng, per_lat = demogeo.Frame(lat0, lng0).per_degree
        if east is not None:
            lng0 = max(lng0, east + STREET_SPACING_M / per_lng)
        columns = math.ceil(math.sqrt(streets))
        number = SEED_STREET_FIRST_NUMBER
        for k, share in enumerate(_split(households, streets)):
            while f"370203{number:03d}" in used_codes or f"压测街道{number}" in used_names:
                number += 1
            code, name = f"370203{number:03d}", f"压测街道{number}"
            used_codes.add(code)
            used_names.add(name)
            row, column = divmod(k, columns)
            centre = (
                lat0 - row * STREET_SPACING_M / per_lat,
                lng0 + column * STREET_SPACING_M / per_lng,
            )
            building_count = max(
                GRIDS_PER_STREET,
                min(MAX_BUILDINGS_PER_STREET, round(share / HOUSEHOLDS_PER_BUILDING)),
            )
            plan = demogeo.plan_street(
                seed * 1000 + k,
                centre=centre,
                communities=len(COMMUNITY_NAMES),
                grids=GRIDS_PER_STREET,
                buildings=building_count,
            )
            spec = {"code": code, "name": name, "district": DISTRICT, "city": CITY}
            build = build_street(
                spec,
                plan,
                households=share,
                members=round(share * MEMBERS_PER_HOUSEHOLD),
                rng=rng,
                bulk_groups=True,
                stdout=stdout,
            )
            totals["streets"] += 1
            for key, value in build.counts.items():
                totals[key] += value
    totals["milliseconds"] = round((time.perf_counter() - started) * 1000)
    return dict(totals)


def database_counts() -> dict[str, int]:
    """Rows per model (for the commands' summaries and tests)."""
    return {
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "buildings": Building.objects.count(),
        "households": Household.objects.count(),
        "organisations": Organisation.objects.count(),
        "party_organisations": PartyOrganisation.objects.count(),
        "members": PartyMember.objects.count(),
        "users": get_user_model().objects.count(),
    }
