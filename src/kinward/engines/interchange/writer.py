"""Writing an interchange dataset: one JSON Lines file per record type and a manifest with the counts."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from kinward.engines.interchange import format as fmt
from kinward.engines.interchange.reader import MANIFEST_FILE, TRUTH_FILE

_MANIFEST_ORDER = (
    "format",
    "version",
    "country",
    "coverage_from",
    "created",
    "source",
    "counts",
    "issuer_keys",
)


class WriterError(ValueError):
    """A dataset cannot be written as asked (unknown record type, writer closed, manifest field missing)."""


def dumps_record(record: dict[str, Any]) -> str:
    """The JSON Lines text of one record: compact, UTF-8 characters kept as they are, keys in given order."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class DatasetWriter:
    """Writes a dataset folder: `write(type, record)` appends to `<type>.jsonl`; `close()` writes the manifest.

    `manifest` holds every manifest field except `counts` (and `format`/`version`, filled in when absent);
    counts are those of the records written. Records are written as given, in the order given: the writer
    does not validate (run `validate_dataset` on the result). Files of the same inputs are byte-identical.
    Use as a context manager; the manifest is written only when the block ends without an exception.
    """

    def __init__(self, path: str | Path, manifest: dict[str, Any]) -> None:
        self.path = Path(path)
        for key in ("country", "coverage_from", "created", "source"):
            if key not in manifest:
                raise WriterError(f"manifest field {key!r} is required (INTERCHANGE.md, manifest.json)")
        self.manifest = {"format": fmt.FORMAT_NAME, "version": fmt.SUPPORTED_VERSION[0], **manifest}
        self.counts: dict[str, int] = {}
        self._files: dict[str, IO[str]] = {}
        self._closed = False
        self.written: dict[str, Any] | None = None
        self.path.mkdir(parents=True, exist_ok=True)

    def write(self, record_type: str, record: dict[str, Any]) -> None:
        """Append one record of `record_type` to its file."""
        stream = self._files.get(record_type)
        if stream is None:
            stream = self._open(record_type)
        stream.write(dumps_record(record))
        stream.write("\n")
        self.counts[record_type] += 1

    def write_many(self, record_type: str, records: list[dict[str, Any]]) -> None:
        """Append several records of `record_type`, in order."""
        for record in records:
            self.write(record_type, record)

    def write_truth(self, truth: dict[str, Any]) -> None:
        """Write `truth.json` (synthetic datasets only: the planted patterns, INTERCHANGE.md "Planted truth")."""
        text = json.dumps(truth, ensure_ascii=False, indent=1)
        (self.path / TRUTH_FILE).write_text(text + "\n", encoding="utf-8")

    def _open(self, record_type: str) -> IO[str]:
        if self._closed:
            raise WriterError(f"dataset writer for {self.path} is closed; cannot write {record_type}")
        if record_type not in fmt.RECORD_TYPES:
            raise WriterError(
                f"unknown record type {record_type!r}; the format has {', '.join(fmt.RECORD_TYPES)}"
            )
        stream = open(
            self.path / fmt.file_name(record_type), "w", encoding="utf-8", newline="\n", buffering=1 << 20
        )
        self._files[record_type] = stream
        self.counts[record_type] = 0
        return stream

    def close(self) -> dict[str, Any]:
        """Close the record files and write `manifest.json` with the counts; return the manifest written.

        Closing twice writes nothing more and returns the same manifest.
        """
        if self.written is not None:
            return self.written
        for stream in self._files.values():
            stream.close()
        self._closed = True
        manifest = dict(self.manifest)
        manifest["counts"] = {t: self.counts[t] for t in fmt.RECORD_TYPES if t in self.counts}
        ordered = {k: manifest[k] for k in _MANIFEST_ORDER if k in manifest}
        ordered.update({k: v for k, v in manifest.items() if k not in ordered})
        text = json.dumps(ordered, ensure_ascii=False, indent=2)
        (self.path / MANIFEST_FILE).write_text(text + "\n", encoding="utf-8")
        self.written = ordered
        return ordered

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            for stream in self._files.values():
                stream.close()
            self._closed = True
