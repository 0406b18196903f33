"""Newborn identifiers: 10 random characters and 1 check character over a 29-character alphabet.

Alphabet (29 symbols, value = position): `0123456789ACDEFGHJKMNPRTUVWXY`. It keeps one symbol of each look-alike
group and drops the others: O and Q read as 0, I and L as 1, Z as 2, S as 5, B as 8. Those dropped letters
are mapped back on input, so a clerk who types "O" for "0" still gets the right ID.

Check character: the ISO/IEC 7064 pure-system construction with prime modulus M = 29 and radix r = 2
("MOD 29-2"). With the characters a_n ... a_1 read right to left (a_1 the check), an ID is valid when
sum(a_i * 2**(i-1)) = 1 (mod 29). Because 29 is prime and 2 has order 28 modulo 29, every weight 2**(i-1)
(i <= 11) is non-zero and distinct, so:
  * a single substitution a -> a' changes the sum by w*(a - a') with 0 < |a - a'| < 29: never 0 mod 29;
  * an adjacent transposition ab -> ba changes it by 2**(i-1) * (2 - 1) * (a - b): never 0 mod 29 for a != b.
Every single-character substitution and every adjacent transposition is therefore detected (also jump
transpositions and twin errors, whose factors 3 and 3 are units mod 29). The tests check this exhaustively.

Nothing personal is encoded: the data characters come from `secrets` (the OS CSPRNG), 29**10 = 4.2e14 values
(48.6 bits). The registry must still keep IDs unique (a UNIQUE constraint and a redraw on collision).
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

ALPHABET = "0123456789ACDEFGHJKMNPRTUVWXY"
MODULUS = 29
RADIX = 2
DATA_LENGTH = 10
ID_LENGTH = DATA_LENGTH + 1
GROUPS = (4, 4, 3)
SEPARATORS = frozenset(" -_.\t")
LOOK_ALIKES = {"O": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8"}
# Pairs that remain in the alphabet but are confused in handwriting; used only for suggestions.
CONFUSABLE_PAIRS = (("6", "G"), ("U", "V"), ("0", "D"), ("7", "1"), ("4", "A"), ("9", "G"), ("M", "N"))
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
assert len(ALPHABET) == MODULUS


class IdErrorKind(StrEnum):
    """Why an identifier is not valid."""

    EMPTY = "empty"
    WRONG_LENGTH = "wrong_length"
    BAD_CHARACTER = "bad_character"
    CHECK_MISMATCH = "check_mismatch"


@dataclass(frozen=True)
class Correction:
    """A look-alike replaced during normalisation: 1-based position among ID characters, typed and read."""

    position: int
    typed: str
    read_as: str


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of `validate`: the canonical ID when valid, otherwise the kind of error and where it is."""

    valid: bool
    id: str | None
    error: IdErrorKind | None = None
    message: str = ""
    position: int | None = None
    character: str | None = None
    corrections: tuple[Correction, ...] = ()
    suggestions: tuple[str, ...] = field(default=())

    @property
    def display(self) -> str | None:
        """The valid ID grouped for print (XXXX-XXXX-XXX), or None."""
        return format_id(self.id) if self.id else None


def check_character(data: str) -> str:
    """The ISO/IEC 7064 MOD 29-2 check character of data characters (already in the alphabet).

    P = 0; for each character a: P = (P + a) * 2 mod 29; check = (29 + 1 - P) mod 29.
    """
    p = 0
    for ch in data:
        p = (p + _VALUE[ch]) * RADIX % MODULUS
    return ALPHABET[(MODULUS + 1 - p) % MODULUS]


def _checksum_holds(canonical: str) -> bool:
    total = 0
    for ch in canonical:
        total = (total * RADIX + _VALUE[ch]) % MODULUS
    return total == 1


def new_id() -> str:
    """A fresh newborn ID (canonical, 11 characters): 10 CSPRNG characters and the MOD 29-2 check character."""
    number = secrets.randbelow(MODULUS**DATA_LENGTH)  # uniform over all 29**10 data strings
    digits = []
    for _ in range(DATA_LENGTH):
        number, digit = divmod(number, MODULUS)
        digits.append(ALPHABET[digit])
    data = "".join(digits)
    return data + check_character(data)


