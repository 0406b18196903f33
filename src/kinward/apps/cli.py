"""Subcommands of `kinward` that need the web application (database, settings).

Django is set up inside each handler, so `kinward --help` and the offline engine commands stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kinward.config.settings")
    import django

    django.setup()


def migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)
    from kinward.apps.accounts.services import roles_sync
    from kinward.apps.jobs.services import schedules_ensure

    roles_sync()
    schedules_ensure()


# --- handlers ----------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("KINWARD_DATA_DIR", os.path.abspath(args.data_dir))
    os.environ.setdefault("KINWARD_DEBUG", "false")
    django_setup()
    from kinward.apps.core.demo import demo_prepare, demo_serve

    migrate()
    logins = demo_prepare(births=args.births, seed=args.seed, stdout=sys.stdout)
    if args.no_serve:
        return 0
    return demo_serve(host=args.host, port=args.port, logins=logins)


def cmd_serve(args: argparse.Namespace) -> int:
    django_setup()
    from django.core.management import call_command

    migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    command = [sys.executable, "-m", "gunicorn", "kinward.config.wsgi:application", "--bind", args.bind,
               "--workers", str(args.workers), "--access-logfile", "-"]
    os.execvp(command[0], command)
    return 0  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    django_setup()
    from kinward.apps.jobs.services import worker_run

    migrate()
    print(f"kinward worker: running the task queue every {args.interval} s (Ctrl-C to stop)", flush=True)
    try:
        worker_run(interval=args.interval, max_loops=args.max_loops)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    django_setup()
    from kinward.apps.core.checks import run_checks

    problems = run_checks(deploy=args.deploy, stdout=sys.stdout)
    return 1 if problems else 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    django_setup()
    from kinward.apps.audit.selectors import audit_chain_verify

    report = audit_chain_verify()
    if report.ok:
        print(f"audit trail intact: {report.checked} entries checked")
        return 0
    print(f"audit trail BROKEN at entry {report.first_broken_seq}: {report.problem}")
    return 1


def cmd_docs_roles(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kinward.apps.accounts.roles import render_roles_markdown

    target = Path(args.out)
    text = render_roles_markdown()
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is stale: run `kinward docs roles`")
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    django_setup()
    migrate(verbosity=1)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="create or upgrade the demo database, seed a synthetic country, serve it")
    demo.add_argument("--data-dir", default="data", help="folder for the database and keys (default: ./data)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--births", type=int, default=3000, help="size of the synthetic country (births)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--no-serve", action="store_true", help="prepare the data and exit")
    demo.set_defaults(func=cmd_demo)

    serve = subparsers.add_parser("serve", help="run the production web server (gunicorn)")
    serve.add_argument("--bind", default="127.0.0.1:8000")
    serve.add_argument("--workers", type=int, default=2)
    serve.set_defaults(func=cmd_serve)

    worker = subparsers.add_parser("worker", help="run background tasks and periodic schedules")
    worker.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    worker.add_argument("--max-loops", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker)

    check = subparsers.add_parser("check", help="check configuration, database, keys and the audit chain")
    check.add_argument("--deploy", action="store_true", help="also run Django's deployment checks")
    check.set_defaults(func=cmd_check)

    migrate_parser = subparsers.add_parser("migrate", help="create or upgrade the database")
    migrate_parser.set_defaults(func=cmd_migrate)

    audit = subparsers.add_parser("audit", help="audit trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION")
    verify = audit_sub.add_parser("verify", help="check the hash chain and report the first broken link")
    verify.set_defaults(func=cmd_audit_verify)

    docs = subparsers.add_parser("docs", help="generate documentation pages from data")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="PAGE")
    roles = docs_sub.add_parser("roles", help="write docs/roles-and-permissions.md from roles.yaml")
    roles.add_argument("--out", default="docs/roles-and-permissions.md")
    roles.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    roles.set_defaults(func=cmd_docs_roles)
