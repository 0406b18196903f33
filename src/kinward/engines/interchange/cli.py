"""`kinward interchange validate DIR`: check a dataset against the interchange format and list every problem."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `interchange` command (once, even when registered from two modules)."""
    if "interchange" in subparsers.choices:
        return
    parser = subparsers.add_parser("interchange", help="validate datasets in the Kinward interchange format")
    commands = parser.add_subparsers(dest="interchange_command", metavar="ACTION")
    validate = commands.add_parser("validate", help="check a dataset folder: schemas, references, manifest")
    validate.add_argument("path", metavar="DIR", help="dataset folder holding manifest.json and <type>.jsonl")
    validate.add_argument("--max-problems", type=int, default=50, help="problems to print (default 50)")
    validate.set_defaults(func=run_validate)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def run_validate(args: argparse.Namespace) -> int:
    """Validate the dataset at args.path; print counts and problems. Exit 0 when clean, 1 otherwise."""
    from kinward.engines.interchange.reader import DatasetError
    from kinward.engines.interchange.validate import validate_dataset

    try:
        report = validate_dataset(args.path, max_problems=max(args.max_problems, 0))
    except DatasetError as exc:
        print(f"error: {exc}")
        return 2
    if report.refused:
        print(f"refused: {args.path}")
    else:
        print(f"{'type':<22}{'accepted':>10}{'rejected':>10}")
        for record_type, accepted in report.accepted.items():
            print(f"{record_type:<22}{accepted:>10}{report.rejected[record_type]:>10}")
        total_a, total_r = sum(report.accepted.values()), sum(report.rejected.values())
        print(f"{'total':<22}{total_a:>10}{total_r:>10}")
    for problem in report.problems:
        print(problem)
    if report.problem_count > len(report.problems):
        print(f"... and {report.problem_count - len(report.problems)} more problems")
    print(f"{report.problem_count} problems")
    return 0 if report.ok else 1
