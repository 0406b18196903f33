"""Checking a laboratory's genotype CSV row by row with the kinship engine, so that every problem is reported.

The engine's `parse_profiles` stops at the first bad row. A laboratory needs the whole list, so each row is
parsed alone by the engine (unknown locus, malformed allele, one allele only...), duplicate loci are found by the
engine's canonical locus names (`TH01` and `th01` are one locus), and the whole file is parsed once more by the
engine when every row passed (conflicting role or sex of a profile).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass

from kinward.engines.kinship import Profile, ProfileError, canonical_locus, parse_profiles
from kinward.engines.kinship.errors import LocusNameError
from kinward.engines.kinship.profiles import REQUIRED_COLUMNS

_PREFIX = re.compile(r"^line \d+: ")


@dataclass(frozen=True)
class RowProblem:
    line: int
    profile: str
    locus: str
    problem: str

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"line {self.line}"
        if self.profile:
            where += f", profile {self.profile}"
        if self.locus:
            where += f", locus {self.locus}"
        return f"{where}: {self.problem}"


def _engine_message(exc: ProfileError) -> str:
    return _PREFIX.sub("", str(exc))


def check_genotype_csv(text: str) -> tuple[list[Profile], list[RowProblem]]:
    """Profiles of the CSV (`profile_id, role, locus, allele1, allele2`), or every row's problem."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            RowProblem(
                1, "", "", f"the header lacks {', '.join(missing)}; required: {', '.join(REQUIRED_COLUMNS)}"
            )
        ]
    problems: list[RowProblem] = []
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for line, raw in enumerate(reader, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        rows.append(row)
        profile, locus = row.get("profile_id", ""), row.get("locus", "")
        try:
            parse_profiles([row])
        except ProfileError as exc:
            problems.append(RowProblem(line, profile, locus, _engine_message(exc)))
            continue
        try:
            key = (profile, canonical_locus(locus))
        except LocusNameError as exc:  # pragma: no cover - parse_profiles refused it already
            problems.append(RowProblem(line, profile, locus, str(exc)))
            continue
        if key in seen:
            problems.append(
                RowProblem(
                    line, profile, locus, f"duplicate locus {key[1]} (first given on line {seen[key]})"
                )
            )
        else:
            seen[key] = line
    if not rows:
        return [], [RowProblem(1, "", "", "the file has no genotype rows")]
    if problems:
        return [], problems
    try:
        return parse_profiles(rows), []
    except ProfileError as exc:
        return [], [RowProblem(0, "", "", _engine_message(exc))]
