"""Actions on people: users, role assignments, API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import ROLE_TARGET, ApiToken, Role, RoleAssignment
from gridgov.core import audit
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.permissions import require_admin
from gridgov.core.scoping import forget_scope
from gridgov.party.models import OrgKind

TOKEN_PREFIX = "ggv_"


def _error(field_name: str, message: str) -> ActionError:
    return ActionError(message, {field_name: [message]})


@transaction.atomic
def create_user(
    *, username: str, password: str, full_name: str = "", email: str = "", actor: Any = None
) -> Any:
    User = get_user_model()
    if actor is not None and not actor.is_superuser:
        raise NotPermitted(_("Only an operator may create users here."))
    if not username or User.objects.filter(username=username).exists():
        raise _error("username", _("User name %s is taken.") % username)
    user = User(username=username, first_name=full_name[:150], email=email)
    user.set_password(password)
    user.save()
    audit.record("create_user", actor=actor, obj=user, summary=username)
    return user


@transaction.atomic
def assign_role(*, user: Any, role: str, target: Any, actor: Any = None) -> RoleAssignment:
    """Give ``user`` a ``role`` for ``target`` (its kind must fit the role)."""
    if role not in Role.values:
        raise _error("role", _("Unknown role: %s") % role)
    target_field = ROLE_TARGET[Role(role)]
    expected = RoleAssignment._meta.get_field(target_field).related_model
    if target_field in ("street", "community", "grid"):
        from gridgov.places.models import Community, Grid, Street

        expected = {"street": Street, "community": Community, "grid": Grid}[target_field]
    if not isinstance(target, expected):  # type: ignore[arg-type]
        raise _error("target", _("This role needs a %s.") % target_field)
    if role == Role.BRANCH_SECRETARY and target.kind != OrgKind.GRID_BRANCH:
        raise _error("target", _("A branch secretary is assigned to a grid party branch."))
    assignment = RoleAssignment(user=user, role=role)
    # Copy the place ids down so scope_for never walks the tree.
    street_id = getattr(target, "street_id", None) or target.pk
    assignment.street_id = street_id
    assignment.community_id = getattr(target, "community_id", None)
    assignment.grid_id = getattr(target, "grid_id", None)
    if target_field == "community":
        assignment.community_id = target.pk
    elif target_field == "grid":
        assignment.grid_id = target.pk
    if target_field not in ("street", "community", "grid"):
        setattr(assignment, target_field, target)
    require_admin(actor, street_id=assignment.street_id)
    assignment.save()
    forget_scope(user)
    audit.record(
        "assign_role",
        actor=actor,
        obj=assignment,
        summary=f"{user.username} {role} {target}",
        data={"role": role, "target": str(target)},
    )
    return assignment


@transaction.atomic
def revoke_role(*, assignment: RoleAssignment, actor: Any = None) -> None:
    require_admin(actor, street_id=assignment.street_id)
    assignment.active = False
    assignment.save(update_fields=["active"])
    forget_scope(assignment.user)
    audit.record("revoke_role", actor=actor, obj=assignment, summary=str(assignment))


@transaction.atomic
def create_api_token(*, user: Any, name: str, actor: Any = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; the raw value is returned once and never stored."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        raise NotPermitted(_("You may only create tokens for yourself."))
    name = (name or "").strip()
    if not name:
        raise _error("name", _("Give the token a name."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[:12], digest=ApiToken.digest_of(raw)
    )
    audit.record("create_api_token", actor=actor or user, obj=token, summary=name)
    return token, raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any = None) -> None:
    """Revoke a token; its owner, a superuser or the operator (actor None) may."""
    if actor is not None and actor.pk != token.user_id and not actor.is_superuser:
        raise NotPermitted(_("You may only revoke your own tokens."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("revoke_api_token", actor=actor, obj=token, summary=token.name)


def user_for_token(raw: str) -> Any:
    """The active user owning this raw token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # last_used_at at minute resolution: avoids a write on every request.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
