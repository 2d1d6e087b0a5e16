"""Actions on people: users, role assignments, API tokens."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.models import ROLE_TARGET, ApiToken, Role, RoleAssignment
from gridgov.core import audit
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.permissions import is_system, require_admin
from gridgov.core.scoping import forget_scope, scope_for
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


def _new_assignment(*, role: str, target: Any) -> RoleAssignment:
    """An unsaved assignment of ``role`` for ``target`` (its kind must fit the role)."""
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
    assignment = RoleAssignment(role=role)
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
    return assignment


@transaction.atomic
def assign_role(*, user: Any, role: str, target: Any, actor: Any = None) -> RoleAssignment:
    """Give ``user`` a ``role`` for ``target`` (its kind must fit the role)."""
    assignment = _new_assignment(role=role, target=target)
    require_admin(actor, street_id=assignment.street_id)
    target_field = ROLE_TARGET[Role(role)]
    target_id = {"street": "street_id", "community": "community_id", "grid": "grid_id"}.get(
        target_field, f"{target_field}_id"
    )
    duplicate = RoleAssignment.objects.filter(
        user_id=user.pk, role=role, active=True, **{target_id: getattr(assignment, target_id)}
    )
    if duplicate.exists():
        raise _error("target", _("%(user)s already holds this role here.") % {"user": user})
    assignment.user = user
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
    """End an assignment; a street admin may not revoke their own last street admin role."""
    require_admin(actor, street_id=assignment.street_id)
    if not assignment.active:
        raise _error("assignment", _("This role was already revoked."))
    if (
        not is_system(actor)
        and assignment.user_id == actor.pk
        and assignment.role == Role.STREET_ADMIN
        and not RoleAssignment.objects.filter(user_id=actor.pk, role=Role.STREET_ADMIN, active=True)
        .exclude(pk=assignment.pk)
        .exists()
    ):
        raise _error(
            "assignment",
            _("You cannot revoke your own last street admin role: you would lock yourself out."),
        )
    assignment.active = False
    assignment.save(update_fields=["active"])
    forget_scope(assignment.user)
    audit.record("revoke_role", actor=actor, obj=assignment, summary=str(assignment))


def _password_errors(password: str, user: Any) -> list[str]:
    if not password:
        return [_("Give a password.")]
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def create_user_for_street(
    *,
    street: Any,
    username: str,
    password: str,
    full_name: str = "",
    role: str | None = None,
    target: Any = None,
    actor: Any,
) -> Any:
    """A street admin creates an account for their street, with its first role if given.

    All problems (user name, password, role and target) are reported together;
    with a role, the account and the role are written together or not at all.
    """
    require_admin(actor, street_id=street.pk)
    User = get_user_model()
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Give a user name.")]
    else:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as exc:
            errors["username"] = list(exc.messages)
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("User name %s is taken.") % username]
    if len(full_name) > 150:
        errors["full_name"] = [_("The name is longer than 150 characters.")]
    password_errors = _password_errors(password, User(username=username, first_name=full_name))
    if password_errors:
        errors["password"] = password_errors
    if role is not None:
        try:
            assignment = _new_assignment(role=role, target=target)
        except ActionError as exc:
            errors.update(exc.errors)
        else:
            if assignment.street_id != street.pk:
                errors["target"] = [_("Choose a place in %(street)s.") % {"street": street}]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ActionError(first, errors)
    user = User(username=username, first_name=full_name)
    user.set_password(password)
    user.save()
    audit.record(
        "create_user",
        actor=actor,
        obj=user,
        summary=username,
        data={"street": street.code},
    )
    if role is not None:
        assign_role(user=user, role=role, target=target, actor=actor)
    return user


def password_refusal(*, user: Any, actor: Any) -> str | None:
    """Why ``actor`` may not set ``user``'s password (None: they may).

    A street admin may for people whose active roles all lie in streets they
    administer; never for superusers or staff of the Django admin.
    """
    if is_system(actor):
        return None
    if user.is_superuser or user.is_staff:
        return _("Only an operator may set the password of an administrator account.")
    street_ids = set(
        RoleAssignment.objects.filter(user_id=user.pk, active=True).values_list(
            "street_id", flat=True
        )
    )
    administered = scope_for(actor).street_ids
    if not street_ids & administered:
        return _("You may not change this user.")
    if not street_ids <= administered:
        return _(
            "This person also holds roles in another street; only an operator may set "
            "their password."
        )
    return None


@transaction.atomic
def set_user_password(*, user: Any, password: str, actor: Any) -> None:
    """Set a new password (the old one stops working at once)."""
    refusal = password_refusal(user=user, actor=actor)
    if refusal is not None:
        raise NotPermitted(refusal)
    errors = _password_errors(password, user)
    if errors:
        raise ActionError(errors[0], {"password": errors})
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record("set_user_password", actor=actor, obj=user, summary=user.username)


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
