"""Writing search results as CSV: `child_id, candidate_id, lr, relationship, loci_compared, inconsistent_loci`
followed by the extra columns `posterior, lr_parent, lr_full_sibling, lr_second_degree, family_members,
status`. A query with no candidate at or above the threshold gets one row with empty candidate fields and
status `no_candidate_above_threshold` (or `too_few_loci`), so a normal "nothing found" is visible in the file.
In a reverse search the first column is `query_id` (the searching relative or `family:<id>`)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from .search import QueryResult

COLUMNS = ["child_id", "candidate_id", "lr", "relationship", "loci_compared", "inconsistent_loci"]
EXTRA = ["posterior", "lr_parent", "lr_full_sibling", "lr_second_degree", "family_members", "status"]


def write_results(results: Sequence[QueryResult], path: str | Path, *, reverse: bool = False) -> None:
    """Write one row per reported candidate (and one row per query without any) to a CSV file."""
    header = (["query_id", *COLUMNS[1:]] if reverse else COLUMNS) + EXTRA
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in results:
            if not r.candidates:
                w.writerow([r.query_id, "", "", "", "", "", "", "", "", "", "", r.status])
                continue
            for c in r.candidates:
                lrs = [
                    f"{c.class_lrs[k]:.6g}" if k in c.class_lrs else ""
                    for k in ("parent", "full_sibling", "second_degree")
                ]
                w.writerow(
                    [r.query_id, c.candidate_id, f"{c.lr:.6g}", c.relationship, c.loci_compared, c.inconsistent_loci,
                     f"{c.posterior:.6g}", *lrs, c.members, r.status]
                )  # fmt: skip


BY_CLASS_COLUMNS = ["ranked_as", "rank", "candidate_id", "lr", "best_relationship", "loci_compared",
                    "inconsistent_loci", "posterior", "family_members"]  # fmt: skip


def write_by_class(results: Sequence[QueryResult], path: str | Path, *, reverse: bool = False) -> None:
    """Write each query's ranking under each hypothesised relationship class (parent, full_sibling,
    second_degree, family): one row per ranked candidate with that class's LR and the candidate's best class."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["query_id" if reverse else "child_id", *BY_CLASS_COLUMNS])
        for r in results:
            for cls, cands in r.by_class.items():
                for rank, c in enumerate(cands, start=1):
                    w.writerow(
                        [r.query_id, cls, rank, c.candidate_id, f"{c.lr:.6g}", c.best_relationship,
                         c.loci_compared, c.inconsistent_loci, f"{c.posterior:.6g}", c.members]
                    )  # fmt: skip
