"""Actions of Open311: API keys (created and revoked by street admins) and intake.

``submit_service_request`` makes the case through ``cases.actions.submit_case``
(routing, deadlines and the ledger happen there, as for every channel) and
writes the Open311 record in the same transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases import actions as case_actions
from gridgov.cases.models import Category, Channel
from gridgov.core import audit
from gridgov.core.errors import ActionError
from gridgov.core.permissions import require_admin
from gridgov.open311.models import ApiKey, Datatype, ServiceAttribute, ServiceRequestRecord
from gridgov.open311.params import RequestInput
from gridgov.places.models import Building, Street

KEY_PREFIX = "o311_"


def _error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


@transaction.atomic
def create_api_key(
    *, street: Street, name: str, moderated: bool = False, actor: Any = None
) -> tuple[ApiKey, str]:
    """A new key of ``street`` (its street admins or the operator); the raw key is returned once."""
    require_admin(actor, street_id=street.pk)
    name = (name or "").strip()
    if not name:
        raise _error("name", _("Give the key a name."))
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        street=street,
        name=name[:100],
        prefix=raw[:12],
        digest=ApiKey.digest_of(raw),
        moderated=moderated,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        "create_open311_key",
        actor=actor,
        obj=key,
        summary=name,
        data={"street": street.code, "moderated": moderated, "prefix": key.prefix},
    )
    return key, raw


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: Any = None) -> ApiKey:
    """Revoke a key (its street's admins or the operator); clients using it get 403 from now on."""
    require_admin(actor, street_id=key.street_id)
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        raise _error("key", _("This key has been revoked already."))
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit.record("revoke_open311_key", actor=actor, obj=key, summary=key.name)
    return key


def _answers_line(definition: list[ServiceAttribute], answers: dict[str, Any]) -> str:
    """The answers in words for the people handling the case: 损坏类型：坑洼；楼层：5."""
    parts = []
    for attribute in definition:
        if attribute.code not in answers:
            continue
        value = answers[attribute.code]
        names = attribute.value_names()
        if attribute.datatype == Datatype.MULTIVALUELIST:
            shown = "、".join(names.get(v, v) for v in value)
        elif attribute.datatype == Datatype.SINGLEVALUELIST:
            shown = names.get(value, value)
        elif attribute.datatype == Datatype.DATETIME:
            shown = str(value).replace("T", " ")[:16]
        else:
            shown = str(value)
        parts.append(f"{attribute.description}：{shown}")
    return "；".join(parts)


def case_description(
    category: Category, definition: list[ServiceAttribute], checked: RequestInput
) -> str:
    """The case's text: the client's description (or the service's name) and the answers.

    The answers are added on their own line when they fit the case's limit;
    they are always kept in the Open311 record.
    """
    text = checked.description or _("Reported through Open311: %(service)s") % {
        "service": category.name
    }
    answers = _answers_line(definition, checked.attributes)
    with_answers = f"{text}\n{answers}" if answers else text
    return with_answers if len(with_answers) <= case_actions.DESCRIPTION_MAX else text


@transaction.atomic
def submit_service_request(
    *,
    api_key: ApiKey,
    street: Street,
    category: Category,
    definition: list[ServiceAttribute],
    checked: RequestInput,
    building: Building | None = None,
    media: list[Any] | tuple[Any, ...] = (),
) -> ServiceRequestRecord:
    """Open311 intake: a case through ``submit_case`` and its record, in one transaction.

    A moderated key's case is held (not dispatched automatically) for the
    street's dispatcher.  ``ActionError`` (bad photo, description out of
    bounds, ...) leaves nothing written.
    """
    where = checked.location
    case = case_actions.submit_case(
        description=case_description(category, definition, checked),
        actor=None,
        category=category,
        lat=where.lat,
        lng=where.lng,
        building=building,
        address=where.address_string,
        street=street,
        channel=Channel.OPEN311,
        requester_name=checked.requester_name,
        requester_phone=checked.phone,
        photos=list(media),
        hold=api_key.moderated,
    )
    record = ServiceRequestRecord.objects.create(
        case=case,
        api_key=api_key,
        token=secrets.token_hex(16),
        held=api_key.moderated,
        device_id=checked.device_id,
        account_id=checked.account_id,
        email=checked.email,
        attributes=checked.attributes,
        media_url=checked.media_url,
    )
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return record
