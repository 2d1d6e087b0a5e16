"""Actions on the party chain: organisations, members and re-zoning (rezone)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core import audit
from gridgov.core.errors import ActionError
from gridgov.core.permissions import require_admin
from gridgov.party.models import CHILD_KIND, OrgKind, PartyMember, PartyOrganisation
from gridgov.places import index
from gridgov.places.actions import move_building_to_grid
from gridgov.places.models import Building, Community, Grid, Household, Street


def _error(field_name: str, message: str) -> ActionError:
    return ActionError(message, {field_name: [message]})


@transaction.atomic
def create_party_organisation(
    *,
    kind: str,
    name: str,
    parent: PartyOrganisation | None = None,
    street: Street | None = None,
    community: Community | None = None,
    grid: Grid | None = None,
    building: Building | None = None,
    household: Household | None = None,
    secretary_name: str = "",
    actor: Any = None,
) -> PartyOrganisation:
    """Create one node of the chain, tied to the place its kind requires."""
    if kind not in OrgKind.values:
        raise _error("kind", _("Unknown party organisation kind: %s") % kind)
    place_needed = {
        OrgKind.STREET_COMMITTEE: ("street", street),
        OrgKind.COMMUNITY_COMMITTEE: ("community", community),
        OrgKind.GRID_BRANCH: ("grid", grid),
        OrgKind.BUILDING_GROUP: ("building", building),
        OrgKind.LIAISON_HOUSEHOLD: ("household", household),
    }[OrgKind(kind)]
    if place_needed[1] is None:
        raise _error(
            place_needed[0], _("This kind of organisation needs its %s.") % place_needed[0]
        )
    if kind == OrgKind.STREET_COMMITTEE:
        if parent is not None:
            raise _error("parent", _("A street committee has no parent."))
    else:
        if parent is None or CHILD_KIND.get(OrgKind(parent.kind)) != kind:
            raise _error("parent", _("The parent organisation is of the wrong kind."))
    # Place ids copied from the most specific place given.
    if household is not None:
        building = household.building
    if building is not None:
        grid = building.grid
    if grid is not None:
        community = grid.community
    if community is not None:
        street = community.street
    assert street is not None
    if parent is not None and parent.street_id != street.pk:
        raise _error("parent", _("The parent belongs to another street."))
    require_admin(
        actor,
        street_id=street.pk,
        community_id=community.pk if community else None,
        lowest="community",
    )
    if PartyOrganisation.objects.filter(parent=parent, name=name).exists():
        raise _error("name", _("An organisation named %s exists under this parent.") % name)
    if (
        kind == OrgKind.GRID_BRANCH
        and PartyOrganisation.objects.filter(kind=kind, grid=grid).exists()
    ):
        raise _error("grid", _("Grid %s already has a party branch.") % grid)
    organisation = PartyOrganisation.objects.create(
        kind=kind,
        name=name,
        parent=parent,
        street=street,
        community=community,
        grid=grid,
        building=building,
        household=household,
        secretary_name=secretary_name,
    )
    audit.record("create_party_organisation", actor=actor, obj=organisation, summary=name)
    return organisation


@transaction.atomic
def add_party_member(
    *,
    name: str,
    branch: PartyOrganisation,
    household: Household | None = None,
    group: PartyOrganisation | None = None,
    liaison: PartyOrganisation | None = None,
    gender: str = "",
    birth_year: int | None = None,
    joined_on: datetime.date | None = None,
    phone: str = "",
    actor: Any = None,
) -> PartyMember:
    """Register a member with the grid branch that holds the membership."""
    if branch.kind != OrgKind.GRID_BRANCH:
        raise _error("branch", _("Members are held by a grid party branch."))
    if group is not None and (group.kind != OrgKind.BUILDING_GROUP or group.parent_id != branch.pk):
        raise _error("group", _("The party group must belong to the member's branch."))
    if liaison is not None and liaison.kind != OrgKind.LIAISON_HOUSEHOLD:
        raise _error("liaison", _("Not a member liaison household."))
    require_admin(
        actor,
        street_id=branch.street_id,
        community_id=branch.community_id,
        grid_id=branch.grid_id,
        lowest="grid",
    )
    member = PartyMember.objects.create(
        name=name,
        branch=branch,
        group=group,
        liaison=liaison,
        household=household,
        home_building=household.building if household else None,
        gender=gender,
        birth_year=birth_year,
        joined_on=joined_on,
        phone=phone,
        street_id=branch.street_id,
        community_id=branch.community_id,
        grid_id=branch.grid_id,  # type: ignore[misc]
    )
    audit.record("add_party_member", actor=actor, obj=member, summary=name)
    return member


@dataclass
class RezoneReport:
    """What ``rezone`` moved: buildings to new grids, groups and members to new branches."""

    buildings: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    unplaced: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.buildings or self.groups or self.members)

    def as_dict(self) -> dict[str, Any]:
        return {
            "buildings": self.buildings,
            "groups": self.groups,
            "members": self.members,
            "unplaced": self.unplaced,
        }

    def summary(self, street: str, *, dry_run: bool = False) -> str:
        """One translated sentence with the counts (flash messages, import summaries)."""
        counts = {
            "street": street,
            "buildings": len(self.buildings),
            "groups": len(self.groups),
            "members": len(self.members),
        }
        if dry_run:
            return (
                _(
                    "Re-zoning %(street)s would move %(buildings)d buildings, "
                    "%(groups)d party groups and %(members)d members."
                )
                % counts
            )
        return (
            _(
                "Re-zoning %(street)s moved %(buildings)d buildings, "
                "%(groups)d party groups and %(members)d members."
            )
            % counts
        )

    def lines(self) -> list[str]:
        """Every move on its own translated line (the import command prints them)."""
        moves = [
            (_("building %(name)s: %(from)s -> %(to)s"), "building", self.buildings),
            (_("party group %(name)s: %(from)s -> %(to)s"), "group", self.groups),
            (_("member %(name)s: %(from)s -> %(to)s"), "member", self.members),
        ]
        lines = [
            template % {"name": row[key], "from": row["from"], "to": row["to"]}
            for template, key, rows in moves
            for row in rows
        ]
        lines.extend(
            _("not placed: %(name)s (%(reason)s)")
            % {"name": row.get("building") or row.get("member"), "reason": row["reason"]}
            for row in self.unplaced
        )
        return lines


@transaction.atomic
def rezone(*, street: Street, actor: Any = None, dry_run: bool = False) -> RezoneReport:
    """Make the party chain follow the grids again (as Hexi did: 网格党支部拆分重组).

    1. every building goes to the grid its point lies in (boundaries may have moved);
    2. every building party group follows its building to that grid's branch;
    3. every member goes to the branch of the grid of their home building.
    Members without a home building stay where they are.  With ``dry_run``
    the report is computed and everything is rolled back.
    """
    require_admin(actor, street_id=street.pk)
    report = RezoneReport()
    grids = {grid.pk: grid for grid in Grid.objects.filter(street=street)}
    branches = {
        org.grid_id: org
        for org in PartyOrganisation.objects.filter(street=street, kind=OrgKind.GRID_BRANCH)
    }
    buildings = list(Building.objects.filter(street=street).select_related("grid"))
    located = index.locate_grid_ids([b.lat for b in buildings], [b.lng for b in buildings])
    for building, grid_id in zip(buildings, located, strict=True):
        if grid_id is None or grid_id not in grids:
            report.unplaced.append(
                {"building": building.name, "reason": _("outside every grid of the street")}
            )
            continue
        if grid_id != building.grid_id:
            report.buildings.append(
                {"building": building.name, "from": building.grid.name, "to": grids[grid_id].name}
            )
            move_building_to_grid(building, grids[grid_id])

    building_grid = dict(Building.objects.filter(street=street).values_list("id", "grid_id"))
    for group in PartyOrganisation.objects.filter(
        street=street, kind=OrgKind.BUILDING_GROUP
    ).select_related("parent"):
        new_branch = branches.get(building_grid.get(group.building_id))  # type: ignore[arg-type]
        if new_branch is not None and group.parent_id != new_branch.pk:
            report.groups.append(
                {
                    "group": group.name,
                    "from": group.parent.name if group.parent else "",
                    "to": new_branch.name,
                }
            )
            group.parent = new_branch
            group.grid_id, group.community_id = new_branch.grid_id, new_branch.community_id
            group.save(update_fields=["parent", "grid", "community", "updated_at"])
            PartyOrganisation.objects.filter(parent=group).update(
                grid_id=new_branch.grid_id, community_id=new_branch.community_id
            )

    members = PartyMember.objects.filter(street=street, home_building__isnull=False).select_related(
        "branch"
    )
    for member in members:
        new_branch = branches.get(building_grid.get(member.home_building_id))  # type: ignore[arg-type]
        if new_branch is None:
            if member.home_building_id in building_grid:
                report.unplaced.append(
                    {"member": member.name, "reason": _("the grid has no party branch")}
                )
            continue
        if member.branch_id != new_branch.pk:
            report.members.append(
                {"member": member.name, "from": member.branch.name, "to": new_branch.name}
            )
            member.branch = new_branch
            member.grid_id, member.community_id = new_branch.grid_id, new_branch.community_id  # type: ignore[assignment]
            if member.group_id and member.group and member.group.parent_id != new_branch.pk:
                member.group = None
            member.save(update_fields=["branch", "grid", "community", "group", "updated_at"])
    audit.record(
        "rezone",
        actor=actor,
        obj=street,
        summary=street.name,
        data={
            "moved_buildings": len(report.buildings),
            "moved_groups": len(report.groups),
            "moved_members": len(report.members),
        },
    )
    if dry_run:
        transaction.set_rollback(True)
    return report
