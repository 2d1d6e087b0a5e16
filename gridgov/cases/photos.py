"""Case photos: checked to be real images of an allowed type and size, stored with a thumbnail.

``check_photos`` reads every upload before anything is written (bad input
changes nothing); ``save_photos`` stores them inside the intake transaction.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from gridgov.cases.models import Case, CasePhoto
from gridgov.core.errors import ActionError

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo; more is a decompression bomb
THUMBNAIL_SIZE = (320, 320)


@dataclass
class CheckedPhoto:
    name: str
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str) -> ActionError:
    return ActionError(message, {"photos": [message]})


def check_photos(files: Sequence[Any]) -> list[CheckedPhoto]:
    """Every upload read and checked; ActionError (field ``photos``) names the bad file."""
    if len(files) > settings.GRIDGOV_PHOTOS_PER_CASE:
        raise _refuse(_("At most %d photos.") % settings.GRIDGOV_PHOTOS_PER_CASE)
    checked = []
    for upload in files:
        name = str(getattr(upload, "name", "photo"))[:100]
        size = getattr(upload, "size", None)
        if size is not None and size > settings.GRIDGOV_PHOTO_MAX_BYTES:
            raise _refuse(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.GRIDGOV_PHOTO_MAX_BYTES // 1_000_000}
            )
        data = upload.read(settings.GRIDGOV_PHOTO_MAX_BYTES + 1)
        if len(data) > settings.GRIDGOV_PHOTO_MAX_BYTES:
            raise _refuse(
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": settings.GRIDGOV_PHOTO_MAX_BYTES // 1_000_000}
            )
        try:
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refuse(_("%s has too many pixels.") % name)
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise _refuse(_("%s is not a photo (JPEG, PNG or WebP).") % name) from exc
        if image_format not in FORMATS:
            raise _refuse(_("%s is not a photo (JPEG, PNG or WebP).") % name)
        content_type, extension = FORMATS[image_format]
        checked.append(CheckedPhoto(name, data, content_type, extension, width, height))
    return checked


def _thumbnail(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as original:
        thumbnail = original.convert("RGB")
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    out = io.BytesIO()
    thumbnail.save(out, format="JPEG", quality=80)
    return out.getvalue()


def save_photos(case: Case, photos: Sequence[CheckedPhoto], actor: Any) -> list[CasePhoto]:
    """Store checked photos of ``case`` (call inside the action's transaction)."""
    saved = []
    for photo in photos:
        stem = uuid.uuid4().hex
        row = CasePhoto(
            case=case,
            content_type=photo.content_type,
            size=len(photo.data),
            width=photo.width,
            height=photo.height,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        row.image.save(f"{stem}.{photo.extension}", ContentFile(photo.data), save=False)
        row.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(_thumbnail(photo.data)), save=False)
        row.save()
        saved.append(row)
    return saved
