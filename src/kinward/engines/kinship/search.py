"""Database search: one profile against every profile of a database, vectorised with numpy.

For each locus, LR tables over (query genotype, database genotype) are built once for the three
relationship classes parent, full_sibling and second_degree (see `pairwise`). Each profile is encoded as
one genotype index per locus (a spare index marks a missing locus, with LR 1). A query's score for every
database profile is then a sum, over the query's typed loci, of table lookups, with blocks of references
processed so the running sums stay in cache. The three class log LRs of a locus are packed into one int64 as
21-bit fixed-point fields (step 1/1024, clipped at +-30 per locus), so one gather scores all three classes;
queries with more than 32 loci fall back to float32 sums. The top candidates by the best class are then
recomputed exactly in float64 before they are reported.

Ranking, threshold and prior (documented in docs/engines/kinship.md):
* A candidate's LR is the largest of its three class LRs, and its relationship is that class.
* Only references with at least `min_loci` loci typed in both profiles are compared; the others are counted.
* Posterior under an explicit prior: each compared reference is a priori the relative with probability
  pi = 1/N (N = references compared), so posterior = pi LR / (pi LR + 1 - pi).
* `inconsistent_loci` counts loci where the pair shares no allele (parent-child LR is 0 without mutation).
* Families (profiles sharing a `family_id`, see `families`) are scored as one candidate as well.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import KinshipError, PedigreeError
from .families import FamilyDataImpossible, FamilyPedigrees, family_log_lr, family_pedigrees
from .frequencies import FrequencyTable, LocusFrequencies, with_unseen_alleles
from .mutation import MutationModel, MutationParameters
from .pairwise import RELATIONSHIPS, locus_probabilities, lr_tables
from .profiles import Profile

# Screening in fixed point: 3 fields of 21 bits in one int64, each locus value in [bias - clip, bias + clip].
PACK_SCALE, PACK_CLIP, PACK_BIAS, PACK_BITS, PACK_MAX_LOCI = 1024.0, 30 * 1024, 32_768, 21, 32

DEFAULT_MUTATION = MutationModel(
    "stepwise", MutationParameters(0.002, 0.1, 1e-6), MutationParameters(0.001, 0.1, 1e-6)
)


@dataclass(frozen=True)
class SearchSettings:
    """Search parameters; defaults: stepwise mutation (male 0.002, female 0.001), theta 0, 15 loci, LR 10,000.

    `per_class=True` also ranks the candidates separately under each hypothesised relationship (parent/child,
    full sibling, second degree) into `QueryResult.by_class` (costs one more partial sort per class).
    """

    mutation: MutationModel | None = DEFAULT_MUTATION
    theta: float = 0.0
    min_loci: int = 15
    threshold: float = 10_000.0
    top: int = 10
    min_frequency: float | None = None
    allow_missing_loci: bool = False
    reverse: bool = False
    block: int = 65_536
    per_class: bool = False


@dataclass(frozen=True)
class Candidate:
    """One reported candidate: its LR (best class), the class, loci compared and inconsistent, posterior.

    In `QueryResult.by_class` lists, `relationship` and `lr` are the hypothesised class and its LR, and
    `best_relationship` the class with the largest LR for this candidate. `exclusions` counts the loci where the
    pair shares no allele (a parent-child exclusion without mutation), whatever the class.
    """

    candidate_id: str
    lr: float
    relationship: str
    loci_compared: int
    inconsistent_loci: int
    posterior: float
    class_lrs: dict[str, float]
    members: str = ""
    best_relationship: str = ""
    exclusions: int = 0

    def __post_init__(self) -> None:
        if not self.best_relationship:
            object.__setattr__(self, "best_relationship", self.relationship)


@dataclass
class QueryResult:
    """Outcome for one query: `status` is `ok`, `no_candidate_above_threshold` or `too_few_loci`."""

    query_id: str
    status: str
    candidates: list[Candidate] = field(default_factory=list)
    compared: int = 0
    excluded_min_loci: int = 0
    message: str = ""
    by_class: dict[str, list[Candidate]] = field(default_factory=dict)


@dataclass
class _LocusTables:
    lf: LocusFrequencies
    log_lr: np.ndarray  # (3, G+1, G+1) float64, [query genotype, database genotype]; index G = missing
    shares: np.ndarray  # (G+1, G+1) bool: the two genotypes share an allele (or one is missing)


def encode_profiles(profiles: Sequence[Profile], loci: Sequence[LocusFrequencies]) -> np.ndarray:
    """Genotype indices (L, n) of profiles at the given loci; a missing locus gets the spare index G."""
    geno = np.empty((len(loci), len(profiles)), dtype=np.int32)
    for li, lf in enumerate(loci):
        idx, missing = lf.index, len(lf.alleles) * (len(lf.alleles) + 1) // 2
        for pi, pr in enumerate(profiles):
            g = pr.genotypes.get(lf.locus)
            if g is None:
                geno[li, pi] = missing
                continue
            i, j = sorted((idx[g[0]], idx[g[1]]))
            geno[li, pi] = j * (j + 1) // 2 + i
    return geno


def _masks(geno: np.ndarray, loci: Sequence[LocusFrequencies]) -> np.ndarray:
    mask = np.zeros(geno.shape[1], dtype=np.uint64)
    for li, lf in enumerate(loci):
        missing = len(lf.alleles) * (len(lf.alleles) + 1) // 2
        mask |= np.where(geno[li] != missing, np.uint64(1 << li), np.uint64(0))
    return mask


def usable_loci(
    profiles: Sequence[Profile], frequencies: FrequencyTable, settings: SearchSettings, notes: list[str]
) -> list[LocusFrequencies]:
    """The frequency-table loci typed in any profile, with unseen alleles added at the minimum frequency.

    Loci typed in profiles but absent from the table raise `KinshipError` unless `allow_missing_loci`; then
    they are skipped and named in `notes` (a search never drops loci silently).
    """
    typed: dict[str, set[str]] = {}
    for pr in profiles:
        for locus, g in pr.genotypes.items():
            typed.setdefault(locus, set()).update(g)
    absent = sorted(set(typed) - set(frequencies.loci))
    if absent and not settings.allow_missing_loci:
        raise KinshipError(
            f"loci {absent} are typed in the profiles but absent from the frequency table "
            f"{frequencies.source}; add them or allow skipping them explicitly"
        )
    if absent:
        notes.append(f"loci skipped (not in the frequency table): {', '.join(absent)}")
    out = []
    for locus in (name for name in frequencies.loci if name in typed):
        lf = frequencies[locus]
        new = sorted(typed[locus] - set(lf.alleles))
        if new:
            lf = with_unseen_alleles(lf, new, floor=settings.min_frequency)
            notes.append(f"{locus}: alleles {new} not in the table, added at the minimum frequency")
        out.append(lf)
    return out


class KinshipSearch:
    """A prepared search: LR tables per locus, encoded queries and database, families.

    Build it with `from_profiles` (CSV profiles) or `from_arrays` (simulated genotype indices).
    """

    def __init__(
        self,
        loci: Sequence[LocusFrequencies],
        query_ids: Sequence[str],
        query_geno: np.ndarray,
        db_ids: Sequence[str],
        db_geno: np.ndarray,
        settings: SearchSettings = SearchSettings(),
        *,
        family_profiles: Sequence[Profile] = (),
        notes: Sequence[str] = (),
    ) -> None:
        if len(loci) > 64:
            raise KinshipError(f"{len(loci)} loci: the search supports at most 64")
        self.settings = settings
        self.notes = list(notes)
        self.query_ids, self.db_ids = list(query_ids), list(db_ids)
        self.tables = [self._locus_tables(lf) for lf in loci]
        self.q_geno, self.db_geno = np.ascontiguousarray(query_geno), np.ascontiguousarray(db_geno)
        self.q_mask, self.db_mask = _masks(self.q_geno, loci), _masks(self.db_geno, loci)
        self.families = self._families(family_profiles)

    @classmethod
    def from_profiles(
        cls,
        queries: Sequence[Profile],
        database: Sequence[Profile],
        frequencies: FrequencyTable,
        settings: SearchSettings = SearchSettings(),
    ) -> KinshipSearch:
        """Prepare a search of `queries` against `database` (profiles with `family_id` form families)."""
        notes: list[str] = []
        loci = usable_loci([*queries, *database], frequencies, settings, notes)
        fam_side = queries if settings.reverse else database
        return cls(
            loci, [q.profile_id for q in queries], encode_profiles(queries, loci),
            [d.profile_id for d in database], encode_profiles(database, loci), settings,
            family_profiles=[p for p in fam_side if p.family_id], notes=notes,
        )  # fmt: skip

    @classmethod
    def from_arrays(
        cls,
        loci: Sequence[LocusFrequencies],
        query_geno: np.ndarray,
        db_geno: np.ndarray,
        settings: SearchSettings = SearchSettings(),
        *,
        query_ids: Sequence[str] | None = None,
        db_ids: Sequence[str] | None = None,
    ) -> KinshipSearch:
        """Prepare a search from genotype indices (L, n) as made by `simulate.encode`."""
        qids = query_ids or [f"Q{i}" for i in range(query_geno.shape[1])]
        dids = db_ids or [f"R{i}" for i in range(db_geno.shape[1])]
        return cls(loci, qids, query_geno, dids, db_geno, settings)

    def _locus_tables(self, lf: LocusFrequencies) -> _LocusTables:
        mats = (
            None if self.settings.mutation is None else self.settings.mutation.matrices(lf.alleles, lf.freqs)
        )
        pm, om = (None, None) if mats is None else mats
        probs = locus_probabilities(lf.freqs, theta=self.settings.theta, parent_matrix=pm, other_matrix=om)
        tabs = lr_tables(probs)
        g = probs.p0.shape[0]
        log_lr = np.zeros((3, g + 1, g + 1))
        shares = np.ones((g + 1, g + 1), dtype=bool)
        with np.errstate(divide="ignore"):
            for k, rel in enumerate(RELATIONSHIPS):
                # tables are [relative, child]; a forward search queries children, so transpose
                t = tabs[rel] if self.settings.reverse else tabs[rel].T
                log_lr[k, :g, :g] = np.log(t)
        shares[:g, :g] = probs.p1 > 0
        return _LocusTables(lf, log_lr, shares)

    def _families(
        self, profiles: Sequence[Profile]
    ) -> list[tuple[FamilyPedigrees, list[np.ndarray | None], list[np.ndarray | None]]]:
        """Families of two or more typed members, with their per-locus log LR vectors (with the model, and
        without mutation for counting inconsistent loci). A family that cannot be combined is named in the
        notes and its members are still searched one by one (never dropped silently)."""
        groups: dict[str, list[Profile]] = {}
        for pr in profiles:
            groups.setdefault(pr.family_id, []).append(pr)
        out = []
        for fid, members in groups.items():
            if len(members) < 2:
                continue
            try:
                fam = family_pedigrees(fid, members)
                kw = {"mutation": self.settings.mutation, "theta": self.settings.theta}
                vecs = [family_log_lr(fam, members, lt.lf, **kw) for lt in self.tables]
            except PedigreeError as exc:
                self.notes.append(f"family {fid} not combined ({exc}); its members are searched one by one")
                continue
            plain = vecs if self.settings.mutation is None else self._plain_vectors(fam, members)
            out.append((fam, vecs, plain))
        return out

    def _plain_vectors(self, fam: FamilyPedigrees, members: Sequence[Profile]) -> list[np.ndarray | None]:
        """Family log LR vectors without mutation, used only to count the loci where the child needs one.
        Where the family's own genotypes already need a mutation the locus is not counted, and noted."""
        plain: list[np.ndarray | None] = []
        for lt in self.tables:
            try:
                plain.append(family_log_lr(fam, members, lt.lf, mutation=None, theta=self.settings.theta))
            except FamilyDataImpossible:
                n = len(lt.lf.alleles)
                plain.append(np.zeros(n * (n + 1) // 2))
                self.notes.append(
                    f"family {fam.family_id} locus {lt.lf.locus}: the family's own genotypes need a mutation; "
                    "the locus is scored with the mutation model and not counted as inconsistent"
                )
        return plain

    def run(self, *, workers: int = 1) -> list[QueryResult]:
        """Search every query (children, or relatives in a reverse search) against the database."""
        indices = list(range(len(self.query_ids)))
        if workers <= 1 or len(indices) < 2:
            results = [self.search_one(i) for i in indices]
        else:
            results = _parallel(self, indices, workers)
        return results + [self._family_query(f) for f in self.families] if self.settings.reverse else results

    def _scores(self, rows: list[tuple[int, np.ndarray]], dtype: type = np.float32) -> np.ndarray:
        n = self.db_geno.shape[1]
        k = rows[0][1].shape[0]
        acc = np.zeros((k, n), dtype=dtype)
        tmp = np.empty(self.settings.block, dtype=dtype)
        for s in range(0, n, self.settings.block):
            e = min(n, s + self.settings.block)
            t = tmp[: e - s]
            for li, row in rows:
                idx = self.db_geno[li, s:e]
                for h in range(k):
                    np.take(row[h], idx, out=t)
                    acc[h, s:e] += t
        return acc

    def _screen(self, rows: list[tuple[int, np.ndarray]]) -> np.ndarray:
        """Approximate log-LR sums (3, N): packed 16-bit fixed point in one int64 gather per locus when the
        query has at most 32 loci (quantisation step 1/1024 per locus, clipped at +-30), else float32."""
        if len(rows) > PACK_MAX_LOCI:
            return self._scores([(li, r.astype(np.float32)) for li, r in rows])
        packed = []
        for li, r in rows:
            q = np.clip(np.rint(r * PACK_SCALE), -PACK_CLIP, PACK_CLIP).astype(np.int64) + PACK_BIAS
            packed.append((li, (q[0] | (q[1] << PACK_BITS) | (q[2] << (2 * PACK_BITS)))[None, :]))
        acc = self._scores(packed, dtype=np.int64)[0]
        mask = (1 << PACK_BITS) - 1
        out = np.empty((3, acc.shape[0]), dtype=np.float32)
        offset = PACK_BIAS * len(rows)
        for k in range(3):
            out[k] = ((acc >> (k * PACK_BITS)) & mask) - offset
        out *= 1.0 / PACK_SCALE
        return out

    def class_scores(self, qi: int) -> np.ndarray:
        """Natural-log LR sums (3, N) in float32 of query `qi` against every database profile, for the classes
        parent, full_sibling, second_degree, over the loci typed in the query (missing database loci count 0)."""
        used = [li for li in range(len(self.tables)) if self.q_mask[qi] & np.uint64(1 << li)]
        return self._scores(
            [(li, self.tables[li].log_lr[:, self.q_geno[li, qi], :].astype(np.float32)) for li in used]
        )

    def search_one(self, qi: int) -> QueryResult:
        """Search query number `qi`: scores, eligibility by overlapping loci, exact top-k, families."""
        st = self.settings
        q = self.query_ids[qi]
        used = [li for li in range(len(self.tables)) if self.q_mask[qi] & np.uint64(1 << li)]
        if len(used) < st.min_loci:
            msg = f"only {len(used)} typed loci usable, fewer than the minimum {st.min_loci}"
            return QueryResult(q, "too_few_loci", message=msg)
        acc = self._screen([(li, self.tables[li].log_lr[:, self.q_geno[li, qi], :]) for li in used])
        overlap = np.bitwise_count(self.db_mask & self.q_mask[qi])
        eligible = overlap >= st.min_loci
        n_ok = int(eligible.sum())
        m = min(acc.shape[1], max(4 * st.top, st.top + 50))
        pool = _pool(np.where(eligible, acc.max(axis=0), -np.inf), m)
        if st.per_class:
            pool = np.union1d(pool, np.concatenate([_pool(np.where(eligible, a, -np.inf), m) for a in acc]))
        prior = 1.0 / max(n_ok, 1)
        exact = [self._exact(qi, int(j), used, prior) for j in pool if eligible[j]]
        fams = [] if st.reverse else self._family_candidates(qi, used, prior)
        cands = sorted((c for c in [*exact, *fams] if c.lr >= st.threshold), key=lambda c: -c.lr)[: st.top]
        status = "ok" if cands else "no_candidate_above_threshold"
        by_class = _rank_by_class(exact, fams, st, prior) if st.per_class else {}
        return QueryResult(q, status, cands, n_ok, acc.shape[1] - n_ok, by_class=by_class)

    def _exact(self, qi: int, j: int, used: list[int], prior: float) -> Candidate:
        logs = np.zeros(3)
        compared = inconsistent = 0
        for li in used:
            lt = self.tables[li]
            qg, dg = self.q_geno[li, qi], self.db_geno[li, j]
            if dg == lt.log_lr.shape[1] - 1:
                continue
            compared += 1
            logs += lt.log_lr[:, qg, dg]
            inconsistent += int(not lt.shares[qg, dg])
        best = int(np.argmax(logs))
        rel = RELATIONSHIPS[best]
        lr = math.exp(logs[best]) if logs[best] < 709 else math.inf
        class_lrs = {r: math.exp(min(v, 709.0)) for r, v in zip(RELATIONSHIPS, logs, strict=True)}
        return Candidate(
            self.db_ids[j], lr, rel, compared, inconsistent if rel == "parent" else 0,
            _posterior(lr, prior), class_lrs, exclusions=inconsistent,
        )  # fmt: skip

    def _family_candidates(self, qi: int, used: list[int], prior: float) -> list[Candidate]:
        out = []
        for fam, vecs, plain in self.families:
            total, compared, zero = 0.0, 0, 0
            for li in used:
                vec, vec0 = vecs[li], plain[li]
                if vec is None or vec0 is None:
                    continue
                qg = self.q_geno[li, qi]
                compared += 1
                zero += int(vec0[qg] == -np.inf)
                total += float(vec[qg])
            if compared < self.settings.min_loci:
                continue
            lr = math.exp(min(total, 709.0))
            out.append(
                Candidate(fam.family_id, lr, "family", compared, zero, _posterior(lr, prior), {}, fam.label)
            )
        return out

    def _family_query(
        self, fam_entry: tuple[FamilyPedigrees, list[np.ndarray | None], list[np.ndarray | None]]
    ) -> QueryResult:
        fam, vecs, _plain = fam_entry
        st = self.settings
        rows = []
        for li, vec in enumerate(vecs):
            if vec is not None:
                rows.append((li, np.append(vec, 0.0).astype(np.float32)[None, :]))
        if len(rows) < st.min_loci:
            return QueryResult(
                fam.family_id, "too_few_loci", message=f"family typed at {len(rows)} loci only"
            )
        score = self._scores(rows)[0]
        fam_mask = np.uint64(sum(1 << li for li, _ in rows))
        overlap = np.bitwise_count(self.db_mask & fam_mask)
        score = np.where(overlap >= st.min_loci, score, -np.inf)
        n_ok = int((overlap >= st.min_loci).sum())
        order = np.argsort(-score)[: st.top]
        prior = 1 / max(n_ok, 1)
        cands = []
        for j in (int(j) for j in order if np.isfinite(score[j])):
            exact = sum(float(vec[self.db_geno[li, j]]) for li, vec in enumerate(vecs) if vec is not None
                        and self.db_geno[li, j] < len(vec))  # fmt: skip
            lr = math.exp(min(exact, 709.0))
            if lr >= st.threshold:
                cands.append(
                    Candidate(
                        self.db_ids[j], lr, "family", int(overlap[j]), 0, _posterior(lr, prior), {}, fam.label
                    )
                )
        status = "ok" if cands else "no_candidate_above_threshold"
        return QueryResult(f"family:{fam.family_id}", status, cands, n_ok, len(score) - n_ok)


def _pool(score: np.ndarray, m: int) -> np.ndarray:
    """Indices of the m highest scores (unordered), or all when there are at most m."""
    if m >= len(score):
        return np.arange(len(score))
    return np.argpartition(-score, m - 1)[:m]


def _rank_by_class(
    exact: list[Candidate], families: list[Candidate], st: SearchSettings, prior: float
) -> dict[str, list[Candidate]]:
    """Top candidates under each hypothesised relationship, ranked by that class's LR (threshold applies);
    each keeps its best class in `best_relationship`. Families are ranked as the class `family`."""
    out: dict[str, list[Candidate]] = {}
    for rel in RELATIONSHIPS:
        ranked = sorted(
            (c for c in exact if c.class_lrs[rel] >= st.threshold), key=lambda c: -c.class_lrs[rel]
        )
        out[rel] = [
            replace(
                c,
                relationship=rel,
                lr=c.class_lrs[rel],
                posterior=_posterior(c.class_lrs[rel], prior),
                inconsistent_loci=c.exclusions if rel == "parent" else 0,
                best_relationship=c.relationship,
            )  # fmt: skip
            for c in ranked[: st.top]
        ]
    out["family"] = sorted((c for c in families if c.lr >= st.threshold), key=lambda c: -c.lr)[: st.top]
    return out


def _posterior(lr: float, prior: float) -> float:
    """Posterior probability that the candidate is the relative: prior odds pi/(1-pi) times the LR."""
    if prior >= 1.0:
        return 1.0 if lr > 0 else 0.0
    if math.isinf(lr):
        return 1.0
    return prior * lr / (prior * lr + 1.0 - prior)


_WORKER_SEARCH: KinshipSearch | None = None


def _worker(indices: list[int]) -> list[QueryResult]:
    assert _WORKER_SEARCH is not None
    return [_WORKER_SEARCH.search_one(i) for i in indices]


def _parallel(search: KinshipSearch, indices: list[int], workers: int) -> list[QueryResult]:
    """Split the queries over `workers` forked processes (the prepared search is shared copy-on-write)."""
    import multiprocessing as mp

    global _WORKER_SEARCH
    _WORKER_SEARCH = search
    chunks = [indices[k::workers] for k in range(workers)]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with mp.get_context("fork").Pool(workers) as pool:
        parts = pool.map(_worker, chunks)
    by_index = {
        i: r for chunk, part in zip(chunks, parts, strict=True) for i, r in zip(chunk, part, strict=True)
    }
    return [by_index[i] for i in indices]
