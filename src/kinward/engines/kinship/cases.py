"""Golden-case validation: read cases in the kinship-golden `cases.json` format, compute, compare.

The format and its conventions are those of tests/data/kinship/README.md (copied from the shared golden
set): alleles are strings used as given, frequencies are exact inputs (no floor, no renormalisation),
pedigrees H1 and H2 are lists of persons, `model` holds the mutation model and theta.
Quantities: `LR`, `LR_per_locus`, `likelihood_h1`, and the DVI quantities `pairwise_LR_matrix`,
`joint_LR_table`, `marginal_posterior`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .dvi import DviLocus, DviProblem, Family
from .errors import CaseFileError
from .mutation import MutationModel
from .pedigree import Pedigree, locus_likelihood

LOGLIK_TOLERANCE = 5e-6  # joint_LR_table: upstream prints loglik rounded to 5 decimals


@dataclass(frozen=True)
class Check:
    """One compared number: where it comes from, computed and expected values, tolerance, verdict."""

    case_id: str
    label: str
    computed: float | None
    expected: float | None
    tolerance: float
    tolerance_type: str

    @property
    def passed(self) -> bool:
        if self.expected is None or self.computed is None:
            return self.expected is None and self.computed is None
        if math.isnan(self.computed):
            return False
        diff = abs(self.computed - self.expected)
        bound = self.tolerance * abs(self.expected) if self.tolerance_type == "relative" else self.tolerance
        return diff <= bound


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON list of golden cases; raise `CaseFileError` naming the file when it is not such a list."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CaseFileError(f"{path}: cannot read cases: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(c, dict) and "id" in c for c in data):
        raise CaseFileError(f"{path}: expected a JSON list of case objects with an 'id'")
    return data


def _model(case: dict[str, Any]) -> tuple[MutationModel | None, float]:
    model = case.get("model") or {}
    mut = model.get("mutation")
    return (MutationModel.from_dict(mut) if mut else None), float(model.get("theta", 0.0))


def _locus_parts(locus: dict[str, Any]) -> tuple[str, dict[str, tuple[str, str]], list[str], np.ndarray]:
    freqs = {str(a): float(p) for a, p in locus["frequencies"].items()}
    genotypes = {str(pid): (str(g[0]), str(g[1])) for pid, g in locus["genotypes"].items()}
    return str(locus["name"]), genotypes, list(freqs), np.array(list(freqs.values()))


def pedigree_lr_per_locus(case: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """For each locus of a pedigree case: (L(H1), L(H2)) by the general pedigree likelihood."""
    hyp = case["hypothesis"]
    h1 = Pedigree.from_dicts(hyp["pedigree_h1"])
    h2 = Pedigree.from_dicts(hyp["pedigree_h2"])
    mutation, theta = _model(case)
    out = {}
    for locus in case["loci"]:
        name, genotypes, alleles, freqs = _locus_parts(locus)
        kw = {"mutation": mutation, "theta": theta, "locus": name}
        out[name] = (
            locus_likelihood(h1, genotypes, alleles, freqs, **kw),
            locus_likelihood(h2, genotypes, alleles, freqs, **kw),
        )
    return out


def _dvi_problem(case: dict[str, Any]) -> DviProblem:
    dvi = case["hypothesis"]["dvi"]
    families = tuple(
        Family(f["id"], Pedigree.from_dicts(f["pedigree"]), tuple(f["references"]), tuple(f["missing"]))
        for f in dvi["families"]
    )
    loci = []
    for locus in case["loci"]:
        name, genotypes, alleles, freqs = _locus_parts(locus)
        loci.append(DviLocus(name, genotypes, tuple(alleles), freqs.tolist()))
    mutation, theta = _model(case)
    return DviProblem(dict(dvi["victims"]), families, tuple(loci), mutation, theta)


def _ratio(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.inf
    return a / b


def _check_pedigree(cid: str, case: dict[str, Any], exp: dict[str, Any]) -> Iterator[Check]:
    per = pedigree_lr_per_locus(case)
    tol, ttype, q = float(exp["tolerance"]), exp["tolerance_type"], exp["quantity"]
    if q == "LR":
        value = math.prod(_ratio(l1, l2) for l1, l2 in per.values())
        yield Check(cid, "LR", value, float(exp["value"]), tol, ttype)
    elif q == "likelihood_h1":
        yield Check(
            cid, "likelihood_h1", math.prod(l1 for l1, _ in per.values()), float(exp["value"]), tol, ttype
        )
    elif q == "LR_per_locus":
        for name, want in exp["value"].items():
            if name not in per:
                raise CaseFileError(f"case {cid}: LR_per_locus names locus {name!r} that the case lacks")
            yield Check(cid, f"LR[{name}]", _ratio(*per[name]), float(want), tol, ttype)
    else:
        raise CaseFileError(f"case {cid}: quantity {q!r} needs a DVI block")


def _check_dvi(cid: str, case: dict[str, Any], exp: dict[str, Any]) -> Iterator[Check]:
    problem = _dvi_problem(case)
    tol, ttype, q, value = float(exp["tolerance"]), exp["tolerance_type"], exp["quantity"], exp["value"]
    if q in ("pairwise_LR_matrix", "marginal_posterior"):
        post = problem.marginal_posteriors() if q == "marginal_posterior" else None
        for r, row in zip(value["rows"], value["values"], strict=True):
            for c, want in zip(value["cols"], row, strict=True):
                got = post[r][c] if post is not None else problem.pairwise_lr(r, c)
                yield Check(cid, f"{q}[{r},{c}]", got, None if want is None else float(want), tol, ttype)
    elif q == "joint_LR_table":
        table = problem.joint_table()
        victims = list(problem.victims)
        computed = {tuple(str(r[v]) for v in victims): r for r in table}
        positive = {k for k, r in computed.items() if float(r["LR"]) > 0}  # type: ignore[arg-type]
        listed = {tuple(str(w[v]) for v in victims) for w in value}
        yield Check(
            cid, "assignments with L>0 not listed", float(len(positive - listed)), 0.0, 0.0, "absolute"
        )
        for want in value:
            key = tuple(str(want[v]) for v in victims)
            got = computed.get(key)
            label = ",".join(f"{v}={m}" for v, m in zip(victims, key, strict=True))
            yield Check(
                cid, f"LR[{label}]", None if got is None else float(got["LR"]), float(want["LR"]), tol, ttype
            )
            if "loglik" in want:
                ll = None if got is None else float(got["loglik"])
                yield Check(cid, f"loglik[{label}]", ll, float(want["loglik"]), LOGLIK_TOLERANCE, "absolute")
    else:
        raise CaseFileError(f"case {cid}: quantity {q!r} is not a DVI quantity")


def check_case(case: dict[str, Any]) -> list[Check]:
    """Compute every expected quantity of one case (main and `expected_extra`) and compare it."""
    cid = str(case["id"])
    try:
        expectations = [case["expected"], *case.get("expected_extra", [])]
        is_dvi = "dvi" in case["hypothesis"]
        checks: list[Check] = []
        for exp in expectations:
            q = exp["quantity"]
            if is_dvi and q not in ("LR", "LR_per_locus", "likelihood_h1"):
                checks += _check_dvi(cid, case, exp)
            else:
                checks += _check_pedigree(cid, case, exp)
        return checks
    except KeyError as exc:
        raise CaseFileError(f"case {cid}: missing field {exc}") from None


def format_report(checks: list[Check], *, header: str = "") -> str:
    """A plain-text table: case, quantity, computed, expected, tolerance, PASS/FAIL, and a summary line."""
    lines = [header] if header else []
    lines.append(f"{'case':<46} {'quantity':<34} {'computed':>18} {'expected':>18} {'tolerance':>14}  result")
    for c in checks:
        comp = "null" if c.computed is None else f"{c.computed:.10g}"
        want = "null" if c.expected is None else f"{c.expected:.10g}"
        tol = f"{c.tolerance:g} {'rel' if c.tolerance_type == 'relative' else 'abs'}"
        lines.append(
            f"{c.case_id:<46} {c.label:<34} {comp:>18} {want:>18} {tol:>14}  {'PASS' if c.passed else 'FAIL'}"
        )
    n_fail = sum(not c.passed for c in checks)
    cases = len(dict.fromkeys(c.case_id for c in checks))
    lines.append(f"{len(checks) - n_fail} passed, {n_fail} failed ({len(checks)} checks in {cases} cases)")
    return "\n".join(lines) + "\n"
