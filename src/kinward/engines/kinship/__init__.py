"""Forensic DNA kinship engine: STR allele frequencies, pedigree likelihoods and LRs, mutation models,
theta correction, golden-case validation, vectorised database search and simulation (numpy, no Django).

Semantics follow Familias and the R pedsuite (forrel, pedprobr, pedmut), re-implemented from their published
definitions; see docs/engines/kinship.md for formulas, formats and references. Public names are imported lazily
(PEP 562) so that `kinward --help` does not load numpy and scipy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["AlleleError", "CaseFileError", "FrequencyTableError", "KinshipError", "LocusNameError",
         "MutationModelError", "PedigreeError", "ProfileError"], "errors"),
    **dict.fromkeys(
        ["FrequencyTable", "LocusFrequencies", "apply_minimum_frequency", "estimate_from_genotypes",
         "load_frequencies", "parse_frequency_csv", "parse_norstr", "with_unseen_alleles"], "frequencies"),
    **dict.fromkeys(["canonical_locus", "normalise_allele"], "loci"),
    **dict.fromkeys(["MutationModel", "MutationParameters", "mutation_matrix"], "mutation"),
    **dict.fromkeys(["kinship_lr", "paternity_index", "trio_paternity_index"], "pairwise"),
    **dict.fromkeys(["Pedigree", "Person", "joint_with_target", "locus_likelihood"], "pedigree"),
    **dict.fromkeys(["Profile", "ProfileProblem", "check_profile_rows", "parse_profiles", "read_profiles"],
                    "profiles"),
    **dict.fromkeys(["PairResult", "pair_lr", "pair_lrs_all_classes", "relationship_class"], "pair"),
    **dict.fromkeys(["KinshipSearch", "QueryResult", "SearchSettings"], "search"),
}  # fmt: skip

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
