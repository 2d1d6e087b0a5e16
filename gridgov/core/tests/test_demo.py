"""The demo street, the `demo` command and the bulk seeder."""

from __future__ import annotations

import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.core.demo_data import (
    DEMO_PASSWORD,
    PERSONAS,
    chinese_number,
    credit_code,
    database_counts,
    load_demo,
    seed,
)
from gridgov.core.models import AuditLogEntry
from gridgov.party.models import OrgKind, PartyMember, PartyOrganisation
from gridgov.places import index
from gridgov.places.models import Building, Community, Grid, Household, Organisation, Street


def assert_buildings_where_the_index_puts_them() -> None:
    rows = list(Building.objects.values_list("grid_id", "lat", "lng"))
    located = index.locate_grid_ids(np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
    assert located == [r[0] for r in rows]


def assert_members_in_the_branch_of_their_home_grid() -> None:
    branch_of_grid = dict(
        PartyOrganisation.objects.filter(kind=OrgKind.GRID_BRANCH).values_list("grid_id", "pk")
    )
    members = PartyMember.objects.select_related("home_building", "household", "group", "liaison")
    for member in members:
        assert member.home_building is not None and member.household is not None
        assert member.household.building_id == member.home_building_id
        assert member.branch_id == branch_of_grid[member.home_building.grid_id]
        assert member.grid_id == member.home_building.grid_id
        assert member.group is not None and member.group.parent_id == member.branch_id
        assert member.liaison is not None and member.liaison.parent_id == member.group_id


@pytest.mark.django_db
def test_load_demo_builds_hudao_street_consistently() -> None:
    counts = load_demo(cases=0)  # the month of history: test_demo_cases
    street = Street.objects.get()
    assert (street.code, street.name, street.district, street.city) == (
        "370203016",
        "湖岛街道",
        "市北区",
        "青岛市",
    )
    assert list(Community.objects.values_list("name", flat=True)) == [
        "宜昌路社区",
        "瑞安路社区",
        "金华路社区",
    ]
    assert Grid.objects.count() == 15
    assert Grid.objects.filter(name="宜昌路社区第一网格").exists()
    assert all(len(layers) == 4 for layers in Grid.objects.values_list("layers", flat=True))
    assert 250 <= Building.objects.count() <= 350
    assert 3500 <= Household.objects.count() <= 4500
    assert 150 <= PartyMember.objects.count() <= 190
    assert Organisation.objects.count() == 7
    assert counts["households"] == Household.objects.count()

    building = Building.objects.first()
    assert building.address == f"青岛市市北区{building.name}"
    household = Household.objects.first()
    assert len(household.phone) == 11 and household.phone[:2] in {"13", "15", "18"}
    assert 1 <= household.size <= 5 and "单元" in household.dwelling

    # the chain: 1 党工委 -> 3 社区党委 -> 15 网格党支部 -> 楼院党小组 -> 党员中心户
    kinds = {kind: PartyOrganisation.objects.filter(kind=kind).count() for kind in OrgKind.values}
    assert kinds[OrgKind.STREET_COMMITTEE] == 1
    assert kinds[OrgKind.COMMUNITY_COMMITTEE] == 3
    assert kinds[OrgKind.GRID_BRANCH] == 15
    assert kinds[OrgKind.BUILDING_GROUP] > 30
    assert kinds[OrgKind.LIAISON_HOUSEHOLD] == kinds[OrgKind.BUILDING_GROUP]

    assert_buildings_where_the_index_puts_them()
    assert_members_in_the_branch_of_their_home_grid()
    assert not Household.objects.exclude(grid_id=F("building__grid_id")).exists()
    # structure through actions (audit rows), bulk rows summed up in one row
    assert AuditLogEntry.objects.filter(action="create_grid").count() == 15
    assert AuditLogEntry.objects.filter(action="seed").count() == 1


@pytest.mark.django_db
def test_demo_personas_log_in_with_their_roles() -> None:
    load_demo(cases=0)
    first_community = Community.objects.order_by("code").first()
    grid_a, grid_b = Grid.objects.filter(community=first_community).order_by("code")[:2]
    for username, role, _target in PERSONAS:
        assert Client().login(username=username, password=DEMO_PASSWORD), username
        assignment = RoleAssignment.objects.get(user__username=username)
        assert assignment.role == role
    by_user = {a.user.username: a for a in RoleAssignment.objects.select_related("user")}
    assert by_user["community_admin"].community_id == first_community.pk
    assert by_user["grid_worker_a"].grid_id == grid_a.pk
    assert by_user["grid_worker_b"].grid_id == grid_b.pk
    assert by_user["branch_secretary_a"].party_organisation.grid_id == grid_a.pk
    assert by_user["dept_urban"].department.code == "urban"
    assert by_user["partner_clinic"].organisation.name == "永新中医院"
    assert by_user["partner_clinic"].organisation.grid_id == grid_a.pk
    assert by_user["resident_a"].household.grid_id == grid_a.pk
    assert by_user["enterprise_a"].organisation.kind == "enterprise"
    assert by_user["street_admin"].role == Role.STREET_ADMIN


@pytest.mark.django_db
def test_demo_command_loads_once_and_prints_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gridgov.core.demo_cases.DEMO_CASES", 40)  # a short history, quickly
    first, second = StringIO(), StringIO()
    call_command("demo", "--no-serve", "--port", "8765", stdout=first)
    before = database_counts()
    call_command("demo", "--no-serve", stdout=second)
    assert database_counts() == before
    assert before["streets"] == 1
    assert "http://127.0.0.1:8765/" in first.getvalue()
    assert "40 cases: " in first.getvalue()
    assert "not loaded again" in second.getvalue()
    for username, _role, _target in PERSONAS:
        assert username in second.getvalue()
    assert DEMO_PASSWORD in second.getvalue()

    # a seeded street goes east of the demo: no grid overlaps it
    seed(streets=1, households=300)
    demo, seeded = Street.objects.order_by("code")
    demo_east = max(Grid.objects.filter(street=demo).values_list("max_lng", flat=True))
    seeded_west = min(Grid.objects.filter(street=seeded).values_list("min_lng", flat=True))
    assert seeded_west > demo_east
    assert_buildings_where_the_index_puts_them()


@pytest.mark.django_db
def test_seed_makes_the_requested_streets_and_households() -> None:
    counts = seed(streets=2, households=2000)
    assert counts["streets"] == 2 and counts["households"] == 2000
    assert Street.objects.count() == 2
    assert Household.objects.count() == 2000
    assert Grid.objects.count() == 30
    assert len(set(Street.objects.values_list("code", flat=True))) == 2
    assert_buildings_where_the_index_puts_them()
    assert_members_in_the_branch_of_their_home_grid()
    assert AuditLogEntry.objects.filter(action="seed").count() == 2
    assert not AuditLogEntry.objects.filter(action="create_building").exists()


def credit_code_is_valid(code: str) -> bool:
    """GB 32100-2015 check character, written out independently of the generator."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(chars.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return len(code) == 18 and chars[(31 - total % 31) % 31] == code[17]


def test_chinese_numbers_and_credit_codes() -> None:
    assert [chinese_number(n) for n in (1, 5, 10, 11, 15, 20, 23)] == [
        "一",
        "五",
        "十",
        "十一",
        "十五",
        "二十",
        "二十三",
    ]
    assert credit_code_is_valid("91350100M000100Y43")  # the standard's worked example
    rng = random.Random(1)
    for _ in range(50):
        code = credit_code(rng)
        assert code.startswith("91370203") and credit_code_is_valid(code)
