"""Near-duplicate and template clustering of posts, and linking of posts through shared contact identifiers.

Near duplicates: character 4-gram shingles of each post's skeleton (NFKC, lower case, look-alikes folded, digits
as ``0``) are summarised by one-permutation MinHash (Li, Owen & Zhang, "One Permutation Hashing", NIPS 2012)
with rotation densification for empty bins (Shrivastava & Li, "Densifying One Permutation Hashing via Rotation",
ICML 2014), all in numpy. Locality-sensitive hashing with ``bands × rows`` (Leskovec, Rajaraman & Ullman, *Mining
of Massive Datasets*, ch. 3.4) proposes pairs; a pair is joined when its estimated Jaccard similarity reaches the
threshold, and clusters are the connected components of the joined pairs. Posts too short to shingle stay alone.

Entity linking: posts sharing a normalised identifier (phone in E.164, handle, e-mail, URL) are connected; the
components are the broker groups of the ads-dev README.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .normalize import skeleton

NUM_BINS = 64
BANDS = 16
SHINGLE = 4
_EMPTY = np.uint32(0xFFFFFFFF)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_BASE = np.uint64(1000003)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser, vectorised (wrapping uint64 arithmetic)."""
    h = h ^ (h >> np.uint64(33))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(33))
    h = h * _MIX2
    return h ^ (h >> np.uint64(33))


def shingle_hashes(texts: list[str], k: int = SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of all character ``k``-grams of the texts' skeletons, with the index of the text of each."""
    keys = [skeleton(t) for t in texts]
    lengths = np.fromiter((len(s) for s in keys), dtype=np.int64, count=len(keys))
    codes = np.frombuffer("\x00".join(keys).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), lengths + 1)[: codes.shape[0]]
    doc[(np.cumsum(lengths + 1) - 1)[:-1]] = -1  # the separators belong to no text
    n = codes.shape[0] - k + 1
    if n <= 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + codes[j : j + n]
    valid = (doc[:n] >= 0) & (doc[:n] == doc[k - 1 : k - 1 + n])
    return _fmix64(h[valid]), doc[:n][valid]


def minhash_signatures(texts: list[str], num_bins: int = NUM_BINS) -> np.ndarray:
    """One-permutation MinHash signatures, shape ``(len(texts), num_bins)``, uint32; a row of all ``0xFFFFFFFF``
    marks a text with no shingle."""
    if num_bins & (num_bins - 1):
        raise ValueError(f"num_bins must be a power of two, got {num_bins}")
    hashes, doc = shingle_hashes(texts)
    sig = np.full(len(texts) * num_bins, _EMPTY, dtype=np.uint32)
    bins = (hashes & np.uint64(num_bins - 1)).astype(np.int64)
    values = ((hashes >> np.uint64(32)) & np.uint64(0xFFFFFFFE)).astype(np.uint32)  # never equals _EMPTY
    np.minimum.at(sig, doc * num_bins + bins, values)
    sig = sig.reshape(len(texts), num_bins)
    return _densify(sig)


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill each empty bin from the next non-empty bin to its right (circularly), offset by the distance."""
    empty = sig == _EMPTY
    has_any = ~empty.all(axis=1)
    todo = empty & has_any[:, None]
    out = sig.copy()
    step = 1
    while todo.any() and step < sig.shape[1]:
        src = np.roll(sig, -step, axis=1)
        fill = todo & (src != _EMPTY)
        out[fill] = (
            src[fill].astype(np.uint64) + np.uint64(0x9E3779B1 * step) & np.uint64(0xFFFFFFFE)
        ).astype(np.uint32)
        todo &= ~fill
        step += 1
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of equal signature positions: the MinHash estimate of the Jaccard similarity of the shingle sets."""
    return (a == b).mean(axis=-1)


def lsh_pairs(sig: np.ndarray, bands: int = BANDS, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs from LSH banding, kept when their estimated Jaccard similarity is at least ``threshold``.
    Each bucket's members are compared with its first member."""
    n, k = sig.shape
    if k % bands:
        raise ValueError(f"{k} signature positions do not split into {bands} bands")
    rows = k // bands
    usable = ~(sig == _EMPTY).all(axis=1)
    idx_all = np.nonzero(usable)[0]
    src, dst = [], []
    if idx_all.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    for b in range(bands):
        block = sig[idx_all, b * rows : (b + 1) * rows].astype(np.uint64)
        key = np.zeros(block.shape[0], dtype=np.uint64)
        for r in range(rows):
            key = _fmix64(key * _BASE + block[:, r])
        order = np.argsort(key, kind="stable")
        sk = key[order]
        new_run = np.concatenate([[True], sk[1:] != sk[:-1]])
        leader_pos = np.maximum.accumulate(np.where(new_run, np.arange(sk.shape[0]), 0))
        members = ~new_run
        a = idx_all[order[leader_pos[members]]]
        c = idx_all[order[members]]
        if a.size:
            keep = estimated_jaccard(sig[a], sig[c]) >= threshold
            src.append(a[keep])
            dst.append(c[keep])
    if not src:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(src), np.concatenate(dst)


def _components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    graph = sparse.coo_matrix((np.ones(src.shape[0], dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1]


def near_duplicate_clusters(texts: list[str], threshold: float = 0.5, chunk: int = 100_000) -> np.ndarray:
    """Cluster id per text: texts whose 4-gram shingle sets have estimated Jaccard ≥ ``threshold`` (directly or
    through a chain of such texts) share an id. Signatures are computed in chunks of ``chunk`` texts."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if not texts:
        return np.zeros(0, dtype=np.int64)
    sig = np.concatenate([minhash_signatures(texts[i : i + chunk]) for i in range(0, len(texts), chunk)])
    src, dst = lsh_pairs(sig, threshold=threshold)
    return _components(len(texts), src, dst).astype(np.int64)


def entity_components(entity_values: list[list[str]]) -> np.ndarray:
    """Component id per post in the graph linking posts that share a normalised identifier."""
    first: dict[str, int] = {}
    src, dst = [], []
    for i, values in enumerate(entity_values):
        for v in values:
            j = first.setdefault(v, i)
            if j != i:
                src.append(j)
                dst.append(i)
    return _components(
        len(entity_values), np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)
    ).astype(np.int64)


def broker_groups(texts: list[str], entity_values: list[list[str]], threshold: float = 0.5) -> np.ndarray:
    """Component id per post when posts are joined both by near-duplicate text and by shared identifiers."""
    if len(texts) != len(entity_values):
        raise ValueError(f"{len(texts)} texts but {len(entity_values)} entity lists")
    dup = near_duplicate_clusters(texts, threshold)
    ent = entity_components(entity_values)
    n = len(texts)
    idx = np.arange(n)
    src = np.concatenate([idx, idx])
    dst = np.concatenate([dup + n, ent + 2 * n])
    return _components(3 * n, src, dst)[:n].astype(np.int64)
