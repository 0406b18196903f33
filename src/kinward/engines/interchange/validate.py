"""Validating interchange records: one record against its schema, and a whole dataset's references, streaming.

A record is accepted or rejected as a whole (INTERCHANGE.md, "Import is all-or-nothing per record"). Each
problem names the file, line, `ref`, field and reason. References are checked against an index of the refs
accepted so far, type by type in load order, so a dataset of millions of records is checked in one pass with
memory for its refs only. A ref to a record of the same type that appears later in the same file (a region's
parent, a corrected custody event) is resolved at the end of that file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kinward.engines.interchange import format as fmt
from kinward.engines.interchange.reader import (
    MANIFEST_FILE,
    DatasetError,
    RecordLine,
    dataset_files,
    read_dataset,
    read_manifest,
)
from kinward.engines.interchange.schemas import schema_errors


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one record (or the manifest) was rejected: file, line (from 1), the record's ref, field, reason."""

    file: str | None
    line: int | None
    ref: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file or '-'}:{self.line}" if self.line is not None else (self.file or "-")
        return f"{where} ref={self.ref or '-'} field={self.field or '-'}: {self.reason}"


class UnsupportedVersionError(DatasetError):
    """The manifest names a format version this reader does not implement (a newer minor, or another major)."""


def _getter(path: str) -> Callable[[dict[str, Any]], list[tuple[str, Any]]]:
    """Compile a reference path ("a", "a.b", "a[]", "a[].b") into a function listing (field, value) pairs."""
    head, _, tail = path.partition(".")
    is_list = head.endswith("[]")
    name = head.removesuffix("[]")

    def get(record: dict[str, Any]) -> list[tuple[str, Any]]:
        """The (field path, value) pairs found at the path in `record`."""
        value = record.get(name)
        if value is None or (is_list and not isinstance(value, list)):
            return []
        items = [(f"{name}[{i}]", v) for i, v in enumerate(value)] if is_list else [(name, value)]
        if not tail:
            return items
        return [(f"{where}.{tail}", v[tail]) for where, v in items if isinstance(v, dict) and tail in v]

    return get


_REF_GETTERS = {t: [(_getter(p), target) for p, target in refs] for t, refs in fmt.REFERENCES.items()}
_DATE_GETTERS = {t: [_getter(p) for p in paths] for t, paths in fmt.DATE_FIELDS.items()}
_TIME_GETTERS = {t: [_getter(p) for p in paths] for t, paths in fmt.TIME_FIELDS.items()}


