"""Insights actions: every write here runs in one transaction and writes its audit row."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.algorithms.textclass import MODEL_VERSION, CategoryModel, evaluate, split
from gridgov.cases.actions import DESCRIPTION_MAX, submit_case
from gridgov.cases.models import Case, CaseKind, Channel
from gridgov.core import audit, clock
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.scoping import scope_for
from gridgov.insights.classifier import active_codes, closed_case_examples, shipped_corpus
from gridgov.insights.figures import KpiPlace
from gridgov.insights.models import TrainedModel, WeeklyReport

# Older models kept for comparison; the rest are deleted when a new one is stored.
MODELS_KEPT = 3


def training_examples() -> tuple[list[tuple[str, str]], int, int]:
    """Shipped corpus and closed cases, for active categories only, with both counts."""
    codes = active_codes()
    corpus = [(text, code) for text, code in shipped_corpus() if code in codes]
    cases = [(text, code) for text, code in closed_case_examples() if code in codes]
    return corpus + cases, len(corpus), len(cases)


def train_classifier(*, actor: Any) -> TrainedModel:
    """Train the category classifier on everything labelled and store it as the model in use.

    A first model is trained on 80 % of each category and scored on the rest
    (the figures are stored with the model); the stored model then learns
    from all examples.  Training (seconds) runs
    outside the transaction; only the store is atomic.
    """
    examples, corpus_count, case_count = training_examples()
    train, held_out = split(examples)
    trial = CategoryModel().fit([t for t, _ in train], [c for _, c in train])
    figures = evaluate(trial, [t for t, _ in held_out], [c for _, c in held_out])
    model = CategoryModel().fit([t for t, _ in examples], [c for _, c in examples])
    with transaction.atomic():
        row = TrainedModel.objects.create(
            created_at=clock.now(),
            version=MODEL_VERSION,
            corpus_examples=corpus_count,
            case_examples=case_count,
            held_out_top1=figures.top1,
            held_out_top3=figures.top3,
            blob=model.dumps(),
        )
        stale = TrainedModel.objects.order_by("-created_at", "-id").values_list("id", flat=True)
        TrainedModel.objects.filter(pk__in=list(stale[MODELS_KEPT:])).delete()
        audit.record(
            "insights.train_classifier",
            actor=actor,
            obj=row,
            summary=f"classifier trained on {corpus_count} + {case_count} examples",
            data={
                "corpus": corpus_count,
                "cases": case_count,
                "top1": figures.top1,
                "top3": figures.top3,
            },
        )
    return row


def retrain_if_due(*, actor: Any = None) -> TrainedModel | None:
    """The worker's step: retrain once enough cases closed since the model in use was trained."""
    from gridgov.cases.workflow import Status

    newest = TrainedModel.objects.order_by("-created_at", "-id").first()
    if newest is None or newest.version != MODEL_VERSION:
        # A fresh install, or a model an older release stored: train one now.
        return train_classifier(actor=actor)
    closed_since = Case.objects.filter(
        status=Status.CLOSED, category__isnull=False, closed_at__gt=newest.created_at
    ).count()
    if closed_since < settings.GRIDGOV_CLASSIFIER_RETRAIN_AFTER:
        return None
    return train_classifier(actor=actor)


def may_open_proactive(actor: Any, place: KpiPlace, community_id: int | None = None) -> bool:
    """Street admins of the place's street; community admins of the hot spot's community."""
    scope = scope_for(actor)
    community_id = community_id or (place.community.pk if place.community else None)
    return (
        scope.everything
        or place.street.pk in scope.street_ids
        or (community_id is not None and community_id in scope.community_ids)
    )


def open_proactive_case(*, actor: Any, place: KpiPlace, key: str) -> Case:
    """未诉先办: turn the hot spot ``key`` of ``place`` into one case, dispatched to its handler.

    Street admins of the street and community admins of the hot spot's
    community may. The hot spot is found again from the cases (a stale key
    is refused), and the audit row lists the cases it stands for.
    """
    from gridgov.insights.hotspots import hot_spots

    spot = next((s for s in hot_spots(place) if s.key == key), None)
    if spot is None:
        message = _("This hot spot is no longer there: reload the page.")
        raise ActionError(message, {"hotspot": [message]})
    if not may_open_proactive(actor, place, spot.community_id):
        raise NotPermitted(_("Only street and community admins open proactive cases."))
    cluster = spot.cluster
    lat, lng = cluster.centre
    description = _(
        "Proactive case (未诉先办): %(count)d reports of %(category)s within %(metres)d m "
        "from %(first)s to %(last)s (cases %(numbers)s). Find and remove the cause."
    ) % {
        "count": len(cluster.reports),
        "category": spot.category.name,
        "metres": max(1, round(cluster.spread_m)),
        "first": timezone.localtime(cluster.first).strftime("%Y-%m-%d"),
        "last": timezone.localtime(cluster.last).strftime("%Y-%m-%d"),
        "numbers": "、".join(spot.numbers[:10]) + ("…" if len(spot.numbers) > 10 else ""),
    }
    with transaction.atomic():
        case = submit_case(
            description=description[:DESCRIPTION_MAX],
            actor=actor,
            category=spot.category,
            lat=lat,
            lng=lng,
            kind=CaseKind.PATROL,
            channel=Channel.PATROL,
        )
        audit.record(
            "insights.open_proactive_case",
            actor=actor,
            obj=case,
            summary=f"proactive case {case.number} for hot spot {key}",
            data={"hotspot": key, "cases": [r.id for r in cluster.reports]},
        )
    return case


# The worker publishes last week's reports from this hour on Monday (local time).
PUBLISH_FROM_HOUR = 6


def publish_weekly_report(*, actor: Any, place: KpiPlace, week: datetime.date) -> WeeklyReport:
    """Store the dispatch-meeting report of ``place`` for ``week`` (once; again: the stored one)."""
    from gridgov.insights.report import build_report, week_of

    week = week_of(week)
    existing = WeeklyReport.objects.filter(place_code=place.code, week=week).first()
    if existing is not None:
        return existing
    data = build_report(place, week)
    with transaction.atomic():
        report, created = WeeklyReport.objects.get_or_create(
            place_code=place.code,
            week=week,
            defaults={
                "street": place.street,
                "place_name": place.name,
                "made_at": clock.now(),
                "data": data,
            },
        )
        if created:
            audit.record(
                "insights.publish_weekly_report",
                actor=actor,
                obj=report,
                summary=f"weekly report {place.code} {week}",
            )
    return report


def publish_due_reports(now: datetime.datetime | None = None) -> int:
    """The worker's step: on Monday morning, last week's report of every street and community."""
    from gridgov.insights.report import week_of
    from gridgov.places.models import Community, Street

    local = timezone.localtime(now or clock.now())
    if local.weekday() != 0 or local.hour < PUBLISH_FROM_HOUR:
        return 0
    week = week_of(local.date()) - datetime.timedelta(days=7)
    done = set(WeeklyReport.objects.filter(week=week).values_list("place_code", flat=True))
    places = [KpiPlace("street", street) for street in Street.objects.all()]
    places += [
        KpiPlace("community", community.street, community)
        for community in Community.objects.select_related("street")
    ]
    made = 0
    for place in places:
        if place.code not in done:
            publish_weekly_report(actor=None, place=place, week=week)
            made += 1
    return made
