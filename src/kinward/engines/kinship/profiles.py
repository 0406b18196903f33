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


def _attr(profile: Profile, name: str, value: str, where: str) -> None:
    current = getattr(profile, name)
    if value and current and value != current:
        raise ProfileError(
            f"{where}profile {profile.profile_id}: {name} {value!r} conflicts with {current!r}"
        )
    if value:
        setattr(profile, name, value)


def _parse_row(row: Mapping[str, str], where: str, profiles: dict[str, Profile]) -> None:
    pid = row["profile_id"]
    if not pid:
        raise ProfileError(f"{where}empty profile_id")
    raw_locus = row["locus"]
    try:
        locus = canonical_locus(raw_locus)
    except LocusNameError as exc:
        raise ProfileError(f"{where}profile {pid}: {exc}") from None
    profile = profiles.setdefault(pid, Profile(pid, row["role"]))
    _attr(profile, "role", row["role"], where)
    _attr(profile, "family_id", row.get("family_id", ""), where)
    relation = row.get("relation", "").lower()
    if relation and relation not in RELATIONS:
        raise ProfileError(f"{where}profile {pid}: relation {relation!r} is not one of {RELATIONS}")
    _attr(profile, "relation", relation, where)
    sex = row.get("sex", "").upper()[:1]
    if sex and sex not in "MF":
        raise ProfileError(f"{where}profile {pid}: sex {row.get('sex')!r} must be M or F")
    _attr(profile, "sex", sex, where)
    if locus in profile.genotypes:
        raise ProfileError(f"{where}profile {pid}: duplicate locus {raw_locus!r} ({locus})")
    a1, a2 = row["allele1"], row["allele2"]
    if not a1 and not a2:
        return
    if not a1 or not a2:
        raise ProfileError(
            f"{where}profile {pid} locus {locus}: only one allele given (write it twice for a homozygote)"
        )
    try:
        pair = sorted((normalise_allele(a1), normalise_allele(a2)), key=allele_sort_key)
    except AlleleError as exc:
        raise ProfileError(f"{where}profile {pid} locus {locus}: {exc}") from None
    profile.genotypes[locus] = (pair[0], pair[1])


def parse_profiles(rows: Iterable[Mapping[str, str | None]], *, source: str = "") -> list[Profile]:
    """Parse long-format profile rows (dicts with the CSV columns) into profiles, in first-seen order."""
    profiles: dict[str, Profile] = {}
    for lineno, raw in enumerate(rows, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        where = f"{source}:{lineno}: " if source else f"line {lineno}: "
        missing = [c for c in REQUIRED_COLUMNS if c not in row]
        if missing:
            raise ProfileError(f"{where}missing column(s) {missing}; required {list(REQUIRED_COLUMNS)}")
        _parse_row(row, where, profiles)
    return list(profiles.values())


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
