"""The GeoReport v2 endpoints under /open311/v2/ (XML and JSON, the spec's errors).

Every answer, errors included, is in the format the URL asks for (an
unknown suffix gets XML, or JSON when the Accept header asks for it); no
path under /open311/v2/ ever answers an HTML page.  Errors are the spec's:
404 for an unknown service_code, request, token or jurisdiction, 403 for a
missing, invalid or foreign api_key, 429 past the key's rate limit and 400
for everything else (wrong methods and failures inside a view included, as
the spec's "general service error").  Descriptions are in the deployment's
language (Chinese).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridgov.cases.models import Category
from gridgov.core import clock
from gridgov.core.errors import ActionError
from gridgov.open311 import params, ratelimit
from gridgov.open311.actions import submit_service_request
from gridgov.open311.formats import (
    FORMATS,
    Open311Error,
    error_response,
    format_for_unknown,
    render,
)
from gridgov.open311.models import ServiceAttribute, ServiceRequestRecord
from gridgov.open311.public import (
    CLOSED_STATUSES,
    group_name,
    public_cases,
    request_row,
    service_notice,
)
from gridgov.places import index
from gridgov.places.models import Building, Grid, Street

logger = logging.getLogger("gridgov.open311")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this API (endpoints, fields, choices) last changed: discovery's changeset.
CHANGESET = "2026-11-23T00:00:00+08:00"

View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Format, method and error handling shared by every endpoint."""
    allowed = ", ".join(methods)

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            answer_in = fmt if fmt in FORMATS else format_for_unknown(request)
            with translation.override(settings.LANGUAGE_CODE):
                try:
                    if fmt not in FORMATS:
                        raise Open311Error(
                            400, _("Unknown format %s: use .xml or .json.") % fmt[:20]
                        )
                    if request.method not in methods:
                        raise Open311Error(
                            400,
                            _("Method %(method)s is not allowed here (allowed: %(allowed)s).")
                            % {"method": request.method, "allowed": allowed},
                            headers={"Allow": allowed},
                        )
                    return view(request, fmt, **kwargs)
                except Open311Error as error:
                    return error_response(answer_in, error)
                except Exception:
                    logger.exception("Open311 %s %s failed", request.method, request.path)
                    # The spec's "general service error" is a 400.
                    return error_response(
                        answer_in,
                        Open311Error(400, _("Service error: the request could not be processed.")),
                    )

        return wrapper

    return decorate


@csrf_exempt
def not_found(request: HttpRequest, rest: str | None = None) -> HttpResponse:
    """Any other path under /open311/v2/: a 404 errors body, never an HTML page."""
    rest = rest or ""
    suffix = rest.rpartition(".")[2] if "." in rest else ""
    fmt = suffix if suffix in FORMATS else format_for_unknown(request)
    with translation.override(settings.LANGUAGE_CODE):
        return error_response(fmt, Open311Error(404, _("No such Open311 endpoint.")))


# --------------------------------------------------------------------------- discovery, services


