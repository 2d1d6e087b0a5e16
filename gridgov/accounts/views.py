"""People & roles (人员与角色): street admins manage the accounts and roles of their street.

Only street admins (and superusers) reach these pages; everyone else gets
404, as does a street admin asking for somebody without a role in their
street.  The views read and call the actions; the forms check the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts.actions import (
    assign_role,
    create_user_for_street,
    password_refusal,
    revoke_role,
    set_user_password,
)
from gridgov.accounts.forms import ROLE_GROUP, NewPersonForm, PasswordForm, RoleForm
from gridgov.accounts.models import Role, RoleAssignment
from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_for
from gridgov.places.models import Street
from gridgov.web.forms import add_action_errors

PAGE_SIZE = 50
TARGETS = (
    "street",
    "community",
    "grid",
    "department",
    "party_organisation",
    "organisation",
    "household__building",
)


def admin_street_ids(user: Any) -> set[int]:
    """The streets the user administers (every street for a superuser)."""
    scope = scope_for(user)
    if scope.everything:
        return set(Street.objects.values_list("pk", flat=True))
    return set(scope.street_ids)


def street_admin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first; then 404 (not 403) for anyone who administers no street."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        street_ids = admin_street_ids(request.user)
        if not street_ids:
            raise Http404
        return view(request, street_ids, *args, **kwargs)

    return wrapper


def _roles(street_ids: Iterable[int]) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(active=True, street_id__in=set(street_ids))
        .select_related(*TARGETS)
        .order_by("role", "pk")
    )


def _people(street_ids: Iterable[int]) -> QuerySet[Any]:
    """Users holding an active role in these streets."""
    holders = RoleAssignment.objects.filter(active=True, street_id__in=set(street_ids))
    return get_user_model().objects.filter(pk__in=holders.values("user_id"))


def _person(street_ids: set[int], pk: int) -> Any:
    return get_object_or_404(_people(street_ids), pk=pk)


@street_admin_only
@require_GET
def people_list(request: HttpRequest, street_ids: set[int]) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    people = _people(street_ids).order_by("username")
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
        )
    people = people.prefetch_related(
        Prefetch("role_assignments", queryset=_roles(street_ids), to_attr="street_roles")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/people_list.html", {"page": page, "q": query})


@street_admin_only
@require_http_methods(["GET", "POST"])
def people_new(request: HttpRequest, street_ids: set[int]) -> HttpResponse:
    form = NewPersonForm(request.POST or None, street_ids=street_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["target_object"]
        try:
            person = create_user_for_street(
                street=Street.objects.get(pk=getattr(target, "street_id", None) or target.pk),
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                role=data["role"],
                target=target,
                actor=request.user,
            )
        except ActionError as error:
            form.add_action_errors(error)
        else:
            messages.success(
                request,
                _("%(user)s was created with the role %(role)s.")
                % {"user": person.username, "role": Role(data["role"]).label},
            )
            return redirect("people-detail", pk=person.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "role_groups": ROLE_GROUP}
    return render(request, "accounts/people_new.html", context, status=status)


def _detail(
    request: HttpRequest,
    street_ids: set[int],
    person: Any,
    *,
    role_form: RoleForm | None = None,
    password_form: PasswordForm | None = None,
) -> HttpResponse:
    context = {
        "person": person,
        "roles": _roles(street_ids).filter(user=person),
        "roles_elsewhere": RoleAssignment.objects.filter(user=person, active=True)
        .exclude(street_id__in=street_ids)
        .exists(),
        "role_form": role_form or RoleForm(street_ids=street_ids),
        "password_form": password_form or PasswordForm(),
        "password_refusal": password_refusal(user=person, actor=request.user),
        "role_groups": ROLE_GROUP,
    }
    failed = (role_form is not None and role_form.errors) or (
        password_form is not None and password_form.errors
    )
    return render(request, "accounts/people_detail.html", context, status=400 if failed else 200)


@street_admin_only
@require_GET
def people_detail(request: HttpRequest, street_ids: set[int], pk: int) -> HttpResponse:
    return _detail(request, street_ids, _person(street_ids, pk))


@street_admin_only
@require_POST
def people_role_add(request: HttpRequest, street_ids: set[int], pk: int) -> HttpResponse:
    person = _person(street_ids, pk)
    form = RoleForm(request.POST, street_ids=street_ids)
    if form.is_valid():
        try:
            assignment = assign_role(
                user=person,
                role=form.cleaned_data["role"],
                target=form.cleaned_data["target_object"],
                actor=request.user,
            )
        except ActionError as error:
            form.add_action_errors(error)
        else:
            messages.success(
                request,
                _("Role added: %(role)s · %(place)s.")
                % {"role": assignment.get_role_display(), "place": assignment.target_name},
            )
            return redirect("people-detail", pk=person.pk)
    return _detail(request, street_ids, person, role_form=form)


@street_admin_only
@require_POST
def people_role_revoke(
    request: HttpRequest, street_ids: set[int], pk: int, assignment_pk: int
) -> HttpResponse:
    person = _person(street_ids, pk)
    assignment = get_object_or_404(_roles(street_ids).filter(user=person), pk=assignment_pk)
    try:
        revoke_role(assignment=assignment, actor=request.user)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("people-detail", pk=person.pk)
    messages.success(
        request,
        _("Role revoked: %(role)s · %(place)s.")
        % {"role": assignment.get_role_display(), "place": assignment.target_name},
    )
    if person.pk == request.user.pk or not _people(street_ids).filter(pk=person.pk).exists():
        # No role left in the street (or one's own role gone): back to the list.
        return redirect("people")
    return redirect("people-detail", pk=person.pk)


@street_admin_only
@require_POST
def people_password(request: HttpRequest, street_ids: set[int], pk: int) -> HttpResponse:
    person = _person(street_ids, pk)
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            set_user_password(
                user=person, password=form.cleaned_data["password"], actor=request.user
            )
        except ActionError as error:
            add_action_errors(form, error)
        else:
            if person.pk == request.user.pk:
                # Changing one's own password would otherwise end this session.
                update_session_auth_hash(request, person)
            messages.success(
                request, _("The password of %(user)s was changed.") % {"user": person.username}
            )
            return redirect("people-detail", pk=person.pk)
    return _detail(request, street_ids, person, password_form=form)
