"""An event's cover image: checked when uploaded, stored, and made into a few sizes.

The form checks the upload (a JPEG, PNG or WebP picture of a sensible size) with
Pillow; the organiser's change stores it before its transaction, so no file is
written under the event's row lock; a worker then makes the sizes that pages and
emails show (`make_sizes`), re-encoded as JPEG without the camera's metadata
(location included), turned the way the camera meant.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from events.models import Event, cover_upload_path

WIDTHS = (480, 960, 1600)
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
MAX_BYTES = 10 * 1024 * 1024
MIN_WIDTH = 640
MAX_PIXELS = 40_000_000
QUALITY = 82


def check_upload(upload: UploadedFile) -> UploadedFile:
    """Refuse, with a message an organiser understands, a file that is not a usable cover.
    `upload.image` is the picture Django's ImageField has already opened and verified."""
    image = getattr(upload, "image", None)
    if image is None or image.format not in FORMATS:
        raise ValidationError(_("Upload a JPEG, PNG or WebP picture."), code="format")
    if upload.size > MAX_BYTES:
        megabytes = upload.size / 1024 / 1024
        raise ValidationError(
            _("This picture is %(size)s MB; upload one of 10 MB or less.") % {"size": f"{megabytes:.1f}"},
            code="too_big",
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("This picture is %(width)d by %(height)d pixels; make it smaller first.")
            % {"width": width, "height": height},
            code="pixels",
        )
    if width < MIN_WIDTH:
        raise ValidationError(
            _("This picture is %(width)d pixels wide; a cover needs at least %(least)d to look sharp.")
            % {"width": width, "least": MIN_WIDTH},
            code="small",
        )
    upload.name = Path(upload.name).with_suffix(FORMATS[image.format]).name
    return upload


def stored(changes: dict) -> dict:
    """The changes with a newly uploaded cover written to storage and named instead, or a
    cleared one as "" (no cover). Called before the change's transaction."""
    cover = changes.get("cover_image")
    if isinstance(cover, UploadedFile):
        cover.seek(0)
        return {**changes, "cover_image": default_storage.save(cover_upload_path(None, cover.name), cover)}
    if cover is False:
        return {**changes, "cover_image": ""}
    return changes


def make_sizes(*, event_id: int) -> int:
    """Make the cover's sizes (at most its own width) and record them on the event, unless
    the cover was replaced meanwhile. Returns how many were made."""
    event = Event.objects.filter(pk=event_id).only("cover_image").first()
    if event is None or not event.cover_image:
        return 0
    name = event.cover_image.name
    with default_storage.open(name, "rb") as original, Image.open(original) as opened:
        picture = _flattened(ImageOps.exif_transpose(opened))
        sizes = [_save_size(picture, width, stem=Path(name).stem) for width in _widths(picture.width)]
    Event.objects.filter(pk=event_id, cover_image=name).update(cover_sizes=sizes)
    return len(sizes)


def _widths(original: int) -> list[int]:
    """The standard widths smaller than the picture, and the picture's own up to the largest."""
    widths = [width for width in WIDTHS if width < original]
    largest = min(original, WIDTHS[-1])
    return widths if largest in widths else [*widths, largest]


def _flattened(picture: Image.Image) -> Image.Image:
    """RGB on white: JPEG keeps no transparency."""
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture.convert("RGB")


def _save_size(picture: Image.Image, width: int, *, stem: str) -> list:
    height = round(picture.height * width / picture.width)
    resized = picture.resize((width, height), Image.Resampling.LANCZOS) if width != picture.width else picture
    buffer = io.BytesIO()
    resized.save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    name = default_storage.save(f"covers/{stem}-{width}.jpg", ContentFile(buffer.getvalue()))
    return [width, height, name]
