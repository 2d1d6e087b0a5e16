"""People and roles: role assignments (user × role × place or unit) and API tokens."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.party.models import PartyOrganisation
from gridgov.places.models import Community, Department, Grid, Household, Organisation, Street

if TYPE_CHECKING:
    from gridgov.core.scoping import Scope


class Role(models.TextChoices):
    """The roles people act in (角色)."""

    STREET_ADMIN = "street_admin", _("street admin")
    COMMUNITY_ADMIN = "community_admin", _("community admin")
    GRID_WORKER = "grid_worker", _("grid worker")
    BRANCH_SECRETARY = "branch_secretary", _("branch secretary")
    DEPARTMENT_CLERK = "department_clerk", _("department clerk")
    PARTNER_STAFF = "partner_staff", _("partner staff")
    RESIDENT = "resident", _("resident")
    ENTERPRISE_CONTACT = "enterprise_contact", _("enterprise contact")
    # a program, not a person: the city's 12345 hotline pushing orders into one street
    HOTLINE = "hotline", _("12345 hotline integration")


# What each role is attached to (the "place or unit" of the assignment).
ROLE_TARGET = {
    Role.STREET_ADMIN: "street",
    Role.COMMUNITY_ADMIN: "community",
    Role.GRID_WORKER: "grid",
    Role.BRANCH_SECRETARY: "party_organisation",
    Role.DEPARTMENT_CLERK: "department",
    Role.PARTNER_STAFF: "organisation",
    Role.RESIDENT: "household",
    Role.ENTERPRISE_CONTACT: "organisation",
    Role.HOTLINE: "street",
}
STAFF_ROLES = {Role.STREET_ADMIN, Role.COMMUNITY_ADMIN, Role.GRID_WORKER, Role.BRANCH_SECRETARY}


class RoleAssignment(models.Model):
    """Role assignment (角色分配): a user acts in a role for one place or unit.

    Exactly one target field is set, the one ``ROLE_TARGET`` names; the
    street/community/grid copies below are filled by the action for scoping.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    party_organisation = models.ForeignKey(
        PartyOrganisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        indexes = [
            # scope_for(user): the roles of one user, on every request
            models.Index(fields=["user", "active"], name="role_user_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.target_name}"

    @property
    def target(self) -> Any:
        return getattr(self, ROLE_TARGET[Role(self.role)])

    @property
    def target_kind(self) -> str:
        return ROLE_TARGET[Role(self.role)]

    @property
    def target_name(self) -> str:
        return str(self.target) if self.target is not None else ""

    def add_to_scope(self, scope: Scope) -> None:
        """Widen ``scope`` by what this assignment lets its user read."""
        scope.public_street_ids.add(self.street_id)
        role = Role(self.role)
        if role == Role.STREET_ADMIN:
            scope.street_ids.add(self.street_id)
        elif role == Role.COMMUNITY_ADMIN and self.community_id:
            scope.community_ids.add(self.community_id)
        elif role in (Role.GRID_WORKER, Role.BRANCH_SECRETARY) and self.grid_id:
            scope.grid_ids.add(self.grid_id)
        elif role in (Role.PARTNER_STAFF, Role.ENTERPRISE_CONTACT) and self.organisation_id:
            scope.organisation_ids.add(self.organisation_id)


class ApiToken(models.Model):
    """API token (接口令牌) for programs; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
