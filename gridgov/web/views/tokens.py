"""API tokens (接口令牌): the user's own, created and revoked through the actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts.actions import create_api_token, revoke_api_token
from gridgov.accounts.models import ApiToken
from gridgov.core.errors import ActionError
from gridgov.web.forms import TokenForm, add_action_errors


def _own_tokens(user):
    # A token belongs to one user: that is its whole scope.
    return ApiToken.objects.filter(user=user)


@never_cache
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    raw_token = None
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw_token = create_api_token(
                user=request.user, name=form.cleaned_data["name"], actor=request.user
            )
        except ActionError as error:
            add_action_errors(form, error)
        else:
            form = TokenForm()
    status = 400 if request.method == "POST" and form.errors else 200
    # The raw token is rendered once, in this response only (never_cache), and never stored.
    context = {
        "form": form,
        "tokens": _own_tokens(request.user),
        "raw_token": raw_token,
        "created": created,
    }
    return render(request, "web/tokens.html", context, status=status)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(_own_tokens(request.user).filter(revoked_at__isnull=True), pk=pk)
    revoke_api_token(token=token, actor=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "web/_token_row.html", {"token": token})
    messages.success(request, _("Token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("tokens")