@endpoint("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    root = request.build_absolute_uri(reverse("open311-discovery", args=[fmt])).rpartition("/")[0]
    body = {
        "changeset": CHANGESET,
        "contact": settings.GRIDGOV_OPEN311_CONTACT
        or _("Ask the street office's command centre (指挥中心) of the jurisdiction."),
        "key_service": _("A street admin of the street creates API keys at %(url)s.")
        % {"url": request.build_absolute_uri(reverse("open311-keys"))},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", body)


def _keywords(category: Category) -> str:
    words = [w.strip() for w in category.hint.replace("，", "、").split("、") if w.strip()]
    if category.name_en:
        words.append(category.name_en)
    return ", ".join(words)


@endpoint("GET", "HEAD")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    params.jurisdiction(request.GET)
    categories = (
        Category.objects.filter(active=True)
        .annotate(has_attributes=Exists(ServiceAttribute.objects.filter(category=OuterRef("pk"))))
        .order_by("code")
    )
    rows = [
        {
            "service_code": category.code,
            "service_name": category.name,
            "description": category.hint,
            "metadata": bool(category.has_attributes),  # type: ignore[attr-defined]
            "type": "realtime",
            "keywords": _keywords(category),
            "group": group_name(category.group),
        }
        for category in categories
    ]
    return render(fmt, "services", rows)


def _service(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, _("Unknown service_code: %s") % code[:64])
    return category


@endpoint("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    params.jurisdiction(request.GET)
    category = _service(code)
    attributes = [
        {
            "variable": attribute.variable,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description or None,
            "order": attribute.order,
            "description": attribute.description,
            "values": [
                {"key": str(item["key"]), "name": str(item["name"])}
                for item in attribute.values or []
            ],
        }
        for attribute in category.open311_attributes.order_by("order", "code")
    ]
    return render(
        fmt, "service_definition", {"service_code": category.code, "attributes": attributes}
    )


# --------------------------------------------------------------------------- requests


@endpoint("GET", "HEAD", "POST")
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    street = params.jurisdiction(request.GET)
    query = params.request_query(request.GET, clock.now())
    cases = public_cases()
    if street is not None:
        cases = cases.filter(street=street)
    if query.ids is not None:
        # "This overrides all other arguments" (paging included; at most 1000 ids).
        cases = cases.filter(number__in=query.ids).order_by("-submitted_at", "-id")
        return render(fmt, "service_requests", [request_row(case) for case in cases])
    if query.codes is not None:
        known = set(Category.objects.filter(code__in=query.codes).values_list("code", flat=True))
        unknown = [code for code in query.codes if code not in known]
        if unknown:
            raise Open311Error(404, _("Unknown service_code: %s") % unknown[0][:64])
        cases = cases.filter(category__code__in=query.codes)
    cases = cases.filter(submitted_at__gte=query.start, submitted_at__lte=query.end)
    if query.statuses == {params.OPEN}:
        cases = cases.exclude(status__in=CLOSED_STATUSES)
    elif query.statuses == {params.CLOSED}:
        cases = cases.filter(status__in=CLOSED_STATUSES)
    first = (query.page - 1) * query.page_size
    # The page's ids first (the submitted-at index, no per-row subqueries), then
    # those rows with their joins and last-event subqueries: else the database
    # computes the subqueries for every case in the window before it sorts.
    ids = cases.order_by("-submitted_at", "-id").values_list("pk", flat=True)
    page = public_cases().filter(pk__in=list(ids[first : first + query.page_size]))
    rows = sorted(page, key=lambda case: (case.submitted_at, case.pk), reverse=True)
    return render(fmt, "service_requests", [request_row(case) for case in rows])


@endpoint("GET", "HEAD")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    street = params.jurisdiction(request.GET)
    cases = public_cases().filter(number=request_id)
    if street is not None:
        cases = cases.filter(street=street)
    case = cases.first()
    if case is None:
        raise Open311Error(404, _("Unknown service_request_id: %s") % request_id[:64])
    return render(fmt, "service_requests", [request_row(case)])


@endpoint("GET", "HEAD")
def token_lookup(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    street = params.jurisdiction(request.GET)
    records = ServiceRequestRecord.objects.select_related("case").filter(token=token)
    if street is not None:
        records = records.filter(case__street=street)
    record = records.first()
    if record is None:
        raise Open311Error(404, _("Unknown token: %s") % token[:64])
    # A held request gets its id only once the street's dispatcher has registered it.
    if record.held and record.case.registered_at is None:
        return render(fmt, "service_requests", [{"token": record.token}])
    row = {"service_request_id": record.case.number, "token": record.token}
    return render(fmt, "service_requests", [row])


def _both(request: HttpRequest) -> QueryDict:
    """POST parameters, with the query string's as a fallback (api_key, jurisdiction_id)."""
    merged = request.GET.copy()
    for key, values in request.POST.lists():
        merged.setlist(key, values)
    return merged


def _place(street: Street, checked: params.RequestInput) -> Building | None:
    """The building of address_id (in the key's street), and the point's street checked."""
    where = checked.location
    building = None
    if where.address_id is not None:
        building = Building.objects.filter(pk=where.address_id, street=street).first()
        if building is None:
            raise params.bad(_("Unknown address_id: %s") % where.address_id)
    if where.lat is not None and where.lng is not None:
        grid_id = index.locate_grid_id(where.lat, where.lng)
        if grid_id is not None and not Grid.objects.filter(pk=grid_id, street=street).exists():
            raise Open311Error(403, _("This api_key may not submit requests outside its street."))
    return building


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _both(request)
    key = params.api_key(params.text(data, "api_key"))
    wait = ratelimit.hit(key)
    if wait is not None:
        raise Open311Error(
            429,
            _("Too many requests with this api_key: try again in %d seconds.") % wait,
            headers={"Retry-After": str(wait)},
        )
    street = params.jurisdiction(data)
    if street is None or street.pk != key.street_id:
        named = street.code if street is not None else key.street.code
        raise Open311Error(
            403, _("This api_key may not submit requests to jurisdiction %s.") % named
        )
    code = params.text(data, "service_code")
    if not code:
        raise params.bad(_("service_code is required."))
    category = _service(code)
    definition = list(category.open311_attributes.order_by("order", "code"))
    checked = params.service_request(data, definition)
    building = _place(street, checked)
    media = request.FILES.getlist("media")
    if len(media) > 1:
        raise params.bad(_("Send at most one media file."))
    try:
        record = submit_service_request(
            api_key=key,
            street=street,
            category=category,
            definition=definition,
            checked=checked,
            building=building,
            media=media,
        )
    except ActionError as error:
        raise params.bad(error.message) from error
    case = record.case
    row: dict[str, Any] = {}
    if record.held:
        row["token"] = record.token
        row["service_notice"] = _(
            "Received. The street office checks it before it is published and handled."
        )
    else:
        row["service_request_id"] = case.number
        row["service_notice"] = service_notice(category)
    row["account_id"] = record.account_id or None
    return render(fmt, "service_requests", [row])
