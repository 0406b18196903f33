"""Reading post files: JSON Lines in the textwatch evaluation format (`id`, `lang`, `platform`, `text`, optional
`label` and others) and CSV with a header row (`id`, `text`, optional `lang`, `platform`, `url`, `published_at`).

Every bad record is named by line and field; a file with any bad record is refused whole, so an import is all or
nothing and can simply be run again once the file is fixed.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError

MAX_IMPORT_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PostRecord:
    """One post to store, from whichever channel it came."""

    external_id: str
    text: str
    url: str = ""
    platform: str = ""
    lang: str = ""
    published_at: datetime | None = None


def _record(raw: dict, where: str, max_chars: int) -> PostRecord:
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"file": f"{where}: field 'text' is missing or empty"})
    if len(text) > max_chars:
        raise ValidationError(
            {"file": f"{where}: the text has {len(text)} characters, more than {max_chars}"}
        )
    published = raw.get("published_at") or None
    if published:
        try:
            published = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                {"file": f"{where}: field 'published_at' is not an ISO 8601 date"}
            ) from None
    return PostRecord(
        external_id=str(raw.get("id") or "")[:300],
        text=text,
        url=str(raw.get("url") or "")[:1000],
        platform=str(raw.get("platform") or "")[:100],
        lang=str(raw.get("lang") or "")[:16],
        published_at=published,
    )


def read_jsonl(content: bytes, *, max_chars: int) -> list[PostRecord]:
    """Records of a JSON Lines file (one object per line; blank lines skipped)."""
    records = []
    for number, line in enumerate(_decode(content).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except ValueError as error:
            raise ValidationError({"file": f"line {number}: not valid JSON ({error})"}) from None
        if not isinstance(raw, dict):
            raise ValidationError({"file": f"line {number}: expected a JSON object"})
        records.append(_record(raw, f"line {number}", max_chars))
    return records


def read_csv(content: bytes, *, max_chars: int) -> list[PostRecord]:
    """Records of a CSV file whose header names the columns (at least `text`)."""
    reader = csv.DictReader(io.StringIO(_decode(content), newline=""))  # the csv module reads line ends itself
    try:
        header = reader.fieldnames
    except csv.Error as error:
        raise ValidationError({"file": f"the CSV header cannot be read: {error}"}) from None
    if not header or "text" not in header:
        raise ValidationError({"file": "the CSV header must name a 'text' column"})
    try:
        return [_record(row, f"line {reader.line_num}", max_chars) for row in reader]
    except csv.Error as error:
        raise ValidationError({"file": f"line {reader.line_num}: {error}"}) from None


def read_post_file(name: str, content: bytes, *, max_chars: int) -> list[PostRecord]:
    """Records of an uploaded file, by its extension (.jsonl/.json or .csv)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB"})
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return read_jsonl(content, max_chars=max_chars)
    if lowered.endswith(".csv"):
        return read_csv(content, max_chars=max_chars)
    raise ValidationError({"file": "give a .jsonl or .csv file"})


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError({"file": f"the file is not UTF-8 text (byte {error.start})"}) from None
