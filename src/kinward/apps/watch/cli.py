"""`kinward posts ...`: import a file of online posts, poll the feeds that are due, apply the retention
policy, retrain the classifier from analysts' decisions (the textwatch engine's own `kinward watch` works on
files without the database)."""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_import(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from django.core.exceptions import ValidationError

    from kinward.apps.accounts.models import Agency
    from kinward.apps.watch.importers import read_post_file
    from kinward.apps.watch.services import WATCH_SYSTEM, _import_records, setting

    agency = Agency.objects.filter(pk=args.agency_id).first()
    if agency is None:
        print(f"no agency with id {args.agency_id}")
        return 2
    path = Path(args.file)
    try:
        records = read_post_file(
            path.name, path.read_bytes(), max_chars=setting("WATCH_POST_MAX_CHARS", 20000)
        )
        report = _import_records(
            actor=WATCH_SYSTEM,
            agency_id=agency.pk,
            name=f"File import: {path.name}",
            records=records,
            platform=args.platform,
        )
    except ValidationError as invalid:
        print("refused: " + " ".join(invalid.messages))
        return 1
    print(
        f"{report.read} records: {report.created} new posts ({report.risky} risky, waiting for review), "
        f"{report.duplicates} already held"
    )
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.watch.services import feeds_poll_due

    results = feeds_poll_due()
    for result in results:
        state = f"{result.created} new, {result.duplicates} known" if result.ok else f"FAILED: {result.error}"
        print(f"source {result.source_id}: {state}")
    print(f"{len(results)} feeds polled, {sum(not r.ok for r in results)} failed")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.watch.services import benign_posts_purge

    print(f"{benign_posts_purge(days=args.days)} benign, undecided posts deleted")
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from django.core.exceptions import ValidationError

    from kinward.apps.watch.services import model_retrain_from_decisions

    try:
        version = model_retrain_from_decisions()
    except ValidationError as invalid:
        print("not retrained: " + " ".join(invalid.messages))
        return 1
    print(f"version {version.version} from {version.n_decisions} decisions is active ({version.path})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    posts = subparsers.add_parser(
        "posts", help="online posts in the database: import, poll feeds, purge, retrain"
    )
    sub = posts.add_subparsers(dest="posts_command", metavar="ACTION")
    imp = sub.add_parser(
        "import", help="import a .jsonl or .csv file of posts for an agency and classify them"
    )
    imp.add_argument("file")
    imp.add_argument("--agency-id", type=int, required=True, help="the agency that holds the posts")
    imp.add_argument("--platform", default="", help="platform to record when the file does not say")
    imp.set_defaults(func=cmd_import)
    sub.add_parser("poll", help="poll every feed that is due").set_defaults(func=cmd_poll)
    purge = sub.add_parser("purge", help="delete old benign posts no analyst decided on (retention)")
    purge.add_argument("--days", type=int, default=None, help="default: KINWARD_WATCH_BENIGN_RETENTION_DAYS")
    purge.set_defaults(func=cmd_purge)
    sub.add_parser("retrain", help="retrain the classifier from analysts' decisions").set_defaults(
        func=cmd_retrain
    )
