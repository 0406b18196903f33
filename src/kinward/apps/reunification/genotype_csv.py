"""Checking a laboratory's genotype CSV with the kinship engine, so that every problem is reported.

The engine's `check_profile_rows` checks every row (unknown locus, malformed allele, one allele only, duplicate
locus also through an alias such as `TH01`/`th01`, conflicting role or sex of a profile) and returns every
problem; a file with any problem is refused whole. The locus is reported as the laboratory wrote it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass

from kinward.engines.kinship import Profile, check_profile_rows
from kinward.engines.kinship.profiles import REQUIRED_COLUMNS


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
    rows = [{str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None} for raw in reader]
    if not rows:
        return [], [RowProblem(1, "", "", "the file has no genotype rows")]
    profiles, problems = check_profile_rows(rows)
    if problems:
        return [], [
            RowProblem(p.line, p.profile, rows[p.line - 2].get("locus", ""), p.problem) for p in problems
        ]
    return profiles, []
