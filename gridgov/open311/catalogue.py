"""Service attributes in the database: the shipped catalogue's ``attributes:`` section."""

from __future__ import annotations

from typing import Any

from gridgov.core.catalogue import default_catalogue


def sync_service_attributes(attribute_model: Any = None, category_model: Any = None) -> int:
    """Add the shipped attributes that are missing; existing rows (edited by a deployment) stay.

    Returns how many were added.  Categories missing from the database are
    skipped.  Takes the models so the data migration can pass its historical ones.
    """
    if attribute_model is None:
        from gridgov.open311.models import ServiceAttribute as attribute_model
    if category_model is None:
        from gridgov.cases.models import Category as category_model
    shipped: dict[str, list[dict[str, Any]]] = default_catalogue().get("attributes") or {}
    categories = {
        category.code: category
        for category in category_model.objects.filter(code__in=list(shipped))
    }
    existing = set(attribute_model.objects.values_list("category__code", "code"))
    new = []
    for code, rows in shipped.items():
        category = categories.get(code)
        if category is None:
            continue
        for row in rows:
            if (code, row["code"]) in existing:
                continue
            values = row.get("values") or {}
            new.append(
                attribute_model(
                    category=category,
                    code=row["code"],
                    variable=row.get("variable", True),
                    datatype=row["datatype"],
                    required=bool(row.get("required", False)),
                    datatype_description=str(row.get("datatype_description", ""))[:200],
                    order=int(row.get("order", 1)),
                    description=str(row["description"])[:300],
                    values=[{"key": str(key), "name": str(name)} for key, name in values.items()],
                )
            )
    attribute_model.objects.bulk_create(new)
    return len(new)