def _calendar_errors(record_type: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """Dates and times whose shape is right but which are not on the calendar (2026-02-30, 24:00)."""
    bad: list[tuple[str, str]] = []
    for get in _DATE_GETTERS.get(record_type, ()):
        for where, value in get(record):
            try:
                dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                bad.append((where, f"{value!r} is not a calendar date"))
    for get in _TIME_GETTERS.get(record_type, ()):
        for where, value in get(record):
            try:
                dt.datetime.fromisoformat(value)
            except (TypeError, ValueError, AttributeError):
                bad.append((where, f"{value!r} is not a calendar time"))
    if record_type == "custody_events" and record.get("field") in fmt.CORRECTION_DATES:
        value = record.get("new_value")
        try:
            parse = dt.date if fmt.CORRECTION_DATES[record["field"]] == "date" else dt.datetime
            parse.fromisoformat(value)
        except (TypeError, ValueError):
            bad.append(("new_value", f"{value!r} is not on the calendar"))
    return bad


def validate_record(
    record_type: str, record: Any, *, file: str | None = None, line: int | None = None
) -> list[Problem]:
    """Check one record on its own: its JSON Schema (draft 2020-12) and that its dates exist on the calendar.

    Returns the problems found (empty when the record is valid on its own); references to other records are
    checked by `DatasetValidator`, which needs the whole dataset. Raises UnknownRecordTypeError for a type
    the format does not have.
    """
    ref = record.get("ref") if isinstance(record, dict) else None
    ref = ref if isinstance(ref, str) else None
    problems = [Problem(file, line, ref, e.field, e.reason) for e in schema_errors(record_type, record)]
    if isinstance(record, dict):
        flagged = {p.field for p in problems}
        problems += [
            Problem(file, line, ref, f, r)
            for f, r in _calendar_errors(record_type, record)
            if f not in flagged
        ]
    return problems


def check_manifest(manifest: Any) -> list[Problem]:
    """Check a parsed manifest.json: format name, a supported version, and its schema.

    A newer minor version (1.1 when this reader implements 1.0) or another major version is refused with one
    problem naming both versions: minor versions add optional fields that this reader would reject or drop.
    """
    if isinstance(manifest, dict) and "version" in manifest:
        try:
            version = fmt.parse_version(manifest["version"])
        except ValueError as exc:
            return [Problem(MANIFEST_FILE, None, None, "version", str(exc))]
        supported = fmt.SUPPORTED_VERSION
        if version[0] != supported[0] or version[1] > supported[1]:
            newer = "newer than" if version > supported else "not"
            return [
                Problem(
                    MANIFEST_FILE,
                    None,
                    None,
                    "version",
                    f"dataset is format version {fmt.format_version(version)}, {newer} the version this reader "
                    f"supports ({fmt.format_version(supported)}); upgrade Kinward or export as version "
                    f"{fmt.format_version(supported)}",
                )
            ]
    return [
        Problem(MANIFEST_FILE, None, None, e.field, e.reason) for e in schema_errors("manifest", manifest)
    ]


def require_supported_manifest(path: str | Path) -> dict[str, Any]:
    """Read and check the manifest of the dataset at `path`; return it, or raise before any record is read.

    Raises UnsupportedVersionError for a newer minor or another major version (the message names both
    versions), DatasetError for any other manifest problem. For importers that stop at the first problem.
    """
    manifest = read_manifest(path)
    problems = check_manifest(manifest)
    if problems:
        text = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        error = UnsupportedVersionError if problems[0].field == "version" else DatasetError
        raise error(f"{Path(path) / MANIFEST_FILE}: {text}")
    return manifest


@dataclass
class ValidationReport:
    """Outcome of validating a dataset: records accepted and rejected per type, and the problems found.

    `refused` is set when the dataset as a whole cannot be read (manifest problems); then no record was read.
    `problems` keeps at most `max_problems` entries; `problem_count` counts them all.
    """

    accepted: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    refused: bool = False
    max_problems: int = 10_000

    def add(self, problems: list[Problem]) -> None:
        """Record problems, keeping at most `max_problems` of them."""
        self.problem_count += len(problems)
        room = self.max_problems - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])

    @property
    def ok(self) -> bool:
        """True when nothing was refused or rejected and the manifest agrees with the files."""
        return not self.refused and self.problem_count == 0


