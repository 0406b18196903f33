"""Simulated STR profiles for tests, benchmarks and the synthetic country (deterministic by seed).

Unrelated persons draw two alleles per locus independently from the frequencies (Hardy-Weinberg, linkage
equilibrium). A child receives one allele chosen at random from each parent, then mutated with the parent's
sex-specific mutation matrix (see `mutation`). Full siblings share both parents, half-siblings one.

Array form: allele indices of shape (L, n, 2) in the order of the given `LocusFrequencies` list; `encode`
turns them into triangular genotype indices (L, n) for `KinshipSearch.from_arrays`. Profile form:
`unrelated_profiles`, `child_profile`, ... return `Profile` objects with allele strings.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .frequencies import LocusFrequencies
from .mutation import MutationModel
from .profiles import Profile


def rng_for(seed: int | np.random.Generator) -> np.random.Generator:
    """A numpy Generator from a seed (PCG64), or the generator itself."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def unrelated_alleles(
    loci: Sequence[LocusFrequencies], n: int, seed: int | np.random.Generator
) -> np.ndarray:
    """Allele indices (L, n, 2) of n unrelated persons drawn from the locus frequencies."""
    rng = rng_for(seed)
    out = np.empty((len(loci), n, 2), dtype=np.int16)
    for li, lf in enumerate(loci):
        p = lf.freqs / lf.freqs.sum()
        out[li] = rng.choice(len(p), size=(n, 2), p=p)
    return out


def _mutate(alleles: np.ndarray, matrix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(matrix, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(alleles.shape[0])
    return np.minimum((u[:, None] > cum[alleles]).sum(axis=1), matrix.shape[0] - 1).astype(alleles.dtype)


def child_alleles(
    father: np.ndarray,
    mother: np.ndarray,
    loci: Sequence[LocusFrequencies],
    seed: int | np.random.Generator,
    mutation: MutationModel | None = None,
) -> np.ndarray:
    """Allele indices (L, n, 2) of children of father[:, i] and mother[:, i]: (paternal, maternal) allele."""
    rng = rng_for(seed)
    n = father.shape[1]
    out = np.empty_like(father)
    for li, lf in enumerate(loci):
        pat = father[li, np.arange(n), rng.integers(0, 2, n)]
        mat = mother[li, np.arange(n), rng.integers(0, 2, n)]
        if mutation is not None:
            m_male, m_female = mutation.matrices(lf.alleles, lf.freqs)
            pat, mat = _mutate(pat, m_male, rng), _mutate(mat, m_female, rng)
        out[li, :, 0], out[li, :, 1] = pat, mat
    return out


def encode(alleles: np.ndarray) -> np.ndarray:
    """Triangular genotype indices (L, n) from allele indices (L, n, 2): max(max+1)/2 + min."""
    lo = np.minimum(alleles[..., 0], alleles[..., 1]).astype(np.int32)
    hi = np.maximum(alleles[..., 0], alleles[..., 1]).astype(np.int32)
    return hi * (hi + 1) // 2 + lo


def to_profiles(
    alleles: np.ndarray, loci: Sequence[LocusFrequencies], ids: Sequence[str], role: str, **attrs: str
) -> list[Profile]:
    """Profiles with allele strings from allele indices (L, n, 2); `attrs` sets family_id/relation/sex."""
    out = []
    for i, pid in enumerate(ids):
        g = {}
        for li, lf in enumerate(loci):
            i0, i1 = sorted((int(alleles[li, i, 0]), int(alleles[li, i, 1])))
            g[lf.locus] = (lf.alleles[i0], lf.alleles[i1])
        out.append(Profile(pid, role, g, **attrs))
    return out


def unrelated_profiles(
    loci: Sequence[LocusFrequencies],
    n: int,
    seed: int | np.random.Generator,
    *,
    prefix: str = "P",
    role: str = "reference",
) -> list[Profile]:
    """n unrelated profiles named `<prefix>000001`, ... (deterministic for a seed)."""
    al = unrelated_alleles(loci, n, seed)
    return to_profiles(al, loci, [f"{prefix}{i + 1:06d}" for i in range(n)], role)


def family_alleles(
    loci: Sequence[LocusFrequencies],
    n_families: int,
    seed: int | np.random.Generator,
    *,
    mutation: MutationModel | None = None,
) -> dict[str, np.ndarray]:
    """Simulate n families: father, mother, two full siblings, a half-sibling (father x other mother),
    and a grandparent pair of the father. Returns allele arrays (L, n, 2) keyed by role."""
    rng = rng_for(seed)
    gf, gm = unrelated_alleles(loci, n_families, rng), unrelated_alleles(loci, n_families, rng)
    father = child_alleles(gf, gm, loci, rng, mutation)
    mother = unrelated_alleles(loci, n_families, rng)
    other_mother = unrelated_alleles(loci, n_families, rng)
    return {
        "grandfather": gf,
        "grandmother": gm,
        "father": father,
        "mother": mother,
        "child": child_alleles(father, mother, loci, rng, mutation),
        "full_sibling": child_alleles(father, mother, loci, rng, mutation),
        "half_sibling": child_alleles(father, other_mother, loci, rng, mutation),
    }


def searching_family_profiles(
    loci: Sequence[LocusFrequencies],
    n_families: int,
    seed: int | np.random.Generator,
    *,
    mutation: MutationModel | None = None,
    relatives: Sequence[str] = ("father", "mother"),
    n_unrelated: int = 0,
) -> list[Profile]:
    """Profiles for a reunification search: per family a rescued child (`role=child`, id `CH0001`, ...) and the
    searching relatives named in `relatives` (any of father, mother, full_sibling; `role=reference`,
    `family_id=FAM0001`, id `FAM0001-father`, ...), then `n_unrelated` unrelated references `U000001`, ...
    Deterministic for a seed. The true relations are in the ids, so a search can be scored against them."""
    rng = rng_for(seed)
    fam = family_alleles(loci, n_families, rng, mutation=mutation)
    sex = {"father": "M", "mother": "F", "full_sibling": ""}
    out: list[Profile] = []
    for i in range(n_families):
        fid = f"FAM{i + 1:04d}"
        out += to_profiles(fam["child"][:, i : i + 1], loci, [f"CH{i + 1:04d}"], "child")
        for rel in relatives:
            one = fam[rel][:, i : i + 1]
            out += to_profiles(
                one, loci, [f"{fid}-{rel}"], "reference", family_id=fid, relation=rel, sex=sex[rel]
            )
    if n_unrelated:
        ids = [f"U{i + 1:06d}" for i in range(n_unrelated)]
        out += to_profiles(unrelated_alleles(loci, n_unrelated, rng), loci, ids, "reference")
    return out
