"""`kinward demo`: a demo country with one person per role, seeded data, served on localhost."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from kinward.apps.accounts.models import Agency, Region, User
from kinward.apps.accounts.roles import catalogue
from kinward.apps.accounts.services import agency_create, user_create

DEMO_PASSWORD = "Kinward-demo-2026"  # documented in README.md: demo data only, never a real deployment


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str


# Apps that seed their own demo content once the country and its people exist, in this order.
DEMO_SEEDING_APPS = ("cases", "tips", "reunification", "watch", "reporting")


def demo_country_ensure(*, births: int, seed: int, stdout: TextIO) -> Path:
    """Generate the synthetic country (once) and import it through the registry's services."""
    from kinward.apps.registry.importer import dataset_import
    from kinward.engines.synth import SynthOptions, generate_dataset

    dataset = Path(settings.DATA_DIR) / "synth"
    if not (dataset / "manifest.json").exists():
        stdout.write(f"Generating a synthetic country of {births} births (seed {seed}) in {dataset}\n")
        # Dated up to today, so that the nightly live scan (which measures waiting times from today) sees a
        # registry that is current, as a real one is, and not two years of pregnancies that all "vanished".
        generate_dataset(dataset, SynthOptions(births=births, seed=seed, now=timezone.localdate()))
    report = dataset_import(dataset)
    accepted = sum(report.accepted.values())
    stdout.write(f"Imported {accepted} records ({sum(report.unchanged.values())} already there, "
                 f"{report.total_rejected} rejected)\n")
    country = Region.objects.filter(level=Region.Level.COUNTRY).order_by("pk").first()
    if country is not None and not Agency.objects.filter(kind=Agency.Kind.OVERSIGHT_BODY).exists():
        # The interchange format has no oversight bodies; the auditor of the demo works for this one.
        agency_create(name="National Child Protection Oversight Commission", kind=Agency.Kind.OVERSIGHT_BODY,
                      region=country)
    return dataset


def demo_people_ensure() -> list[DemoLogin]:
    """One person per role, in the first agency of a kind that holds the role."""
    logins = []
    for code, role in catalogue().roles.items():
        agencies = Agency.objects.order_by("pk")
        if role.agency_kinds:
            agencies = agencies.filter(kind__in=role.agency_kinds)
        else:  # a role held in any agency (system administration) sits at the national level in the demo
            agencies = agencies.filter(region__level=Region.Level.COUNTRY)
        agency = agencies.first()
        if agency is None:
            continue
        if not User.objects.filter(username=code).exists():
            user_create(actor=None, username=code, password=DEMO_PASSWORD, agency=agency, roles=[code])
        logins.append(DemoLogin(code, role.title, agency.name))
    return logins


def demo_prepare(*, births: int, seed: int, stdout: TextIO = sys.stdout) -> list[DemoLogin]:
    """Everything the demo shows: the country, one person per role, alerts from the rules, each app's content.

    Idempotent: running the demo again reuses the data folder and adds nothing twice.
    """
    from kinward.apps.alerts.services import alerts_scan_dataset

    dataset = demo_country_ensure(births=births, seed=seed, stdout=stdout)
    logins = demo_people_ensure()
    report = alerts_scan_dataset(dataset_dir=dataset)
    stdout.write(f"Red-flag rules: {report.created} new alerts ({report.seen_again} already queued)\n")
    for app in DEMO_SEEDING_APPS:
        module = import_module(f"kinward.apps.{app}.demo")
        if app == "watch":
            module.demo_seed(stdout=stdout, dataset_dir=dataset)
        else:
            module.demo_seed(stdout=stdout)
    return logins


def print_logins(logins: list[DemoLogin], url: str, stdout: TextIO) -> None:
    stdout.write(f"\nKinward demo at {url}\nEvery demo account's password: {DEMO_PASSWORD}\n\n")
    width = max(len(login.username) for login in logins)
    for login in logins:
        stdout.write(f"  {login.username.ljust(width)}  {login.role} — {login.agency}\n")
    stdout.write("\nPress Ctrl-C to stop.\n")
    stdout.flush()


def demo_serve(*, host: str, port: int, logins: list[DemoLogin]) -> int:
    """Serve the demo with Django's threaded server and the task queue running in-process."""
    from django.core.servers.basehttp import WSGIServer, run

    from kinward.apps.jobs.services import worker_start_in_thread
    from kinward.config.wsgi import application

    _thread, stop = worker_start_in_thread()
    print_logins(logins, f"http://{host}:{port}/", sys.stdout)
    try:
        run(host, port, application, threading=True, server_cls=WSGIServer)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
    return 0