class DatasetValidator:
    """Checks a stream of records, type by type in load order, against the refs accepted before them.

    Use `validate(lines)`: it yields every RecordLine with its problems (an empty list means accepted). Beyond
    each record's schema it checks: `ref` unique within its type; every ref field points at an accepted record
    of the right type (INTERCHANGE.md load order); a stillbirth has no custody events; a correction names a
    field that the corrected event's type has, and is not itself corrected; an abandonment report's `event` is
    an `abandonment_found` event of the same child.

    A ref resolves only within its own dataset (INTERCHANGE.md: "`ref` is the record's identifier, unique within
    its type in the dataset; other records point at it by `ref`"). `outside(type, ref)`, when given, is asked
    about a ref this dataset does not hold and may return where such a record exists outside the dataset (an
    importer knows earlier imports); the rejection then says so instead of "does not exist".
    `check_record(line)`, when given, stands in for `validate_record` on each parsed line and must answer as it
    does (`precheck.RecordPrecheck` runs those checks in a second process).
    """

    def __init__(
        self,
        outside: Callable[[str, str], str | None] | None = None,
        check_record: Callable[[RecordLine], list[Problem]] | None = None,
    ) -> None:
        self.outside = outside
        self.check_record = check_record
        self.refs: dict[str, set[str]] = {t: set() for t in fmt.RECORD_TYPES}
        self.rejected_refs: dict[str, set[str]] = {t: set() for t in fmt.RECORD_TYPES}
        self.accepted: dict[str, int] = dict.fromkeys(fmt.RECORD_TYPES, 0)
        self.rejected: dict[str, int] = dict.fromkeys(fmt.RECORD_TYPES, 0)
        self._custody_type: dict[str, str] = {}
        self._found_child: dict[str, str] = {}
        self._stillbirths: set[str] = set()
        self._event_types = {t: t for t in fmt.CUSTODY_EVENT_FIELDS}

    def validate(self, lines: Iterable[RecordLine]) -> Iterator[tuple[RecordLine, list[Problem]]]:
        """Yield (line, problems) for every line; records with forward same-type refs come at their file's end."""
        deferred: list[RecordLine] = []
        current: str | None = None
        for item in lines:
            if item.type != current:
                yield from self._resolve(deferred)
                deferred = []
                current = item.type
            problems, waits = self._check(item)
            if waits:
                deferred.append(item)
                continue
            self._settle(item, problems)
            yield item, problems
        yield from self._resolve(deferred)

    def _check(self, item: RecordLine) -> tuple[list[Problem], bool]:
        """Problems of one line, and whether it waits for a same-type record later in the file."""
        if item.record is None:
            return [Problem(item.file, item.line, None, None, item.error or "not a record")], False
        record, rtype = item.record, item.type
        if self.check_record is not None:
            problems = self.check_record(item)
        else:
            problems = validate_record(rtype, record, file=item.file, line=item.line)
        if problems:
            return problems, False
        ref = record["ref"]
        if ref in self.refs[rtype] or ref in self.rejected_refs[rtype]:
            return [
                self._problem(item, "ref", f"ref {ref!r} is already used by an earlier {rtype} record")
            ], False
        waits = False
        for get, target in _REF_GETTERS[rtype]:
            for where, value in get(record):
                if value in self.refs[target]:
                    continue
                if target == rtype and value not in self.rejected_refs[target]:
                    waits = True
                    continue
                problems.append(self._missing(item, where, target, value))
        if rtype == "custody_events":
            problems.extend(self._custody_checks(item))
        elif rtype == "abandonment_reports":
            problems.extend(self._report_checks(item))
        return problems, waits and not problems

    def _custody_checks(self, item: RecordLine) -> list[Problem]:
        record = item.record or {}
        problems = []
        if record["child"] in self._stillbirths:
            problems.append(self._problem(item, "child", "a stillbirth has no custody events"))
        if record["type"] == "correction":
            target_type = self._custody_type.get(record["corrects"])
            name = record["field"]
            allowed = fmt.CUSTODY_COMMON_FIELDS + fmt.CUSTODY_EVENT_FIELDS.get(target_type or "", ())
            if target_type == "correction":
                problems.append(self._problem(item, "corrects", "a correction cannot itself be corrected"))
            elif target_type is not None and name not in allowed:
                problems.append(self._problem(item, "field", f"a {target_type} event has no field {name!r}"))
            if name in fmt.CORRECTION_REFERENCES:
                target = fmt.CORRECTION_REFERENCES[name]
                values = (
                    record["new_value"] if isinstance(record["new_value"], list) else [record["new_value"]]
                )
                for value in values:
                    if value not in self.refs[target]:
                        problems.append(self._missing(item, "new_value", target, value))
        return problems

    def _report_checks(self, item: RecordLine) -> list[Problem]:
        record = item.record or {}
        event = record.get("event")
        if event is None or event not in self._custody_type:
            return []
        if self._custody_type[event] != "abandonment_found":
            kind = self._custody_type[event]
            return [
                self._problem(item, "event", f"custody event {event!r} is a {kind}, not an abandonment_found")
            ]
        child = record.get("child")
        if child is not None and self._found_child.get(event) != child:
            return [
                self._problem(
                    item, "child", f"event {event!r} is about child {self._found_child.get(event)!r}"
                )
            ]
        return []

    def _settle(self, item: RecordLine, problems: list[Problem]) -> None:
        """Count the line and, when accepted, index its ref (and what later checks need to know of it)."""
        rtype, record = item.type, item.record
        ref = record.get("ref") if isinstance(record, dict) else None
        if problems:
            self.rejected[rtype] += 1
            if isinstance(ref, str):
                self.rejected_refs[rtype].add(ref)
            return
        self.accepted[rtype] += 1
        self.refs[rtype].add(ref)
        assert record is not None
        if rtype == "custody_events":
            kind = self._event_types[record["type"]]
            self._custody_type[ref] = kind
            if kind == "abandonment_found":
                self._found_child[ref] = record["child"]
        elif rtype == "births" and record["outcome"] == "still":
            self._stillbirths.add(ref)

    def _resolve(self, deferred: list[RecordLine]) -> Iterator[tuple[RecordLine, list[Problem]]]:
        """Settle lines that waited for same-type records: accept those whose targets got accepted."""
        progress = True
        while deferred and progress:
            progress = False
            waiting = []
            for item in deferred:
                problems, waits = self._check(item)
                if waits:
                    waiting.append(item)
                    continue
                progress = True
                self._settle(item, problems)
                yield item, problems
            deferred = waiting
        for item in deferred:  # a cycle, or pointing at nothing: reject with the refs that never resolved
            problems = []
            assert item.record is not None
            for get, target in _REF_GETTERS[item.type]:
                for where, value in get(item.record):
                    if value not in self.refs[target]:
                        problems.append(self._missing(item, where, target, value))
            self._settle(item, problems)
            yield item, problems

    @staticmethod
    def _problem(item: RecordLine, field_name: str | None, reason: str) -> Problem:
        ref = item.record.get("ref") if item.record else None
        return Problem(item.file, item.line, ref if isinstance(ref, str) else None, field_name, reason)

    def _missing(self, item: RecordLine, where: str, target: str, value: Any) -> Problem:
        if value in self.rejected_refs[target]:
            state = "was rejected"
        else:
            elsewhere = self.outside(target, value) if self.outside and isinstance(value, str) else None
            state = f"is not in this dataset: {elsewhere}" if elsewhere else "does not exist"
        return self._problem(item, where, f"points at {target} record {value!r}, which {state}")


