"""Shared fixtures: a synthetic registry office with a real Ed25519 signer key file and its published key list."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kinward.engines.credentials import (
    BirthClaims,
    IssuerKey,
    Keyring,
    Signer,
    generate_signer_key,
    load_signer,
    published_key,
    write_signer_key,
)

OFFICE = "Hoan Kiem District Civil Registry"
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
KEY_SINCE = NOW - timedelta(days=30)


def make_claims(**changes: object) -> BirthClaims:
    """A synthetic birth registered at NOW (no real person)."""
    claims = BirthClaims(
        newborn_id="KW-7Q4M-92XD-3",
        date_of_birth=date(2026, 4, 30),
        sex="F",
        facility_name="Provincial Obstetrics Hospital",
        region_code="VN-HN",
        issuing_office=OFFICE,
        issued_at=NOW,
        log_index=1234,
        tree_size=1300,
        root_hash=hashlib.sha256(b"synthetic checkpoint 1300").digest(),
    )
    return replace(claims, **changes)


def new_signer(folder: Path, name: str = "signer.pem") -> Signer:
    """A fresh Ed25519 key written to and loaded back from a real PEM file."""
    path = folder / name
    write_signer_key(path, generate_signer_key())
    return load_signer(path)


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return new_signer(tmp_path)


@pytest.fixture
def office_key(signer: Signer) -> IssuerKey:
    return published_key(signer, issuer=OFFICE, valid_from=KEY_SINCE)


@pytest.fixture
def keyring(office_key: IssuerKey) -> Keyring:
    return Keyring([office_key])


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(name="make_claims")
def make_claims_fixture():
    return make_claims


@pytest.fixture(name="new_signer")
def new_signer_fixture(tmp_path: Path):
    counter = iter(range(1000))
    return lambda: new_signer(tmp_path, f"signer-{next(counter)}.pem")
