"""Synthetic DNA for family reunification: STR profiles of rescued children and of searching families, with
ground truth (which family is whose, who is missing, who sold the child). Deterministic by seed; numpy only.

Genetics come from the kinship engine's simulator (`kinward.engines.kinship.simulate`): founders draw alleles
from the allele frequencies under Hardy-Weinberg and linkage equilibrium, children inherit one allele from each
parent with the stepwise mutation model of the search (Familias "extended stepwise", male rate 0.002, female
0.001). Frequencies default to the NIST U.S. Population Dataset 1036 (pooled, N = 1036), shipped as
`data/nist1036_frequencies.csv` (public domain; see `data/README.md`).

What is planted (all counts are options):

* rescued children (`CH0001`, ...), each the child of one simulated family (`FAM0001`, ...);
* **absent families**: the family of some children never searched, so nothing should match them;
* **missing relatives**: each searching family gives a random non-empty subset of father, mother and one full
  sibling; the others never come forward;
* **decoy families**: searching families whose child is not among the rescued children;
* **planted mutations**: in a few children one paternal allele is moved one repeat step away from both of the
  father's alleles, so a true father shows one inconsistent locus (on top of the model's random mutations);
* **sellers**: some searching families are the ones who sold their child (ground truth for safeguarding: the DNA
  matches, and going home would not be safe).

`generate_dna(...)` returns a `DnaScenario` (engine `Profile`s and a truth dict); `write_dna` writes the long
profile CSV of the kinship engine and `truth.json`; `panel_profiles` cuts profiles down to a typing panel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np

from kinward.engines.kinship import FrequencyTable, Profile, load_frequencies
from kinward.engines.kinship.frequencies import LocusFrequencies
from kinward.engines.kinship.loci import allele_value
from kinward.engines.kinship.profiles import write_profiles
from kinward.engines.kinship.search import DEFAULT_MUTATION
from kinward.engines.kinship.simulate import family_alleles, rng_for, to_profiles

FREQUENCIES_FILE = Path(__file__).with_name("data") / "nist1036_frequencies.csv"

# The 20 CODIS core loci (FBI, 2017): a routine first typing panel.
CORE_PANEL = (
    "CSF1PO", "D10S1248", "D12S391", "D13S317", "D16S539", "D18S51", "D19S433", "D1S1656", "D21S11", "D22S1045",
    "D2S1338", "D2S441", "D3S1358", "D5S818", "D7S820", "D8S1179", "FGA", "TH01", "TPOX", "vWA",
)  # fmt: skip
RELATIVES = ("father", "mother", "full_sibling")
_SEX = {"father": "M", "mother": "F"}


class DnaOptionsError(ValueError):
    """The options cannot produce a scenario; the message names the option and the problem."""


@dataclass(frozen=True)
class DnaOptions:
    """How many children and families to simulate, and what to plant among them."""

    children: int = 8
    absent_families: int = 2
    decoy_families: int = 3
    sellers: int = 1
    missing_relative_rate: float = 0.35
    planted_mutations: int = 1
    seed: int = 1

    def check(self) -> None:
        """Raise `DnaOptionsError` naming the option that cannot be satisfied."""
        if self.children < 1:
            raise DnaOptionsError("children: at least one rescued child is needed")
        if not 0 <= self.absent_families <= self.children:
            raise DnaOptionsError(f"absent_families: {self.absent_families} is not between 0 and children")
        present = self.children - self.absent_families
        if not 0 <= self.sellers <= present:
            raise DnaOptionsError(f"sellers: {self.sellers} exceeds the {present} families that search")
        if not 0 <= self.planted_mutations <= present:
            raise DnaOptionsError(
                f"planted_mutations: {self.planted_mutations} exceeds the searching families"
            )
        if self.decoy_families < 0:
            raise DnaOptionsError("decoy_families: must not be negative")
        if not 0.0 <= self.missing_relative_rate < 1.0:
            raise DnaOptionsError("missing_relative_rate: must be in [0, 1)")


@dataclass
class DnaScenario:
    """Profiles (engine `Profile`s, every locus of the frequency table) and the ground truth."""

    children: list[Profile]
    references: list[Profile]
    truth: dict
    loci: list[str] = field(default_factory=list)

    def family_of(self, child_id: str) -> str:
        """The true family id of a rescued child (whether or not that family searches)."""
        return self.truth["children"][child_id]["family"]


@lru_cache(maxsize=2)
def default_frequencies(path: str = str(FREQUENCIES_FILE)) -> FrequencyTable:
    """The NIST 1036 pooled allele frequencies shipped with the synth engine (29 autosomal STR loci)."""
    return load_frequencies(path)


def _one_step_mutation(
    lf: LocusFrequencies, allele: int, avoid: set[int], rng: np.random.Generator
) -> int | None:
    """An allele index one repeat unit above or below `allele`, present in the table and not in `avoid`."""
    value = allele_value(lf.alleles[allele])
    options = [i for i, a in enumerate(lf.alleles)
               if abs(allele_value(a) - value) == Decimal(1) and i not in avoid]  # fmt: skip
    return int(options[rng.integers(len(options))]) if options else None


def _plant_mutation(
    fam: dict[str, np.ndarray], loci: Sequence[LocusFrequencies], i: int, rng: np.random.Generator
) -> dict | None:
    """Move the child's paternal allele one step away from every parental allele at one random locus."""
    for li in rng.permutation(len(loci)):
        lf = loci[int(li)]
        parents = {int(a) for who in ("father", "mother") for a in fam[who][li, i]}
        pat = int(fam["child"][li, i, 0])
        new = _one_step_mutation(lf, pat, parents, rng)
        if new is not None:
            fam["child"][li, i, 0] = new
            return {"locus": lf.locus, "from": lf.alleles[pat], "to": lf.alleles[new]}
    return None