def validate_dataset(path: str | Path, *, max_problems: int = 10_000) -> ValidationReport:
    """Validate the dataset folder at `path` completely: manifest, every record, references, manifest counts.

    Returns a ValidationReport. Raises DatasetError when there is no folder or no readable manifest.
    """
    report = ValidationReport(max_problems=max_problems)
    manifest = read_manifest(path)
    manifest_problems = check_manifest(manifest)
    if manifest_problems:
        report.refused = True
        report.add(manifest_problems)
        return report
    present, unknown = dataset_files(path)
    report.add([Problem(name, None, None, None, "not a record type of the format") for name in unknown])
    validator = DatasetValidator()
    for _item, problems in validator.validate(read_dataset(path)):
        if problems:
            report.add(problems)
    report.accepted = {t: n for t, n in validator.accepted.items() if t in present}
    report.rejected = {t: n for t, n in validator.rejected.items() if t in present}
    report.add(_count_problems(manifest.get("counts", {}), validator, present))
    return report


def _count_problems(counts: dict[str, int], validator: DatasetValidator, present: list[str]) -> list[Problem]:
    """Manifest counts that differ from the number of records in the files."""
    problems = []
    for rtype in fmt.RECORD_TYPES:
        actual = validator.accepted[rtype] + validator.rejected[rtype] if rtype in present else 0
        stated = counts.get(rtype, 0)
        if stated != actual:
            reason = f"manifest counts {stated} {rtype} records but {fmt.file_name(rtype)} holds {actual}"
            problems.append(Problem(MANIFEST_FILE, None, None, f"counts.{rtype}", reason))
    return problems