def new_ids(count: int, exclude: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """`count` distinct new IDs, none of them in `exclude` (IDs already issued)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    out: list[str] = []
    seen = set(exclude)
    while len(out) < count:
        candidate = new_id()
        if candidate not in seen:
            seen.add(candidate)
            out.append(candidate)
    return out


def format_id(canonical: str) -> str:
    """Group a canonical ID for print: `XXXX-XXXX-XXX`."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(canonical[start : start + size])
        start += size
    return "-".join(parts)


def _suggest_for_character(ch: str) -> str | None:
    base = unicodedata.normalize("NFKD", ch)[:1].upper()
    base = LOOK_ALIKES.get(base, base)
    return base if base in _VALUE else None


def _normalise(text: str) -> tuple[str, list[Correction], ValidationResult | None]:
    compact: list[str] = []
    corrections: list[Correction] = []
    for raw in unicodedata.normalize("NFKC", text).upper():
        if raw in SEPARATORS:
            continue
        position = len(compact) + 1
        if raw in LOOK_ALIKES:
            corrections.append(Correction(position, raw, LOOK_ALIKES[raw]))
            compact.append(LOOK_ALIKES[raw])
        elif raw in _VALUE:
            compact.append(raw)
        else:
            hint = _suggest_for_character(raw)
            tip = f"; did you mean {hint!r}?" if hint else ""
            message = f"character {raw!r} at position {position} is not in the ID alphabet {ALPHABET}{tip}"
            return (
                "",
                corrections,
                ValidationResult(
                    False,
                    None,
                    IdErrorKind.BAD_CHARACTER,
                    message,
                    position,
                    raw,
                    tuple(corrections),
                    (hint,) if hint else (),
                ),
            )
    return "".join(compact), corrections, None


def _repair_candidates(canonical: str) -> tuple[str, ...]:
    """IDs one adjacent transposition or one handwriting confusion away that pass the check."""
    found: list[str] = []
    chars = list(canonical)
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            swapped = chars[:i] + [chars[i + 1], chars[i]] + chars[i + 2 :]
            found.append("".join(swapped))
    for i, ch in enumerate(chars):
        for a, b in CONFUSABLE_PAIRS:
            other = b if ch == a else a if ch == b else None
            if other:
                found.append("".join(chars[:i] + [other] + chars[i + 1 :]))
    return tuple(dict.fromkeys(c for c in found if _checksum_holds(c)))


def validate(text: str) -> ValidationResult:
    """Normalise and check a typed or scanned newborn ID.

    Normalisation: Unicode NFKC, upper case, separators (space, hyphen, underscore, dot) removed, look-alikes
    read as their alphabet symbol (O/Q->0, I/L->1, Z->2, S->5, B->8; each recorded in `corrections`). Errors:
    EMPTY, BAD_CHARACTER (which character, 1-based position among ID characters, a suggested reading),
    WRONG_LENGTH, CHECK_MISMATCH (with `suggestions`: nearby IDs, one transposition or confusion away, that pass).
    """
    compact, corrections, failure = _normalise(text)
    if failure is not None:
        return failure
    fixes = tuple(corrections)
    if not compact:
        return ValidationResult(
            False, None, IdErrorKind.EMPTY, "no ID characters were given", corrections=fixes
        )
    if len(compact) != ID_LENGTH:
        message = f"an ID has {ID_LENGTH} characters, got {len(compact)} ({compact})"
        return ValidationResult(False, None, IdErrorKind.WRONG_LENGTH, message, corrections=fixes)
    if not _checksum_holds(compact):
        message = (
            f"check character of {format_id(compact)} does not match: a character was mistyped or misread"
        )
        return ValidationResult(
            False,
            None,
            IdErrorKind.CHECK_MISMATCH,
            message,
            None,
            None,
            fixes,
            _repair_candidates(compact),
        )
    return ValidationResult(True, compact, corrections=fixes, message="valid")


def is_valid(text: str) -> bool:
    """True when `validate(text)` accepts the ID."""
    return validate(text).valid
