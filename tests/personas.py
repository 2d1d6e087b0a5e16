"""A small street built through the actions, and the personas of every test.

Street 测试街道 (code 370203901):
  community 一社区 (C1): grid A (120.30-120.31 E) and grid B (120.31-120.32 E),
                          sharing the edge lng 120.31
  community 二社区 (C2): grid C (120.32-120.33 E)
Another street 别的街道 with one community and grid D, for "other street" checks.

Personas (password PASSWORD): resident (lives in grid A), grid_worker_a,
grid_worker_b, community_admin (C1), community_admin_2 (C2), street_admin,
dept_clerk (urban management), partner (clinic in grid A), enterprise
(enterprise in grid B), branch_secretary_a, outsider (no role).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gridgov.accounts.actions import assign_role, create_user
from gridgov.cases.catalogue import sync_categories
from gridgov.party.actions import add_party_member, create_party_organisation
from gridgov.party.models import OrgKind
from gridgov.places.actions import (
    create_building,
    create_community,
    create_grid,
    create_household,
    create_organisation,
    create_street,
)
from gridgov.places.models import Department

PASSWORD = "persona-pass-1"


def square(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [min_lng, min_lat],
                [max_lng, min_lat],
                [max_lng, max_lat],
                [min_lng, max_lat],
                [min_lng, min_lat],
            ]
        ],
    }


@dataclass
class World:
    """Everything the personas fixture made, by name."""

    places: dict[str, Any] = field(default_factory=dict)
    party: dict[str, Any] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        for bucket in ("places", "party", "users"):
            values = self.__dict__.get(bucket, {})
            if name in values:
                return values[name]
        raise AttributeError(name)


def build_world() -> World:
    # The migration loads the catalogue, but transactional tests flush every
    # table afterwards: load it again when it is missing (adds nothing otherwise).
    sync_categories()
    world = World()
    p = world.places
    p["street"] = create_street(code="370203901", name="测试街道", district="市北区", city="青岛市")
    p["c1"] = create_community(street=p["street"], code="370203901001", name="一社区")
    p["c2"] = create_community(street=p["street"], code="370203901002", name="二社区")
    p["grid_a"] = create_grid(
        community=p["c1"],
        code="370203901001001",
        name="一网格",
        geometry=square(120.30, 36.10, 120.31, 36.11),
    )
    p["grid_b"] = create_grid(
        community=p["c1"],
        code="370203901001002",
        name="二网格",
        geometry=square(120.31, 36.10, 120.32, 36.11),
    )
    p["grid_c"] = create_grid(
        community=p["c2"],
        code="370203901002001",
        name="三网格",
        geometry=square(120.32, 36.10, 120.33, 36.11),
    )
    p["other_street"] = create_street(code="370203902", name="别的街道")
    p["other_community"] = create_community(
        street=p["other_street"], code="370203902001", name="外社区"
    )
    p["grid_d"] = create_grid(
        community=p["other_community"],
        code="370203902001001",
        name="外网格",
        geometry=square(120.40, 36.10, 120.41, 36.11),
    )

    p["building_a"] = create_building(
        name="万安一路6号",
        address="青岛市市北区万安一路6号",
        road="万安一路",
        door_number="6号",
        lat=36.105,
        lng=120.305,
    )
    p["building_b"] = create_building(
        name="金华路46号",
        address="青岛市市北区金华路46号",
        road="金华路",
        door_number="46号",
        lat=36.105,
        lng=120.315,
    )
    p["building_c"] = create_building(
        name="瑞安路10号",
        address="青岛市市北区瑞安路10号",
        road="瑞安路",
        door_number="10号",
        lat=36.105,
        lng=120.325,
    )
    p["building_d"] = create_building(
        name="外路1号", address="青岛市市北区外路1号", lat=36.105, lng=120.405
    )
    p["household_a"] = create_household(
        building=p["building_a"], dwelling="1-101", head_name="张三", phone="13800001111", size=3
    )
    p["household_a2"] = create_household(
        building=p["building_a"], dwelling="1-102", head_name="李四", phone="13800002222", size=2
    )
    p["household_b"] = create_household(
        building=p["building_b"], dwelling="2-201", head_name="王五", phone="13800003333", size=4
    )
    p["household_c"] = create_household(
        building=p["building_c"], dwelling="1-301", head_name="赵六", phone="13800004444", size=1
    )
    p["clinic"] = create_organisation(kind="partner", name="永新中医院", building=p["building_a"])
    p["enterprise"] = create_organisation(
        kind="enterprise", name="新铧教育咨询有限公司", building=p["building_b"]
    )
    p["dept_urban"] = Department.objects.get(street=p["street"], code="urban")

    party = world.party
    party["street_committee"] = create_party_organisation(
        kind=OrgKind.STREET_COMMITTEE, name="测试街道党工委", street=p["street"]
    )
    party["c1_committee"] = create_party_organisation(
        kind=OrgKind.COMMUNITY_COMMITTEE,
        name="一社区党委",
        parent=party["street_committee"],
        community=p["c1"],
    )
    party["c2_committee"] = create_party_organisation(
        kind=OrgKind.COMMUNITY_COMMITTEE,
        name="二社区党委",
        parent=party["street_committee"],
        community=p["c2"],
    )
    for key, grid, parent in (
        ("branch_a", "grid_a", "c1_committee"),
        ("branch_b", "grid_b", "c1_committee"),
        ("branch_c", "grid_c", "c2_committee"),
    ):
        party[key] = create_party_organisation(
            kind=OrgKind.GRID_BRANCH,
            name=f"{p[grid].name}党支部",
            parent=party[parent],
            grid=p[grid],
        )
    party["group_a"] = create_party_organisation(
        kind=OrgKind.BUILDING_GROUP,
        name="万安一路6号党小组",
        parent=party["branch_a"],
        building=p["building_a"],
    )
    party["liaison_a"] = create_party_organisation(
        kind=OrgKind.LIAISON_HOUSEHOLD,
        name="张三党员中心户",
        parent=party["group_a"],
        household=p["household_a"],
    )
    party["member_a"] = add_party_member(
        name="张三",
        branch=party["branch_a"],
        household=p["household_a"],
        group=party["group_a"],
        liaison=party["liaison_a"],
        phone="13800001111",
    )
    party["member_b"] = add_party_member(
        name="王五", branch=party["branch_b"], household=p["household_b"]
    )
    party["member_c"] = add_party_member(
        name="赵六", branch=party["branch_c"], household=p["household_c"]
    )

    u = world.users
    targets = {
        "street_admin": ("street_admin", p["street"]),
        "community_admin": ("community_admin", p["c1"]),
        "community_admin_2": ("community_admin", p["c2"]),
        "grid_worker_a": ("grid_worker", p["grid_a"]),
        "grid_worker_b": ("grid_worker", p["grid_b"]),
        "branch_secretary_a": ("branch_secretary", party["branch_a"]),
        "dept_clerk": ("department_clerk", p["dept_urban"]),
        "partner": ("partner_staff", p["clinic"]),
        "enterprise": ("enterprise_contact", p["enterprise"]),
        "resident": ("resident", p["household_a"]),
    }
    for username, (role, target) in targets.items():
        u[username] = create_user(username=username, password=PASSWORD)
        assign_role(user=u[username], role=role, target=target)
    u["outsider"] = create_user(username="outsider", password=PASSWORD)
    return world
