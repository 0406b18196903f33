"""Exceptions raised by the kinship engine. Each message names the record, the field and the problem."""

from __future__ import annotations


class KinshipError(ValueError):
    """Base class for every error the kinship engine raises on bad input."""


class LocusNameError(KinshipError):
    """A locus name is not in the canonical locus table (and no alias matches it)."""


class AlleleError(KinshipError):
    """An allele designation is malformed (not a repeat number with an optional .1-.9 microvariant)."""


class FrequencyTableError(KinshipError):
    """An allele-frequency table is malformed, or a locus does not sum to 1 within the tolerance."""


class ProfileError(KinshipError):
    """An STR profile row is malformed: unknown locus, malformed allele, duplicate locus, missing field.

    `problems` lists every refused row (`profiles.ProfileProblem`: line, profile, locus, problem) when the
    error comes from parsing a file.
    """

    def __init__(self, message: str, *, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class MutationModelError(KinshipError):
    """A mutation model cannot be built (unknown model, undefined parameters, non-numeric alleles)."""


class PedigreeError(KinshipError):
    """A pedigree is malformed (unknown parent, one parent only, cycle, wrong sex) or too large to compute."""


class CaseFileError(KinshipError):
    """A golden-case file does not follow the documented case format."""
