"""Cleaning a PDF a tipster attaches of what could reveal who they are, with pypdf (pure Python).

The document is rebuilt page by page into a new file, so nothing outside the pages is carried over: not the
document information dictionary (author, creator, producer, dates), not the catalogue's XMP metadata, embedded
files, JavaScript, open action, outlines, forms or earlier incremental versions, not the file identifier. On
the pages and everything they reach, the keys that carry metadata, actions or attachments are removed:
XMP metadata streams of pages and images, page-piece data, additional actions (/AA), annotations (links,
comments with their authors, file attachments, form widgets), article beads, thumbnails and PDF 2.0 associated
files. JPEG images drop their EXIF, XMP, IPTC/Photoshop segments and comments. The visible content of the pages
stays as it was.

Refused: encrypted PDFs (they cannot be checked), files pypdf cannot read, and documents of more than
`MAX_PAGES` pages. Not cleaned (documented limit): text visible on the pages, metadata inside JPEG 2000 images,
hidden text or colours chosen by the author.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

MAX_PAGES = 200

STRIPPED_KEYS = frozenset(
    {
        "/Metadata",  # XMP packets on pages, images, forms
        "/PieceInfo",  # application private data (often the editing program and its state)
        "/LastModified",
        "/AA",  # additional actions (JavaScript on open, close, focus ...)
        "/OpenAction",
        "/JS",
        "/JavaScript",
        "/Names",
        "/EmbeddedFiles",
        "/AF",  # PDF 2.0 associated files
        "/Annots",  # links, comments with authors, file attachments, form widgets
        "/AcroForm",
        "/Outlines",
        "/Threads",
        "/Thumb",  # thumbnails can show an earlier state of the page
        "/SpiderInfo",
        "/Perms",
        "/Collection",
    }
)

# JPEG markers kept in an embedded image: APP0 (JFIF) and APP14 (Adobe colour transform, needed to decode CMYK)
_JPEG_KEPT_APP = {0xE0, 0xEE}


class PdfRefused(ValueError):
    """The PDF cannot be accepted; the message says why in the tipster's terms (translated by the caller)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def jpeg_without_metadata(data: bytes) -> bytes:
    """The JPEG `data` without its APP1-APP13/APP15 segments (EXIF, XMP, IPTC, Photoshop, ICC) and comments;
    the image data itself is untouched. Data that is not a well-formed JPEG header comes back unchanged."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out = bytearray(b"\xff\xd8")
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return data
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[position:]
            return bytes(out)
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segment = data[position : position + 2 + length]
        if length < 2 or len(segment) < 2 + length:
            return data
        if not ((0xE1 <= marker <= 0xEF and marker not in _JPEG_KEPT_APP) or marker == 0xFE):
            out += segment
        position += 2 + length
    return data


def _is_jpeg_image(stream: StreamObject) -> bool:
    filters = stream.get("/Filter")
    if isinstance(filters, ArrayObject):
        filters = filters[0] if len(filters) == 1 else None
    return stream.get("/Subtype") == "/Image" and filters == "/DCTDecode"


def _scrub(root: DictionaryObject) -> None:
    """Remove STRIPPED_KEYS from every dictionary and stream reachable from `root`, and the metadata segments of
    every JPEG image stream (iterative walk: page trees can be deep)."""
    seen: set[int] = set()
    pending: list = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, DictionaryObject):
            for key in [k for k in item if k in STRIPPED_KEYS]:
                del item[NameObject(key)]
            if item.get("/Type") == "/Page" and "/B" in item:
                del item[NameObject("/B")]  # article beads point at threads with their own information
            if isinstance(item, StreamObject) and _is_jpeg_image(item):
                item._data = jpeg_without_metadata(
                    item._data
                )  # the raw (encoded) bytes: DCT is the JPEG itself
            pending.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            pending.extend(list.__iter__(item))


def pdf_clean(data: bytes) -> bytes:
    """A new PDF with the pages of `data` and nothing that could identify its author (see the module's
    docstring); PdfRefused when it is encrypted, unreadable, empty or too long."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfRefused("encrypted")
        count = len(reader.pages)
        if count == 0:
            raise PdfRefused("malformed")
        if count > MAX_PAGES:
            raise PdfRefused("too_long")
        scrubbed = PdfWriter()
        for page in reader.pages:
            scrubbed.add_page(page)
        _scrub(scrubbed.root_object)
        # a second copy takes only what the scrubbed pages still reach: the removed objects were already
        # copied into the first writer, which would write them out unreferenced
        writer = PdfWriter()
        for page in scrubbed.pages:
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
        cleaned = out.getvalue()
        if len(PdfReader(io.BytesIO(cleaned), strict=False).pages) != count:
            raise PdfRefused("malformed")
    except PdfRefused:
        raise
    except Exception:  # noqa: BLE001 - hostile or broken files make pypdf raise many kinds of errors
        raise PdfRefused("malformed") from None
    return cleaned
