"""The party chain (党组织) tied to places, and party members.

街道党工委 → 社区党委 → 网格党支部 → 楼院党小组 → 党员中心户; a member
household (共产党员户) is any household with a member in it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.scoping import ScopedManager, ScopeRule
from gridgov.places.models import Building, Community, Grid, Household, Street


class OrgKind(models.TextChoices):
    STREET_COMMITTEE = "street_committee", _("street party working committee")
    COMMUNITY_COMMITTEE = "community_committee", _("community party committee")
    GRID_BRANCH = "grid_branch", _("grid party branch")
    BUILDING_GROUP = "building_group", _("building party group")
    LIAISON_HOUSEHOLD = "liaison_household", _("member liaison household")


# Which kind sits under which: the five-level chain of the Hexi article.
CHILD_KIND = {
    OrgKind.STREET_COMMITTEE: OrgKind.COMMUNITY_COMMITTEE,
    OrgKind.COMMUNITY_COMMITTEE: OrgKind.GRID_BRANCH,
    OrgKind.GRID_BRANCH: OrgKind.BUILDING_GROUP,
    OrgKind.BUILDING_GROUP: OrgKind.LIAISON_HOUSEHOLD,
}


class PartyOrganisation(models.Model):
    """Party organisation (党组织): one node of the chain, tied to its place.

    A street committee to its street, a community committee to its community,
    a grid branch to its grid, a building group to its building, a liaison
    household (党员中心户) to its household.  Place ids are copied down so
    scoping never walks the tree.
    """

    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    secretary_name = models.CharField(_("secretary / leader"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    # The chain is public to everyone in the street (who is my branch?), but a
    # liaison household names a dwelling, so those stay with staff.
    scope_rule = ScopeRule(
        street="street",
        community="community",
        grid="grid",
        public=True,
        public_only=~models.Q(kind="liaison_household"),
    )

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["street_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="party_org_name_per_parent"),
            # one branch per grid, one committee per community, ...
            models.UniqueConstraint(
                fields=["grid"], condition=models.Q(kind="grid_branch"), name="one_branch_per_grid"
            ),
            models.UniqueConstraint(
                fields=["community"],
                condition=models.Q(kind="community_committee"),
                name="one_committee_per_community",
            ),
            models.UniqueConstraint(
                fields=["street"],
                condition=models.Q(kind="street_committee"),
                name="one_committee_per_street",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("member status", "active")
    MOBILE = "mobile", _("mobile member")
    ELDERLY = "elderly", _("elderly or infirm")


class PartyMember(models.Model):
    """Party member (党员): held by a grid branch, living in a household.

    ``branch`` is the grid party branch that holds the membership; ``group``
    the building party group; ``liaison`` the member liaison household
    (党员中心户) that serves the member's household.  Basic fields only; full
    member management comes later.
    """

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    branch = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("grid party branch"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    group = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("building party group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_members",
    )
    liaison = models.ForeignKey(
        PartyOrganisation,
        verbose_name=_("member liaison household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="served_members",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
    )
    home_building = models.ForeignKey(
        Building,
        verbose_name=_("home building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="community", grid="grid")

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["branch_id", "name"]
        indexes = [
            # member counts per branch on the party tree page
            models.Index(fields=["branch", "status"], name="member_branch_idx"),
        ]

    def __str__(self) -> str:
        return self.name
