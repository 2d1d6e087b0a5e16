"""Insights API: category suggestions, duplicate candidates, the KPIs.

No ``from __future__ import annotations``: ninja reads the annotations.
"""

import datetime

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from gridgov.cases.actions import DESCRIPTION_MAX
from gridgov.cases.forms import active_categories, category_label
from gridgov.cases.models import Case
from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import READ_ERRORS, ActionErrorOut
from gridgov.core.errors import ActionError
from gridgov.insights.classifier import suggest
from gridgov.insights.duplicates import duplicate_candidates
from gridgov.insights.figures import NotFound, kpi_figures, period, place_for

router = Router(tags=["insights"])


class ClassifyIn(Schema):
    text: str = Field(..., description="The problem as the person wrote it.")


class ScoredCategory(Schema):
    category: str
    name: str
    score: float


class ClassifyOut(Schema):
    category: str = Field(..., description="The most likely category code.")
    confidence: float
    top: list[ScoredCategory]


class DuplicateOut(Schema):
    id: int
    number: str
    status: str
    category: str | None
    description: str
    submitted_at: datetime.datetime
    score: float = Field(..., description="How sure: above 0 means the same problem.")
    distance_m: int


@router.post(
    "/classify",
    response={200: ClassifyOut, 400: ActionErrorOut, **READ_ERRORS},
    summary="Suggest categories for a text",
)
def classify(request: HttpRequest, body: ClassifyIn) -> dict:
    """The classifier's three most likely active categories, best first, with probabilities."""
    auth_user(request)
    text = body.text.strip()
    if not text or len(text) > DESCRIPTION_MAX:
        message = _("Give a text of 1 to %(max)d characters.") % {"max": DESCRIPTION_MAX}
        raise ActionError(message, {"text": [message]})
    names = {c.code: category_label(c) for c in active_categories()}
    best = suggest([text])[0]
    top = [
        {"category": code, "name": names.get(code, code), "score": round(score, 4)}
        for code, score in best.top
    ]
    return {"category": best.category, "confidence": round(best.confidence, 4), "top": top}


@router.get(
    "/cases/{case_id}/duplicates",
    response={200: list[DuplicateOut], **READ_ERRORS},
    summary="Earlier cases of the same problem",
)
def list_duplicates(request: HttpRequest, case_id: int) -> list[dict]:
    """Earlier open or recently closed cases near this one that may be the same problem,
    best first (only cases the caller may see). Merge with
    ``POST /cases/{id}/actions/merge`` and ``{"into": <the surviving case id>}``."""
    user = auth_user(request)
    case = get_object_or_404(Case.objects.visible_to(user), pk=case_id)
    return [
        {
            "id": found.case.pk,
            "number": found.case.number,
            "status": found.case.status,
            "category": found.case.category.code if found.case.category else None,
            "description": found.case.description,
            "submitted_at": found.case.submitted_at,
            "score": found.score,
            "distance_m": int(found.metres),
        }
        for found in duplicate_candidates(case, user)
    ]


class RateOut(Schema):
    value: float | None = Field(..., description="0 to 1; null when the denominator is 0.")
    numerator: int
    denominator: int


class KpiCountsOut(Schema):
    dispatched: int = Field(..., description="D: first dispatched in the period.")
    left_out: int = Field(..., description="S: suspended or merged now (out of the rates).")
    counted: int = Field(..., description="C = D - S, the denominator of most rates.")
    responded: int
    closed: int
    closed_on_time: int
    rated: int
    satisfied: int
    verified: int
    reworked: int
    extended: int
    escalated: int
    whistled: int
    reopened: int
    returned: int
    response_rate: RateOut
    resolution_rate: RateOut
    on_time_rate: RateOut
    satisfaction_rate: RateOut
    rework_rate: RateOut
    extension_rate: RateOut


class KpiRowOut(KpiCountsOut):
    key: str = Field(..., description="Unit id, category code, grid id or channel.")
    name: str
    rank: int | None = Field(..., description="Place in the red and black list (红黑榜).")


class KpiPlaceOut(Schema):
    kind: str
    code: str
    name: str


class KpiOut(Schema):
    place: KpiPlaceOut
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    by: str
    pending: int = Field(..., description="Cases whose latest steps the worker has yet to count.")
    total: KpiCountsOut
    rows: list[KpiRowOut]


@router.get(
    "/kpis",
    response={200: KpiOut, 400: ActionErrorOut, **READ_ERRORS},
    summary="The three rates and the rest, by unit, category, grid or channel",
    by_alias=True,
)
def get_kpis(
    request: HttpRequest,
    place: str = "",
    from_: datetime.date | None = Query(None, alias="from"),  # noqa: B008
    to: datetime.date | None = None,
    by: str = "unit",
) -> dict:
    """Case KPIs (docs/kpis.md) for cases first dispatched in ``[from, to)`` at ``place``
    (a street, community or grid code; default: the caller's own), grouped ``by``, ranked
    as the red and black list. Read from the rollups the worker keeps."""
    user = auth_user(request)
    try:
        where = place_for(user, place or None)
    except NotFound:
        raise Http404 from None
    start, end = period(from_, to)
    return kpi_figures(where, start, end, by)
