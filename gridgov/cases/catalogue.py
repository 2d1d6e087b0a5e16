"""The category catalogue in the database: the shipped defaults, added, never reused."""

from __future__ import annotations

from typing import Any

from gridgov.core.catalogue import default_catalogue


def sync_categories(category_model: Any = None) -> int:
    """Add the shipped categories that are missing; existing rows (edited by a deployment) stay.

    Returns how many were added.  Takes the model so data migrations can pass
    their historical one.
    """
    if category_model is None:
        from gridgov.cases.models import Category as category_model
    catalogue = default_catalogue()
    existing = set(category_model.objects.values_list("code", flat=True))
    new = [
        category_model(
            code=row["code"],
            group=row["group"],
            name=row["zh"],
            name_en=row["en"],
            handler=row["handler"],
            response_hours=row["response_hours"],
            resolve_days=row["resolve_days"],
            hint=str(row.get("hint", ""))[:300],
        )
        for row in catalogue["categories"]
        if row["code"] not in existing
    ]
    category_model.objects.bulk_create(new)
    return len(new)
