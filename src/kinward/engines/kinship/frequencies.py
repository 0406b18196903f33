"""Allele-frequency tables: parsing (norSTR list format, long CSV), estimation from genotypes, minimum
allele frequency, renormalisation and unseen alleles.

Conventions (documented in docs/engines/kinship.md):

* A table maps a canonical locus name to a `LocusFrequencies`: allele strings in numeric order, their
  frequencies as a float64 array, and the database size N (number of persons, so 2N alleles) when known.
* A locus whose frequencies do not sum to 1 within `tolerance` is refused with `FrequencyTableError` naming the
  locus, unless `renormalise=True` is asked for explicitly.
* Minimum allele frequency (NRC II 1996, the 5/2N rule for rare alleles): each frequency is raised to at least
  5/(2N) when N is known, or to an explicit floor; the locus is then renormalised to sum to 1.
* An allele never seen in the database (for example in a child's profile) is added with the locus's minimum
  frequency (5/(2N), or the floor, or 1/(2N+2) when nothing else is known) and the locus is renormalised.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import FrequencyTableError
from .loci import allele_sort_key, canonical_locus, normalise_allele

DEFAULT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LocusFrequencies:
    """Allele frequencies at one locus: `alleles[i]` has frequency `freqs[i]`; `db_size` is N persons."""

    locus: str
    alleles: tuple[str, ...]
    freqs: np.ndarray
    db_size: int | None = None

    def __post_init__(self) -> None:
        if len(self.alleles) != len(self.freqs):
            raise FrequencyTableError(
                f"locus {self.locus}: {len(self.alleles)} alleles, {len(self.freqs)} freqs"
            )
        if len(set(self.alleles)) != len(self.alleles):
            raise FrequencyTableError(f"locus {self.locus}: an allele is listed twice")
        if np.any(~np.isfinite(self.freqs)) or np.any(self.freqs < 0):
            raise FrequencyTableError(f"locus {self.locus}: frequencies must be finite and non-negative")

    @property
    def index(self) -> dict[str, int]:
        """Map from allele string to its position in `alleles`."""
        return {a: i for i, a in enumerate(self.alleles)}

    def frequency(self, allele: str) -> float:
        """The frequency of `allele`, or raise `FrequencyTableError` naming the locus and the allele."""
        idx = self.index.get(allele)
        if idx is None:
            raise FrequencyTableError(f"locus {self.locus}: allele {allele!r} is not in the frequency table")
        return float(self.freqs[idx])

    def minimum_frequency(self, floor: float | None = None) -> float:
        """The minimum allele frequency: `floor` if given, else 5/(2N) (NRC II), else 1/(2N+2) unknown N."""
        if floor is not None:
            return float(floor)
        if self.db_size:
            return 5.0 / (2 * self.db_size)
        return float(min(self.freqs.min(), 1.0 / (2 * 1000 + 2)))


@dataclass
class FrequencyTable:
    """Allele frequencies for several loci, keyed by canonical locus name."""

    loci: dict[str, LocusFrequencies] = field(default_factory=dict)
    source: str = ""

    def __getitem__(self, locus: str) -> LocusFrequencies:
        try:
            return self.loci[locus]
        except KeyError:
            raise FrequencyTableError(
                f"locus {locus!r} is not in the frequency table {self.source}"
            ) from None

    def __contains__(self, locus: object) -> bool:
        return locus in self.loci

    def names(self) -> list[str]:
        """Canonical locus names in table order."""
        return list(self.loci)


def make_locus(
    locus: str,
    pairs: Iterable[tuple[str, float]],
    *,
    db_size: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    renormalise: bool = False,
) -> LocusFrequencies:
    """Build one locus from (allele, frequency) pairs, sorted numerically; check the sum is 1 within tolerance.

    A sum outside `1 ± tolerance` raises `FrequencyTableError` naming the locus, unless `renormalise=True`.
    """
    items = sorted(pairs, key=lambda af: allele_sort_key(af[0]))
    alleles = tuple(a for a, _ in items)
    freqs = np.array([f for _, f in items], dtype=np.float64)
    if not alleles:
        raise FrequencyTableError(f"locus {locus}: no alleles")
    total = float(freqs.sum())
    if abs(total - 1.0) > tolerance:
        if not renormalise:
            raise FrequencyTableError(
                f"locus {locus}: frequencies sum to {total:.10g}, not 1 (tolerance {tolerance:g}); "
                "fix the table or ask for renormalisation explicitly"
            )
    if renormalise and total > 0:
        freqs = freqs / total
    return LocusFrequencies(locus=locus, alleles=alleles, freqs=freqs, db_size=db_size)


def apply_minimum_frequency(
    table: FrequencyTable, *, floor: float | None = None, loci: Iterable[str] | None = None
) -> FrequencyTable:
    """Raise every frequency to the locus minimum (5/2N, or `floor`) and renormalise each locus to sum 1.

    This is the 5/2N minimum allele frequency of NRC II (1996, ch. 5, "rare alleles"): it keeps
    rare alleles from inflating likelihood ratios. Returns a new table.
    """
    out: dict[str, LocusFrequencies] = {}
    for name, lf in table.loci.items():
        if loci is not None and name not in set(loci):
            out[name] = lf
            continue
        m = lf.minimum_frequency(floor)
        raised = np.maximum(lf.freqs, m)
        out[name] = LocusFrequencies(name, lf.alleles, raised / raised.sum(), lf.db_size)
    return FrequencyTable(out, source=table.source)


def with_unseen_alleles(
    lf: LocusFrequencies, alleles: Iterable[str], *, floor: float | None = None
) -> LocusFrequencies:
    """Add alleles never seen in the database at the locus minimum frequency, then renormalise the locus.

    The minimum is `floor` if given, else 5/(2N), else 1/(2N+2) with N = 1000 when N is unknown.
    Alleles already present are left alone; when none is new the locus is returned unchanged.
    """
    new = [a for a in dict.fromkeys(alleles) if a not in lf.index]
    if not new:
        return lf
    m = lf.minimum_frequency(floor)
    pairs = list(zip(lf.alleles, lf.freqs.tolist(), strict=True)) + [(a, m) for a in new]
    return make_locus(lf.locus, pairs, db_size=lf.db_size, renormalise=True, tolerance=math.inf)


def _add_locus(
    loci: dict[str, LocusFrequencies], raw_name: str, pairs: list[tuple[str, float]], where: str, **kw
) -> None:
    name = canonical_locus(raw_name)
    if name in loci:
        raise FrequencyTableError(f"{where}locus {raw_name!r} ({name}) appears twice")
    seen = Counter(a for a, _ in pairs)
    dup = [a for a, c in seen.items() if c > 1]
    if dup:
        raise FrequencyTableError(f"{where}locus {name}: allele {dup[0]!r} listed twice")
    loci[name] = make_locus(name, pairs, **kw)


def parse_norstr(
    text: str,
    *,
    source: str = "",
    db_size: int | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    renormalise: bool = False,
) -> FrequencyTable:
    """Parse the norSTR / pedtools "list" format: a locus name line, `allele<TAB>frequency` lines, a blank line.

    Lines are split on the TAB only (locus names such as `Penta E` contain a space). Errors name the line.
    """
    loci: dict[str, LocusFrequencies] = {}
    current: str | None = None
    pairs: list[tuple[str, float]] = []
    kw = {"db_size": db_size, "tolerance": tolerance, "renormalise": renormalise}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        where = f"{source}:{lineno}: " if source else f"line {lineno}: "
        if not line.strip():
            if current is not None:
                _add_locus(loci, current, pairs, where, **kw)
            current, pairs = None, []
            continue
        if "\t" not in line:
            if current is not None:
                _add_locus(loci, current, pairs, where, **kw)
            current, pairs = line.strip(), []
            continue
        if current is None:
            raise FrequencyTableError(f"{where}allele line {line!r} before any locus name")
        allele_text, _, freq_text = line.partition("\t")
        allele = normalise_allele(allele_text, where=f"{where}locus {current}: ")
        try:
            freq = float(freq_text.strip())
        except ValueError:
            raise FrequencyTableError(f"{where}locus {current}: frequency {freq_text!r} is not a number")
        pairs.append((allele, freq))
    if current is not None:
        _add_locus(loci, current, pairs, f"{source}: " if source else "", **kw)
    if not loci:
        raise FrequencyTableError(f"{source or 'frequency text'}: no locus found")
    return FrequencyTable(loci, source=source)


def parse_frequency_csv(
    text: str, *, source: str = "", tolerance: float = DEFAULT_TOLERANCE, renormalise: bool = False
) -> FrequencyTable:
    """Parse a CSV with header `locus,allele,frequency` (optional column `n` = database size N per locus)."""
    reader = csv.DictReader(io.StringIO(text))
    need = {"locus", "allele", "frequency"}
    header = {h.strip() for h in (reader.fieldnames or [])}
    if not need <= header:
        raise FrequencyTableError(f"{source}: CSV header must contain {sorted(need)}, got {sorted(header)}")
    by_locus: dict[str, list[tuple[str, float]]] = {}
    sizes: dict[str, int] = {}
    raw_names: dict[str, str] = {}
    for lineno, row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        where = f"{source}:{lineno}: "
        name = canonical_locus(row["locus"])
        raw_names.setdefault(name, row["locus"])
        allele = normalise_allele(row["allele"], where=f"{where}locus {name}: ")
        try:
            freq = float(row["frequency"])
        except ValueError:
            raise FrequencyTableError(f"{where}locus {name}: frequency {row['frequency']!r} is not a number")
        by_locus.setdefault(name, []).append((allele, freq))
        if row.get("n"):
            sizes[name] = int(row["n"])
    loci: dict[str, LocusFrequencies] = {}
    for name, pairs in by_locus.items():
        kw = {"db_size": sizes.get(name), "tolerance": tolerance, "renormalise": renormalise}
        _add_locus(loci, raw_names[name], pairs, f"{source}: ", **kw)
    return FrequencyTable(loci, source=source)


def estimate_from_genotypes(
    rows: Iterable[Mapping[str, str]], *, source: str = "", population: str | None = None
) -> FrequencyTable:
    """Estimate allele frequencies by counting alleles in a genotype CSV (`locus, allele1, allele2`, ...).

    Each locus's database size N is the number of persons with a genotype there (missing genotypes, written
    as two empty alleles, are skipped); the frequency of allele a is count(a)/(2N). `population` keeps only
    rows whose `population` column equals it. No minimum frequency is applied here.
    """
    counts: dict[str, Counter[str]] = {}
    persons: Counter[str] = Counter()
    for lineno, row in enumerate(rows, start=2):
        if population is not None and row.get("population") != population:
            continue
        a1, a2 = (row.get("allele1") or "").strip(), (row.get("allele2") or "").strip()
        if not a1 and not a2:
            continue
        where = f"{source}:{lineno}: "
        if not a1 or not a2:
            raise FrequencyTableError(f"{where}half-missing genotype at locus {row.get('locus')!r}")
        name = canonical_locus(row["locus"])
        c = counts.setdefault(name, Counter())
        for a in (a1, a2):
            c[normalise_allele(a, where=f"{where}locus {name}: ")] += 1
        persons[name] += 1
    loci = {}
    for name, c in counts.items():
        total = 2 * persons[name]
        loci[name] = make_locus(name, [(a, k / total) for a, k in c.items()], db_size=persons[name])
    if not loci:
        raise FrequencyTableError(f"{source}: no genotype rows (population filter {population!r})")
    return FrequencyTable(loci, source=source)


def load_frequencies(
    path: str | Path,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    renormalise: bool = False,
    population: str | None = None,
) -> FrequencyTable:
    """Load a frequency table from a file, choosing the format by its content.

    A CSV whose header has `locus,allele,frequency` is a frequency CSV; one with `allele1,allele2` is a
    genotype CSV to estimate from (optionally one `population`); anything else is the norSTR list format.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0].lower()
    cols = {c.strip() for c in first.split(",")}
    if {"allele1", "allele2", "locus"} <= cols:
        return estimate_from_genotypes(
            csv.DictReader(io.StringIO(text)), source=p.name, population=population
        )
    if {"locus", "allele", "frequency"} <= cols:
        return parse_frequency_csv(text, source=p.name, tolerance=tolerance, renormalise=renormalise)
    return parse_norstr(text, source=p.name, tolerance=tolerance, renormalise=renormalise)
