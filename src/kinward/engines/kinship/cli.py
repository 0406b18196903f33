"""`kinward kinship ...`: golden-case validation, database search and simulated profiles (no Django)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `kinship` with subcommands `check-cases`, `search`, `pair` and `simulate`."""
    kin = subparsers.add_parser(
        "kinship", help="DNA kinship: STR likelihood ratios, golden cases, database search"
    )
    sub = kin.add_subparsers(dest="kinship_command", metavar="SUBCOMMAND")
    kin.set_defaults(func=lambda args: (kin.print_help(), 2)[1])

    chk = sub.add_parser(
        "check-cases", help="compute every golden case and compare it with its expected value"
    )
    chk.add_argument("file", help="cases JSON (kinship-golden format)")
    chk.add_argument("--report", help="also write the printed report to this file")
    chk.set_defaults(func=_check_cases)

    srch = sub.add_parser("search", help="search children's profiles against reference profiles")
    srch.add_argument(
        "--profiles", required=True, help="long CSV: profile_id,role,locus,allele1,allele2[,...]"
    )
    srch.add_argument(
        "--frequencies", required=True, help="norSTR list, locus/allele/frequency CSV or genotype CSV"
    )
    srch.add_argument("--out", required=True, help="results CSV")
    srch.add_argument("--top", type=int, default=10, help="candidates per query (default 10)")
    srch.add_argument("--min-loci", type=int, default=15, help="minimum loci typed in both (default 15)")
    srch.add_argument("--threshold", type=float, default=10_000.0, help="report LR >= this (default 10000)")
    srch.add_argument("--theta", type=float, default=0.0, help="Balding-Nichols theta (default 0)")
    srch.add_argument("--mutation", choices=["stepwise", "equal", "proportional", "none"], default="stepwise")
    srch.add_argument("--male-rate", type=float, default=0.002)
    srch.add_argument("--female-rate", type=float, default=0.001)
    srch.add_argument("--min-frequency", type=float, help="minimum allele frequency floor (default 5/2N)")
    srch.add_argument(
        "--apply-minimum", action="store_true", help="raise every frequency to the minimum first"
    )
    srch.add_argument("--population", help="with a genotype CSV: estimate from this population only")
    srch.add_argument(
        "--renormalise", action="store_true", help="accept tables not summing to 1 by rescaling"
    )
    srch.add_argument(
        "--allow-missing-loci", action="store_true", help="skip (and report) loci not in the table"
    )
    srch.add_argument("--reverse", action="store_true", help="search reference profiles against the children")
    srch.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    srch.add_argument(
        "--by-class", help="also write each query's ranking under each relationship class to this CSV"
    )
    srch.set_defaults(func=_search)

    pair = sub.add_parser("pair", help="LR of one child and one candidate under a stated relationship")
    pair.add_argument("--profiles", required=True, help="long CSV holding both profiles")
    pair.add_argument("--child", required=True, help="profile_id of the child")
    pair.add_argument("--candidate", required=True, help="profile_id of the candidate relative")
    pair.add_argument(
        "--relationship", default="all",
        help="parent (father, mother), full_sibling, second_degree (half_sibling, grandparent, avuncular) "
        "or all (default: every class, best first)",
    )  # fmt: skip
    pair.add_argument("--frequencies", required=True)
    pair.add_argument("--theta", type=float, default=0.0)
    pair.add_argument("--mutation", choices=["stepwise", "equal", "proportional", "none"], default="stepwise")
    pair.add_argument("--male-rate", type=float, default=0.002)
    pair.add_argument("--female-rate", type=float, default=0.001)
    pair.add_argument("--candidate-sex", choices=["M", "F"], help="default: the profile's sex, else M")
    pair.add_argument("--min-frequency", type=float, help="minimum allele frequency for unseen alleles")
    pair.add_argument("--renormalise", action="store_true", help="accept tables not summing to 1")
    pair.set_defaults(func=_pair)

    simp = sub.add_parser("simulate", help="write simulated searching families and children as a profile CSV")
    simp.add_argument("--frequencies", required=True)
    simp.add_argument("--families", type=int, default=5, help="families with a missing child (default 5)")
    simp.add_argument("--unrelated", type=int, default=100, help="unrelated reference profiles (default 100)")
    simp.add_argument("--seed", type=int, default=1)
    simp.add_argument("--out", required=True)
    simp.set_defaults(func=_simulate)


def _check_cases(args: argparse.Namespace) -> int:
    from .cases import check_case, format_report, load_cases
    from .errors import KinshipError

    try:
        cases = load_cases(args.file)
        checks = [c for case in cases for c in check_case(case)]
    except KinshipError as exc:
        print(f"kinship check-cases: {exc}", file=sys.stderr)
        return 2
    command = f"kinward kinship check-cases {args.file}" + (f" --report {args.report}" if args.report else "")
    header = f"# generated by: {command}\n# {len(cases)} cases; each value is compared with the tolerance given in the file"
    text = format_report(checks, header=header)
    print(text, end="")
    if args.report:
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0 if all(c.passed for c in checks) else 1


def _mutation(args: argparse.Namespace):  # noqa: ANN202
    from .mutation import MutationModel, MutationParameters

    if args.mutation == "none":
        return None
    return MutationModel(
        args.mutation,
        MutationParameters(args.male_rate, 0.1, 1e-6),
        MutationParameters(args.female_rate, 0.1, 1e-6),
    )


