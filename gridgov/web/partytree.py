"""The party chain as a tree with member counts, in four queries.

街道党工委 → 社区党委 → 网格党支部 → 楼院党小组 → 党员中心户.  A grid branch
counts the members it holds, a building group its group members, a liaison
household the members it serves; committees add up their branches.  Counts
are aggregate, public figures (the Hexi article publishes "172 members in 5
branches"), so they cover every organisation the user may see, while the
members themselves stay behind ``PartyMember.objects.visible_to``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from gridgov.party.models import OrgKind, PartyMember, PartyOrganisation

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


def _counts(key: str, organisation_ids: list[int]) -> dict[int, int]:
    rows = (
        PartyMember.objects.filter(**{f"{key}__in": organisation_ids})
        .values(key)
        .annotate(n=Count("id"))
    )
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

    def ids_of(kind: str) -> list[int]:
        return [org.pk for org in organisations if org.kind == kind]

    counts = {
        OrgKind.GRID_BRANCH: _counts("branch", ids_of(OrgKind.GRID_BRANCH)),
        OrgKind.BUILDING_GROUP: _counts("group", ids_of(OrgKind.BUILDING_GROUP)),
        OrgKind.LIAISON_HOUSEHOLD: _counts("liaison", ids_of(OrgKind.LIAISON_HOUSEHOLD)),
    }
    nodes = {org.pk: PartyNode(org) for org in organisations}
    for node in nodes.values():
        org = node.organisation
        if org.kind in counts:
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
