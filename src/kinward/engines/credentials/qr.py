"""QR code rendering (segno) and reading from photos or scans (zxing-cpp).

The certificate text is encoded in QR alphanumeric mode (ISO/IEC 18004 section 7.4.4) with error correction
level Q (about 25 % of codewords recoverable), the level HCERT recommends for printed certificates.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno

from .errors import UnreadableImageError

ERROR_CORRECTION = "q"


def make_qr(text: str) -> segno.QRCode:
    """The QR symbol for a certificate text: alphanumeric mode, error correction Q, smallest fitting version."""
    return segno.make_qr(text, error=ERROR_CORRECTION, mode="alphanumeric", boost_error=False)


def qr_version(text: str) -> int:
    """The QR version (1-40; side = 17 + 4 * version modules) that `make_qr` picks for the text."""
    return int(make_qr(text).version)


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """The QR code as PNG bytes, `scale` pixels per module and the 4-module quiet zone of ISO/IEC 18004."""
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def qr_svg(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    """The QR code as a standalone SVG document (UTF-8 bytes)."""
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="svg", scale=scale, border=border, xmldecl=True)
    return buffer.getvalue()


def read_qr_texts(image: bytes | str | Path) -> list[str]:
    """All QR code texts zxing-cpp finds in a PNG/JPEG image (bytes or a file path), in reading order."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    source = io.BytesIO(image) if isinstance(image, bytes) else Path(image)
    try:
        with Image.open(source) as opened:
            picture = opened.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(f"not a readable image: {exc}") from None
    found = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found if barcode.valid]


def read_qr_text(image: bytes | str | Path) -> str:
    """The text of the first QR code in an image; `UnreadableImageError` when none can be decoded."""
    texts = read_qr_texts(image)
    if not texts:
        raise UnreadableImageError("no readable QR code found in the image")
    return texts[0]
