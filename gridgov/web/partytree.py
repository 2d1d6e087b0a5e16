"""The party chain as a tree with member counts, in four queries.

街道党工委 → 社区党委 → 网格党支部 → 楼院党小组 → 党员中心户.  Counts come
from the members the user may read (``visible_to``): a grid branch counts
the members it holds, a building group its group members, a liaison household
the members it serves; committees add up their children's branches.  Nodes
outside the user's staff scope show no count rather than a misleading zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from gridgov.core.scoping import scope_for
from gridgov.party.models import OrgKind, PartyMember, PartyOrganisation
from gridgov.web.roles import covers

KIND_ORDER = {kind: position for position, kind in enumerate(OrgKind.values)}


@dataclass
class PartyNode:
    organisation: PartyOrganisation
    own_count: int | None = None
    children: list[PartyNode] = field(default_factory=list)
    total: int | None = None

    @property
    def kind(self) -> str:
        return self.organisation.kind

    @property
    def css_kind(self) -> str:
        return self.kind.replace("_", "-")


def _counts(members: Any, key: str) -> dict[int, int]:
    rows = members.filter(**{f"{key}__isnull": False}).values(key).annotate(n=Count("id"))
    return {row[key]: row["n"] for row in rows}


def _roll_up(node: PartyNode) -> int | None:
    """A node's total: its own count for branches and below, children's sum above."""
    child_totals = [_roll_up(child) for child in node.children]
    if node.kind in (OrgKind.STREET_COMMITTEE, OrgKind.COMMUNITY_COMMITTEE):
        known = [total for total in child_totals if total is not None]
        node.total = sum(known) if known else None
    else:
        node.total = node.own_count
    return node.total


def party_tree(user: Any) -> list[PartyNode]:
    """The roots of the visible party chain (street committees first)."""
    organisations = list(
        PartyOrganisation.objects.visible_to(user).select_related("community", "grid")
    )
    members = PartyMember.objects.visible_to(user)
    counts = {
        OrgKind.GRID_BRANCH: _counts(members, "branch"),
        OrgKind.BUILDING_GROUP: _counts(members, "group"),
        OrgKind.LIAISON_HOUSEHOLD: _counts(members, "liaison"),
    }
    scope = scope_for(user)
    nodes = {org.pk: PartyNode(org) for org in organisations}
    for node in nodes.values():
        org = node.organisation
        if org.kind in counts and covers(
            scope, street_id=org.street_id, community_id=org.community_id, grid_id=org.grid_id
        ):
            node.own_count = counts[OrgKind(org.kind)].get(org.pk, 0)
    roots: list[PartyNode] = []
    for node in nodes.values():
        parent = nodes.get(node.organisation.parent_id)  # type: ignore[arg-type]
        (parent.children if parent is not None else roots).append(node)
    _sort(roots)
    for root in roots:
        _roll_up(root)
    return roots


def _place_order(node: PartyNode) -> tuple[Any, ...]:
    # By place code (一网格 before 二网格 before 三网格), which names do not give.
    org = node.organisation
    place = org.grid or org.community
    return (KIND_ORDER.get(node.kind, 99), place.code if place else "", org.name)


def _sort(nodes: list[PartyNode]) -> None:
    nodes.sort(key=_place_order)
    for node in nodes:
        _sort(node.children)


def walk(nodes: Iterable[PartyNode]) -> Iterable[PartyNode]:
    for node in nodes:
        yield node
        yield from walk(node.children)
