"""Canonical STR locus names and allele designations.

Locus names arrive spelt in many ways (`Penta_D`, `Penta D`, `PENTA D`, `VWA`, `vWA`, `D21S11`). Every name is
reduced to a key (upper case, spaces, underscores, hyphens and dots removed) and looked up in the table of
canonical names below, which follows the spelling of the norSTR databases (Vigeland, norSTR) and of the NIST
1036 data set (Hill et al. 2013; Steffen et al. 2017).

Alleles are strings, never floats: a designation is a repeat number with an optional one-digit microvariant
suffix (`9.3`, `15.4`, `2.2`), compared as normalised strings and ordered numerically with `Decimal`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import AlleleError, LocusNameError

# Canonical autosomal STR names (norSTR v2023 spelling, plus NIST 1036 loci and common kit loci).
CANONICAL_LOCI: tuple[str, ...] = (
    "APOAI1", "CSF1PO", "D10S1248", "D10S1435", "D10S2325", "D11S2368", "D11S554", "D12S391", "D12ATA63",
    "D13S317", "D13S325", "D14S1434", "D15S659", "D16S539", "D17S1301", "D17S906", "D18S1364", "D18S51",
    "D19S253", "D19S433", "D1S1627", "D1S1656", "D1GATA113", "D20S482", "D21S11", "D21S2055",
    "D22GATA198B05", "D22S1045", "D2S1338", "D2S1360", "D2S441", "D3S1358", "D3S1744", "D3S3045", "D3S4529",
    "D4S2366", "D4S2408", "D5S2500", "D5S2800", "D5S818", "D6S1043", "D6S474", "D6S477", "D7S1517",
    "D7S3048", "D7S820", "D8S1132", "D8S1179", "D9S1122", "D9S2157", "F13A01", "F13B", "FESFPS", "FGA", "LPL",
    "Penta B", "Penta C", "Penta D", "Penta E", "SE33", "TH01", "TPOX", "vWA",
)  # fmt: skip

# Spellings that do not reduce to the canonical key on their own.
_EXTRA_ALIASES: dict[str, str] = {
    "THO1": "TH01",
    "HUMTH01": "TH01",
    "HUMVWA": "vWA",
    "VWA31": "vWA",
    "HUMFIBRA": "FGA",
    "FIBRA": "FGA",
    "HUMCSF1PO": "CSF1PO",
    "HUMTPOX": "TPOX",
    "ACTBP2": "SE33",
    "F13A1": "F13A01",
    "PENTAB": "Penta B",
    "PENTAC": "Penta C",
    "PENTAD": "Penta D",
    "PENTAE": "Penta E",
}

_KEY_STRIP = re.compile(r"[\s_\-.]+")


def locus_key(name: str) -> str:
    """Reduce a locus spelling to its lookup key: upper case with spaces, `_`, `-` and `.` removed."""
    return _KEY_STRIP.sub("", name).upper()


_CANONICAL_BY_KEY: dict[str, str] = {locus_key(n): n for n in CANONICAL_LOCI}
_CANONICAL_BY_KEY.update(_EXTRA_ALIASES)


def canonical_locus(name: str, *, strict: bool = True) -> str:
    """Return the canonical spelling of an STR locus name (`PENTA_D` -> `Penta D`, `VWA` -> `vWA`).

    With `strict=False` an unknown name is returned stripped but unchanged (used for golden cases whose
    markers are synthetic, such as `M1` or `L1`); with `strict=True` it raises `LocusNameError`.
    """
    key = locus_key(name)
    found = _CANONICAL_BY_KEY.get(key)
    if found is not None:
        return found
    if strict:
        raise LocusNameError(f"unknown locus name {name!r}: not in the canonical locus table (see loci.py)")
    return name.strip()


_ALLELE_RE = re.compile(r"^(\d{1,3})(?:\.(\d))?$")


def normalise_allele(text: str, *, where: str = "") -> str:
    """Return the canonical string of an STR allele designation (`'09'` -> `'9'`, `'9.30'` is malformed).

    An allele is a repeat count of one to three digits with an optional single-digit microvariant suffix
    (`.1`-`.9`); `9.0` is written `9`. Anything else raises `AlleleError` naming `where` and the value.
    """
    s = str(text).strip()
    m = _ALLELE_RE.match(s)
    if m is None:
        raise AlleleError(f"{where}malformed allele {text!r}: expected a repeat number such as 11 or 9.3")
    whole = str(int(m.group(1)))
    frac = m.group(2)
    if frac is None or frac == "0":
        return whole
    return f"{whole}.{frac}"


def allele_value(allele: str) -> Decimal:
    """The repeat number of an allele as an exact `Decimal` (`'9.3'` -> Decimal('9.3')).

    Raises `AlleleError` for designations that are not numeric (such as `'A'`).
    """
    try:
        return Decimal(allele)
    except ArithmeticError:
        raise AlleleError(f"allele {allele!r} is not a repeat number") from None


def allele_sort_key(allele: str) -> tuple[int, Decimal | str]:
    """Sort key that orders numeric alleles by repeat number and puts non-numeric labels after them."""
    try:
        return (0, Decimal(allele))
    except ArithmeticError:
        return (1, allele)
