"""Writing audit rows from actions."""

from __future__ import annotations

from typing import Any

from django.db import models

from gridgov.core.models import AuditLogEntry


def record(
    action: str,
    *,
    actor: Any = None,
    obj: models.Model | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Append one audit row; call it inside the action's transaction."""
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:500],
        data=data or {},
    )
