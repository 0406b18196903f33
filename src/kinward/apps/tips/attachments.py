"""Checking what a tipster attaches and stripping what it could reveal about them.

The type is decided by the content, never by the name or the declared type: Pillow must recognise a JPEG, PNG
or WebP image, or the file must start as a PDF does. Every image is decoded and re-encoded from its pixels
alone, so EXIF (camera, time, GPS position), XMP, ICC profiles and text chunks are all left behind. A PDF is
rebuilt page by page without its information dictionary, XMP metadata, embedded files, JavaScript, actions
and annotations (`tips.pdf`); an encrypted or unreadable PDF is refused.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kinward.apps.tips.pdf import MAX_PAGES, PdfRefused, pdf_clean

ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
}
MAX_PIXELS = 40_000_000  # larger images are refused rather than decoded (decompression bombs)
STORAGE_FOLDER = "tips"


@dataclass(frozen=True)
class CleanAttachment:
    """An accepted attachment: re-encoded bytes, their type and digest, not yet written anywhere."""

    content: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def attachment_clean(data: bytes, *, field: str = "attachments", position: int = 1) -> CleanAttachment:
    """Accept one attachment's bytes as a JPEG, PNG or WebP image re-encoded without metadata, or as a PDF
    rebuilt without metadata, embedded files and actions; or refuse it with a message naming the file."""
    limit = settings.TIP_ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise _refuse(
            field,
            _("File %(n)s is too large: at most %(mb)s MB per file.")
            % {"n": position, "mb": round(limit / 1_048_576, 1)},
        )
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data, field, position)
    wrong_type = _(
        "File %(n)s is not a JPEG, PNG or WebP image or a PDF. Only these files can be accepted."
    ) % {"n": position}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                if kind not in ACCEPTED_FORMATS:
                    raise _refuse(field, wrong_type)
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refuse(
                        field, _("File %(n)s has too many pixels to be accepted.") % {"n": position}
                    )
                probe.load()
                upright = ImageOps.exif_transpose(probe)
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refuse(field, wrong_type) from None
    content_type, extension = ACCEPTED_FORMATS[kind]
    return CleanAttachment(_reencode(upright, kind), content_type, extension)


def _clean_pdf(data: bytes, field: str, position: int) -> CleanAttachment:
    try:
        return CleanAttachment(pdf_clean(data), "application/pdf", ".pdf")
    except PdfRefused as refused:
        messages = {
            "encrypted": _(
                "File %(n)s is an encrypted or password-protected PDF, which cannot be checked for hidden "
                "details. Send it without a password, or send a screenshot instead."
            ),
            "too_long": _(
                "File %(n)s is a PDF of more than %(pages)s pages. Send only the pages that matter."
            ),
        }
        message = messages.get(
            refused.reason,
            _("File %(n)s could not be read as a PDF: it may be damaged. Send a screenshot instead."),
        )
        raise _refuse(field, message % {"n": position, "pages": MAX_PAGES}) from None


def _reencode(image: Image.Image, kind: str) -> bytes:
    """The pixels alone, in a new image object that carries no `info` (EXIF, XMP, ICC, text) at all."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha and kind != "JPEG" else ("L" if image.mode in ("L", "1") else "RGB")
    pixels = image.convert(mode)
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if kind == "JPEG":
        bare.save(out, format="JPEG", quality=90)
    elif kind == "PNG":
        bare.save(out, format="PNG", optimize=True)
    else:
        bare.save(out, format="WEBP", quality=90)
    return out.getvalue()


def attachments_clean(files: list[bytes], *, field: str = "attachments") -> list[CleanAttachment]:
    """Check every attachment before anything is written: one refused file refuses the whole submission."""
    if len(files) > settings.TIP_ATTACHMENTS_MAX:
        raise _refuse(field, _("At most %(n)s files can be attached.") % {"n": settings.TIP_ATTACHMENTS_MAX})
    return [attachment_clean(data, field=field, position=i) for i, data in enumerate(files, start=1)]


def attachment_store(clean: CleanAttachment) -> str:
    """Write the cleaned bytes under MEDIA_ROOT with a random name (never the tipster's file name)."""
    name = f"{STORAGE_FOLDER}/{secrets.token_hex(16)}{clean.extension}"
    return default_storage.save(name, ContentFile(clean.content))


def attachment_delete(stored_name: str) -> None:
    default_storage.delete(stored_name)
