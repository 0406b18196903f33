"""Reading an interchange dataset folder: the manifest, and every record line per type in load order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinward.engines.interchange.format import RECORD_TYPES, file_name

MANIFEST_FILE = "manifest.json"
TRUTH_FILE = "truth.json"


class DatasetError(Exception):
    """The dataset as a whole cannot be read (no folder, no or unreadable manifest, unsupported version)."""


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One line of a `<type>.jsonl` file: where it is, and the parsed record or why it could not be parsed.

    `record` is the parsed JSON object, or None when the line is not a JSON object; then `error` says why.
    `line` counts from 1, as editors do.
    """

    type: str
    file: str
    line: int
    record: dict[str, Any] | None
    error: str | None = None


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Parse `manifest.json` of the dataset at `path`; raise DatasetError naming the file and the problem."""
    manifest_path = Path(path) / MANIFEST_FILE
    if not Path(path).is_dir():
        raise DatasetError(f"{path}: not a dataset folder (no such directory)")
    try:
        manifest = json.loads(manifest_path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{manifest_path}: missing; every dataset has a manifest.json")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetError(f"{manifest_path}: not UTF-8 JSON ({exc})")
    if not isinstance(manifest, dict):
        raise DatasetError(f"{manifest_path}: must hold a JSON object, not {type(manifest).__name__}")
    return manifest


def dataset_files(path: str | Path) -> tuple[list[str], list[str]]:
    """The record types present in the dataset at `path` (in load order), and the unknown `.jsonl` files."""
    folder = Path(path)
    present = [t for t in RECORD_TYPES if (folder / file_name(t)).is_file()]
    known = {file_name(t) for t in RECORD_TYPES}
    unknown = sorted(p.name for p in folder.glob("*.jsonl") if p.name not in known)
    return present, unknown


def read_records(path: str | Path, record_type: str) -> Iterator[RecordLine]:
    """Stream the lines of `<record_type>.jsonl` in the dataset at `path`, parsed, with their line numbers.

    Blank lines are skipped (JSON Lines has none, but a trailing one is common). A line that is not UTF-8, not
    JSON, or not a JSON object comes out with `record=None` and `error` saying why, so that the caller can
    reject that record alone.
    """
    name = file_name(record_type)
    with open(Path(path) / name, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield RecordLine(record_type, name, number, None, f"line is not UTF-8 ({exc.reason})")
                continue
            except json.JSONDecodeError as exc:
                yield RecordLine(
                    record_type, name, number, None, f"line is not JSON ({exc.msg}, column {exc.colno})"
                )
                continue
            if not isinstance(record, dict):
                yield RecordLine(record_type, name, number, None, "line must hold a JSON object (one record)")
                continue
            yield RecordLine(record_type, name, number, record)


def read_dataset(path: str | Path) -> Iterator[RecordLine]:
    """Stream every record of the dataset at `path`, type by type in load order (INTERCHANGE.md).

    Yields RecordLine(type, file, line, record, error). Types with no file are skipped; the manifest and
    `truth.json` are not records (see `read_manifest`). Raises DatasetError when `path` is not a folder.
    """
    if not Path(path).is_dir():
        raise DatasetError(f"{path}: not a dataset folder (no such directory)")
    present, _unknown = dataset_files(path)
    for record_type in present:
        yield from read_records(path, record_type)
