"""`kinward check`: configuration and integrity checks an operator runs after install, upgrade or restore."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def _django_checks(deploy: bool) -> CheckResult:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=deploy, fail_level="WARNING", verbosity=0)
    except SystemCheckError as failed:
        return CheckResult("django system checks", False, str(failed).strip().splitlines()[-1])
    return CheckResult("django system checks", True, "no issues" + (" (with deployment checks)" if deploy else ""))


def _database() -> CheckResult:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as failed:  # the database is unreachable or broken: say so plainly
        return CheckResult("database", False, f"cannot use the database: {failed}")
    if pending:
        return CheckResult("database", False, f"{len(pending)} migration(s) not applied: run `kinward migrate`")
    return CheckResult("database", True, f"{connection.vendor}, schema up to date")


def _key_files() -> CheckResult:
    from django.conf import settings

    problems = []
    for path in [Path(settings.SECRET_KEY_FILE)]:
        if not path.exists():
            problems.append(f"{path} missing")
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            problems.append(f"{path} is readable by others (mode {mode:o}); run chmod 600")
    return CheckResult("key files", not problems, "; ".join(problems) or "present and private")


def _roles() -> CheckResult:
    from kinward.apps.accounts.roles import RoleDataError, catalogue

    try:
        cat = catalogue()
    except RoleDataError as bad:
        return CheckResult("roles", False, str(bad))
    return CheckResult("roles", True, f"{len(cat.roles)} roles, {len(cat.actions)} actions")


def _audit_chain() -> CheckResult:
    from kinward.apps.audit.selectors import audit_chain_verify

    report = audit_chain_verify()
    detail = f"{report.checked} entries intact" if report.ok else f"broken at {report.first_broken_seq}: {report.problem}"
    return CheckResult("audit chain", report.ok, detail)


def run_checks(*, deploy: bool, stdout: TextIO) -> list[CheckResult]:
    """Run every check, print one line each, return the failures."""
    results = [_django_checks(deploy), _database(), _key_files(), _roles()]
    if results[1].ok:
        results.append(_audit_chain())
    for result in results:
        stdout.write(f"[{'ok' if result.ok else 'FAIL'}] {result.name}: {result.detail}\n")
    return [r for r in results if not r.ok]
