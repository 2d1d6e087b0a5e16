"""Case photos at intake: only real images within the limits, with thumbnails."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gridgov.cases.actions import submit_case
from gridgov.cases.models import Case, CasePhoto
from gridgov.core.errors import ActionError


def jpeg(width=800, height=600, name="现场.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def report(world, photos):
    return submit_case(
        description="路边垃圾桶满了没人清",
        lat=36.105,
        lng=120.305,
        actor=world.resident,
        photos=photos,
    )


def test_photos_are_stored_with_thumbnails_and_named_in_the_ledger(world):
    case = report(world, [jpeg(), jpeg(name="b.jpg")])
    photos = list(case.photos.all())
    assert len(photos) == 2
    assert photos[0].content_type == "image/jpeg" and (photos[0].width, photos[0].height) == (
        800,
        600,
    )
    with Image.open(photos[0].thumbnail) as thumb:
        assert max(thumb.size) <= 320
    assert case.events.get(action="submit").data["photos"] == [p.image.name for p in photos]


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.txt", b"not an image at all", content_type="image/jpeg"),
        SimpleUploadedFile("fake.png", b"\x89PNG\r\n\x1a\nbroken", content_type="image/png"),
    ],
)
def test_a_non_image_is_refused_and_nothing_is_written(world, upload):
    with pytest.raises(ActionError) as caught:
        report(world, [jpeg(), upload])
    assert upload.name in caught.value.errors["photos"][0]
    assert Case.objects.count() == 0 and CasePhoto.objects.count() == 0


def test_an_oversized_photo_is_refused(world, settings):
    settings.GRIDGOV_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ActionError) as caught:
        report(world, [jpeg()])
    assert "photos" in caught.value.errors
    assert Case.objects.count() == 0


def test_too_many_photos_are_refused(world, settings):
    settings.GRIDGOV_PHOTOS_PER_CASE = 1
    with pytest.raises(ActionError):
        report(world, [jpeg(), jpeg()])
    assert Case.objects.count() == 0
