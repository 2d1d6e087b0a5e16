"""One scoping mechanism: ``Model.objects.visible_to(user)``.

Every model that holds place-bound data declares a :class:`ScopeRule` naming
the fields that tie a row to a street, community, grid or organisation.  What
a user may read follows from their role assignments:

* staff roles (street admin, community admin, grid worker, branch secretary)
  read every row inside their place;
* everybody with a role in a street reads that street's *public* rows (the
  map of communities and grids and the party organisations: residents must
  know their grid and branch, 多网合一 means one public map);
* partner staff and enterprise contacts also read their own organisation;
* anonymous users read nothing; superusers read everything.

Views, the API, exports and imports use this and answer 404 outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class ScopeRule:
    """Where a model keeps its place: field paths (or ``None``) per level."""

    street: str | None = None
    community: str | None = None
    grid: str | None = None
    organisation: str | None = None
    public: bool = False
    # Restricts the public tier further (e.g. party organisations other than
    # liaison households, which name a dwelling).
    public_only: Q | None = None


@dataclass
class Scope:
    """What one user may read, computed once per user object."""

    everything: bool = False
    street_ids: set[int] = field(default_factory=set)
    community_ids: set[int] = field(default_factory=set)
    grid_ids: set[int] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)
    public_street_ids: set[int] = field(default_factory=set)

    def allows_anything(self) -> bool:
        return self.everything or bool(
            self.street_ids
            or self.community_ids
            or self.grid_ids
            or self.organisation_ids
            or self.public_street_ids
        )

    def covers_street(self, street_id: int | None) -> bool:
        """Whether every row of the street is visible (a street admin, a superuser)."""
        return self.everything or street_id in self.street_ids


_CACHE_ATTR = "_gridgov_scope"


def scope_for(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The user's scope, cached on the user object (one query per request)."""
    if user is None or not user.is_authenticated:
        return Scope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if getattr(user, "is_superuser", False):
        scope = Scope(everything=True)
    else:
        from gridgov.accounts.models import RoleAssignment

        scope = Scope()
        for assignment in RoleAssignment.objects.filter(user_id=user.pk, active=True):
            assignment.add_to_scope(scope)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop a cached scope after the user's roles changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_filter(rule: ScopeRule, scope: Scope) -> Q | None:
    """The Q object selecting rows visible under ``scope`` (None: everything)."""
    if scope.everything:
        return None
    condition = Q(pk__in=[])
    if rule.street and scope.street_ids:
        condition |= Q(**{f"{rule.street}__in": scope.street_ids})
    if rule.community and scope.community_ids:
        condition |= Q(**{f"{rule.community}__in": scope.community_ids})
    if rule.grid and scope.grid_ids:
        condition |= Q(**{f"{rule.grid}__in": scope.grid_ids})
    if rule.organisation and scope.organisation_ids:
        condition |= Q(**{f"{rule.organisation}__in": scope.organisation_ids})
    if rule.public and rule.street and scope.public_street_ids:
        public = Q(**{f"{rule.street}__in": scope.public_street_ids})
        condition |= public & rule.public_only if rule.public_only is not None else public
    return condition


class ScopedQuerySet(models.QuerySet):
    """QuerySet with ``visible_to(user)``; the model defines ``scope_rule``."""

    def visible_to(self, user: Any) -> ScopedQuerySet:
        rule: ScopeRule = self.model.scope_rule  # type: ignore[attr-defined]
        scope = scope_for(user)
        if not scope.allows_anything():
            return self.none()
        condition = scope_filter(rule, scope)
        return self if condition is None else self.filter(condition)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