def _relatives(rng: np.random.Generator, missing_rate: float) -> list[str]:
    kept = [r for r in RELATIVES if rng.random() >= missing_rate]
    return kept or [RELATIVES[int(rng.integers(2))]]


def generate_dna(
    frequencies: FrequencyTable | None = None, options: DnaOptions = DnaOptions()
) -> DnaScenario:
    """Simulate rescued children and searching families (see the module docstring) for `options.seed`.

    Children and their families are drawn with `kinship.simulate.family_alleles` under the search's default
    stepwise mutation model; the truth names each child's family, which families search, with which relatives,
    which sold their child, and every planted mutation.
    """
    options.check()
    table = frequencies or default_frequencies()
    loci = [table[name] for name in table.names()]
    rng = rng_for(options.seed)
    total = options.children + options.decoy_families
    fam = family_alleles(loci, total, rng, mutation=DEFAULT_MUTATION)
    order = [int(i) for i in rng.permutation(options.children)]
    absent = set(order[: options.absent_families])
    searching = [i for i in range(options.children) if i not in absent]
    picks = [searching[int(k)] for k in rng.permutation(len(searching))]
    sellers = set(picks[: options.sellers])
    mutated = {i: _plant_mutation(fam, loci, i, rng) for i in picks[len(picks) - options.planted_mutations :]}
    truth: dict = {"seed": options.seed, "options": asdict(options), "frequencies": table.source,
                   "children": {}, "families": {}, "mutations": {}}  # fmt: skip
    children: list[Profile] = []
    references: list[Profile] = []
    for i in range(total):
        fid, cid = f"FAM{i + 1:04d}", f"CH{i + 1:04d}"
        is_child = i < options.children
        if is_child:
            (child,) = to_profiles(fam["child"][:, i : i + 1], loci, [cid], "child")
            child.sex = "F" if rng.random() < 0.5 else "M"
            children.append(child)
            truth["children"][cid] = {"family": fid, "family_searching": i not in absent,
                                      "sold_by_family": i in sellers}  # fmt: skip
            if mutated.get(i):
                truth["mutations"][cid] = mutated[i]
        relatives = [] if i in absent else _relatives(rng, options.missing_relative_rate)
        for rel in relatives:
            references += to_profiles(fam[rel][:, i : i + 1], loci, [f"{fid}-{rel}"], "reference",
                                      family_id=fid, relation=rel, sex=_SEX.get(rel, ""))  # fmt: skip
        truth["families"][fid] = {
            "child": cid if is_child else None, "searching": bool(relatives), "relatives": relatives,
            "missing_relatives": [r for r in RELATIVES if r not in relatives] if relatives else list(RELATIVES),
            "sold_child": i in sellers, "decoy": not is_child,
        }  # fmt: skip
    return DnaScenario(children, references, truth, [lf.locus for lf in loci])


def panel_profiles(profiles: Sequence[Profile], panel: Sequence[str]) -> list[Profile]:
    """Copies of `profiles` typed only at the loci of `panel` (e.g. `CORE_PANEL` for a first typing)."""
    keep = set(panel)
    return [Profile(p.profile_id, p.role, {k: v for k, v in p.genotypes.items() if k in keep},
                    p.family_id, p.relation, p.sex) for p in profiles]  # fmt: skip


def write_dna(
    scenario: DnaScenario, out_dir: str | Path, *, panel: Sequence[str] | None = None
) -> list[Path]:
    """Write `profiles.csv` (the kinship engine's long CSV; children then references) and `truth.json`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    profiles = [*scenario.children, *scenario.references]
    if panel is not None:
        profiles = panel_profiles(profiles, panel)
    write_profiles(profiles, out / "profiles.csv")
    (out / "truth.json").write_text(
        json.dumps(scenario.truth, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return [out / "profiles.csv", out / "truth.json"]
