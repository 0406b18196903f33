"""STR profiles in the long CSV format: `profile_id, role, locus, allele1, allele2` (one row per locus).

Optional columns: `family_id` (groups typed relatives of one searching family), `relation` (that person's
relation to the missing child: `father`, `mother`, `parent`, `full_sibling`), `sex` (`M`/`F`; used to pick
the male or female mutation rates). In a search file `role` is `child` for the profiles to search for and
`reference` for the database. Missing loci are allowed (a row may be absent, or have both alleles empty).

Every problem raises `ProfileError` naming the profile, the locus and the problem: unknown locus, malformed
allele, duplicate locus, half-missing genotype, conflicting profile attributes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AlleleError, LocusNameError, ProfileError
from .loci import allele_sort_key, canonical_locus, normalise_allele

REQUIRED_COLUMNS = ("profile_id", "role", "locus", "allele1", "allele2")
RELATIONS = ("father", "mother", "parent", "full_sibling")


@dataclass
class Profile:
    """One person's STR profile: `genotypes` maps canonical locus to an ordered (smaller, larger) allele pair."""

    profile_id: str
    role: str
    genotypes: dict[str, tuple[str, str]] = field(default_factory=dict)
    family_id: str = ""
    relation: str = ""
    sex: str = ""

    @property
    def loci(self) -> list[str]:
        return list(self.genotypes)


@dataclass(frozen=True)
class ProfileProblem:
    """One refused row: its line in the file (header = line 1), the profile, the locus and the problem."""

    line: int
    profile: str
    locus: str
    problem: str

    def describe(self, source: str = "") -> str:
        """`source:line: profile P locus L: problem` (or `line N: ...` without a source)."""
        where = f"{source}:{self.line}" if source else f"line {self.line}"
        if self.profile:
            where += f": profile {self.profile}"
        if self.locus:
            where += f" locus {self.locus}"
        return f"{where}: {self.problem}"

    def __str__(self) -> str:
        return self.describe()


class _RowProblem(Exception):
    def __init__(self, locus: str, problem: str) -> None:
        super().__init__(problem)
        self.locus, self.problem = locus, problem


def _attr(profile: Profile, name: str, value: str) -> None:
    current = getattr(profile, name)
    if value and current and value != current:
        raise _RowProblem("", f"{name} {value!r} conflicts with {current!r} given on an earlier row")
    if value:
        setattr(profile, name, value)


def _row_attributes(row: Mapping[str, str], profile: Profile) -> None:
    relation = row.get("relation", "").lower()
    if relation and relation not in RELATIONS:
        raise _RowProblem("", f"relation {relation!r} is not one of {RELATIONS}")
    sex = row.get("sex", "").upper()[:1]
    if sex and sex not in "MF":
        raise _RowProblem("", f"sex {row.get('sex')!r} must be M or F")
    _attr(profile, "role", row["role"])
    _attr(profile, "family_id", row.get("family_id", ""))
    _attr(profile, "relation", relation)
    _attr(profile, "sex", sex)


def _parse_row(
    row: Mapping[str, str], profiles: dict[str, Profile], seen: dict[tuple[str, str], int]
) -> None:
    """Add one row to `profiles`, or raise `_RowProblem`; a refused row changes nothing."""
    pid, raw_locus = row["profile_id"], row["locus"]
    try:
        locus = canonical_locus(raw_locus)
    except LocusNameError as exc:
        raise _RowProblem(raw_locus, str(exc)) from None
    if (pid, locus) in seen:
        raise _RowProblem(
            locus, f"duplicate locus {raw_locus!r} ({locus}; first given on line {seen[pid, locus]})"
        )
    a1, a2 = row["allele1"], row["allele2"]
    pair: tuple[str, str] | None = None
    if a1 or a2:
        if not a1 or not a2:
            raise _RowProblem(locus, "only one allele given (write it twice for a homozygote)")
        try:
            lo, hi = sorted((normalise_allele(a1), normalise_allele(a2)), key=allele_sort_key)
        except AlleleError as exc:
            raise _RowProblem(locus, str(exc)) from None
        pair = (lo, hi)
    profile = profiles.get(pid) or Profile(pid, row["role"])
    _row_attributes(row, profile)
    profiles.setdefault(pid, profile)
    if pair is not None:
        profile.genotypes[locus] = pair


def check_profile_rows(
    rows: Iterable[Mapping[str, str | None]], *, first_line: int = 2
) -> tuple[list[Profile], list[ProfileProblem]]:
    """Parse every long-format row, collecting every refused row instead of stopping at the first.

    Returns the profiles built from the accepted rows and the list of problems (line, profile, locus,
    problem): unknown locus, malformed allele, duplicate locus (also through an alias), one allele only,
    conflicting role/family/relation/sex, missing columns. Callers that must not use a partly refused file
    (a search) should use `parse_profiles`, which refuses the whole file when any row is refused.
    """
    profiles: dict[str, Profile] = {}
    problems: list[ProfileProblem] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, raw in enumerate(rows, start=first_line):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        missing = [c for c in REQUIRED_COLUMNS if c not in row]
        pid = row.get("profile_id", "")
        if missing:
            problems.append(ProfileProblem(lineno, pid, "", f"missing column(s) {missing}"))
            continue
        if not pid:
            problems.append(ProfileProblem(lineno, "", row.get("locus", ""), "empty profile_id"))
            continue
        try:
            _parse_row(row, profiles, seen)
        except _RowProblem as exc:
            problems.append(ProfileProblem(lineno, pid, exc.locus, exc.problem))
            continue
        seen[pid, canonical_locus(row["locus"])] = lineno
    return list(profiles.values()), problems


def parse_profiles(rows: Iterable[Mapping[str, str | None]], *, source: str = "") -> list[Profile]:
    """Parse long-format profile rows (dicts with the CSV columns) into profiles, in first-seen order.

    Every row is checked; if any is refused, `ProfileError` is raised listing **every** refused row (profile,
    locus, problem) in its message and in its `problems` attribute, and no profile is returned: a search must
    never run on a file with silently dropped loci.
    """
    profiles, problems = check_profile_rows(rows)
    if problems:
        if len(problems) == 1:
            raise ProfileError(problems[0].describe(source), problems=problems)
        listing = "\n".join(f"  {pr.describe(source)}" for pr in problems)
        name = f"{source}: " if source else ""
        raise ProfileError(f"{name}{len(problems)} rows refused, nothing used:\n{listing}", problems=problems)
    return profiles


def read_profiles(path: str | Path) -> list[Profile]:
    """Read a long-format profile CSV file (see the module docstring); errors name file and line."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ProfileError(f"{p.name}: header lacks column(s) {missing}; required {list(REQUIRED_COLUMNS)}")
    return parse_profiles(reader, source=p.name)


def write_profiles(profiles: Iterable[Profile], path: str | Path) -> None:
    """Write profiles in the long CSV format (with `family_id`, `relation`, `sex` columns)."""
    cols = [*REQUIRED_COLUMNS, "family_id", "relation", "sex"]
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for pr in profiles:
            for locus, (a1, a2) in pr.genotypes.items():
                w.writerow([pr.profile_id, pr.role, locus, a1, a2, pr.family_id, pr.relation, pr.sex])
