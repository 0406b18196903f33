"""`kinward demo`: a demo country with one person per role, seeded data, served on localhost."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction

from kinward.apps.accounts.models import Agency, Region, User
from kinward.apps.accounts.roles import catalogue
from kinward.apps.accounts.services import agency_create, region_create, user_create

DEMO_PASSWORD = "Kinward-demo-2026"  # documented in README.md: demo data only, never a real deployment


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    agency: str


# A small demo country used until the synthetic country's own regions and agencies are imported.
DEMO_REGIONS = (
    ("ID", "Indonesia (demo)", "country", None),
    ("ID-JB", "Jawa Barat", "province", "ID"),
    ("ID-JB-BDG", "Kota Bandung", "district", "ID-JB"),
    ("ID-JB-BKS", "Kota Bekasi", "district", "ID-JB"),
    ("ID-RI", "Kepulauan Riau", "province", "ID"),
    ("ID-RI-BTM", "Kota Batam", "district", "ID-RI"),
)
DEMO_AGENCIES = (
    ("RSUD Bandung", "public_hospital", "ID-JB-BDG"),
    ("Klinik Harapan Batam", "private_clinic", "ID-RI-BTM"),
    ("Rumah Bersalin Bekasi", "maternity_home", "ID-JB-BKS"),
    ("Dukcapil Kota Bandung", "registry_office", "ID-JB-BDG"),
    ("Pengadilan Agama Bandung", "adoption_authority", "ID-JB"),
    ("Polda Jawa Barat, Unit PPA", "police_unit", "ID-JB"),
    ("Dinas Sosial Jawa Barat", "child_protection", "ID-JB"),
    ("Yayasan Pelindung Anak", "ngo", "ID-JB-BDG"),
    ("Laboratorium DNA Pusdokkes", "dna_lab", "ID"),
    ("Badan Pusat Statistik", "statistics_office", "ID"),
    ("Ombudsman Perlindungan Anak", "oversight_body", "ID"),
)


def demo_country_ensure() -> None:
    if Region.objects.exists():
        return
    with transaction.atomic():
        made: dict[str, Region] = {}
        for code, name, level, parent in DEMO_REGIONS:
            made[code] = region_create(code=code, name=name, level=level, parent=made.get(parent) if parent else None)
        for name, kind, region in DEMO_AGENCIES:
            agency_create(name=name, kind=kind, region=made[region])


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
    demo_country_ensure()
    return demo_people_ensure()


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