def _settings(args: argparse.Namespace):  # noqa: ANN202
    from .search import SearchSettings

    mutation = _mutation(args)
    return SearchSettings(
        mutation=mutation, theta=args.theta, min_loci=args.min_loci, threshold=args.threshold, top=args.top,
        min_frequency=args.min_frequency, allow_missing_loci=args.allow_missing_loci, reverse=args.reverse,
        per_class=bool(getattr(args, "by_class", None)),
    )  # fmt: skip


def _search(args: argparse.Namespace) -> int:
    from .errors import KinshipError
    from .frequencies import apply_minimum_frequency, load_frequencies
    from .profiles import read_profiles
    from .report import write_by_class, write_results
    from .search import KinshipSearch

    try:
        freqs = load_frequencies(args.frequencies, renormalise=args.renormalise, population=args.population)
        if args.apply_minimum:
            freqs = apply_minimum_frequency(freqs, floor=args.min_frequency)
        profiles = read_profiles(args.profiles)
        bad = sorted({p.role for p in profiles} - {"child", "reference"})
        if bad:
            raise KinshipError(f"{args.profiles}: role(s) {bad} unknown; use 'child' or 'reference'")
        children = [p for p in profiles if p.role == "child"]
        refs = [p for p in profiles if p.role == "reference"]
        queries, database = (refs, children) if args.reverse else (children, refs)
        search = KinshipSearch.from_profiles(queries, database, freqs, _settings(args))
        results = search.run(workers=args.workers)
    except (KinshipError, OSError) as exc:
        print(f"kinship search: {exc}", file=sys.stderr)
        return 2
    write_results(results, args.out, reverse=args.reverse)
    if args.by_class:
        write_by_class(results, args.by_class, reverse=args.reverse)
    for note in search.notes:
        print(f"note: {note}")
    found = sum(r.status == "ok" for r in results)
    for r in results:
        if r.status == "too_few_loci":
            print(f"warning: {r.query_id}: not searched, {r.message}", file=sys.stderr)
    print(
        f"{len(results)} queries against {len(database)} profiles over {len(search.tables)} loci: "
        f"{found} with a candidate at LR >= {args.threshold:g}, "
        f"{sum(r.status == 'no_candidate_above_threshold' for r in results)} without, "
        f"{sum(r.status == 'too_few_loci' for r in results)} not searched (too few loci); wrote {args.out}"
    )
    return 0


def _pair(args: argparse.Namespace) -> int:
    from .errors import KinshipError
    from .frequencies import load_frequencies
    from .pair import pair_lr, pair_lrs_all_classes
    from .profiles import read_profiles

    try:
        freqs = load_frequencies(args.frequencies, renormalise=args.renormalise)
        profiles = {p.profile_id: p for p in read_profiles(args.profiles)}
        missing = [pid for pid in (args.child, args.candidate) if pid not in profiles]
        if missing:
            raise KinshipError(f"{args.profiles}: no profile {missing}")
        child, cand = profiles[args.child], profiles[args.candidate]
        kw = {"mutation": _mutation(args), "theta": args.theta, "min_frequency": args.min_frequency,
              "candidate_sex": args.candidate_sex or cand.sex or "M"}  # fmt: skip
        if args.relationship == "all":
            results = list(pair_lrs_all_classes(child, cand, freqs, **kw).values())
        else:
            results = [pair_lr(child, cand, args.relationship, freqs, **kw)]
    except (KinshipError, OSError) as exc:
        print(f"kinship pair: {exc}", file=sys.stderr)
        return 2
    first = results[0]
    print(
        f"{'locus':<12} {'child':<12} {'candidate':<12} " + " ".join(f"{r.relationship:>14}" for r in results)
    )
    for k, row in enumerate(first.loci):
        lrs = " ".join(f"{r.loci[k].lr:>14.6g}" for r in results)
        mark = "" if row.shares_allele else "  (no shared allele)"
        print(f"{row.locus:<12} {'/'.join(row.child):<12} {'/'.join(row.candidate):<12} {lrs}{mark}")
    print(f"{'LR':<38} " + " ".join(f"{r.lr:>14.6g}" for r in results))
    print(f"loci compared: {first.loci_compared}; inconsistent (no shared allele): "
          f"{', '.join(first.inconsistent_loci) or 'none'}")  # fmt: skip
    if first.not_compared:
        print(f"typed in one profile only (not compared): {', '.join(first.not_compared)}")
    for note in first.notes:
        print(f"note: {note}")
    if len(results) > 1:
        print(f"best class: {first.relationship} (LR {first.lr:.6g})")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from .errors import KinshipError
    from .frequencies import load_frequencies
    from .profiles import write_profiles
    from .search import DEFAULT_MUTATION
    from .simulate import searching_family_profiles

    try:
        freqs = load_frequencies(args.frequencies)
    except (KinshipError, OSError) as exc:
        print(f"kinship simulate: {exc}", file=sys.stderr)
        return 2
    loci = [freqs[n] for n in freqs.names()]
    out = searching_family_profiles(
        loci, args.families, args.seed, mutation=DEFAULT_MUTATION, n_unrelated=args.unrelated
    )
    write_profiles(out, args.out)
    print(f"wrote {len(out)} profiles ({args.families} families, {args.unrelated} unrelated) to {args.out}")
    return 0
