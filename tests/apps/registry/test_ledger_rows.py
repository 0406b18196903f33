"""The ledger audit rebuilds each fact's leaf from its current row (births, custody events, pregnancy events,
completed registrations, with the write path's own leaf builders): a row changed in the database after it was
logged fails the audit, named by kind, event id (and ref) and leaf index; untouched facts written through the
pages, the API, the services or an import pass; `--rows sample|none` trade that check for time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kinward.apps.registry.antenatal import pregnancy_end_record
from kinward.apps.registry.importer import dataset_import
from kinward.apps.registry.ledger_audit import SAMPLE_EVERY, ledger_audit
from kinward.apps.registry.models import (
    AdoptiveParent,
    Birth,
    CustodyEvent,
    Person,
    PregnancyEvent,
    Registration,
)
from kinward.apps.registry.services import CustodyInput, custody_event_record
from kinward.engines.synth.generate import SynthOptions, generate_dataset
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


@pytest.fixture(autouse=True)
def ledger_key(settings, tmp_path):
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth") / "country"
    generate_dataset(folder, SynthOptions(births=200, seed=5))
    return folder


def custody_api(world, child, body, persona="clerk"):
    return signed_in_client(world.people[persona]).post(
        f"/api/v1/registry/children/{child.newborn_id}/custody-events", body, content_type="application/json"
    )


def adoption_body(world, **overrides) -> dict:
    body = {
        "type": "adoption_order",
        "time": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "authority_id": world.court.pk,
        "adoption_agency_id": world.adoption_agency.pk,
        "decision_number": "12/Pdt.P/2026/PN",
        "decided_on": str(timezone.localdate()),
        "adoptive_parents": [
            {
                "given_name": "Rina",
                "family_name": "Kusuma",
                "id_document": {"type": "national_id", "number": "3174000000000123", "country": "ID"},
            },
            {
                "given_name": "Budi",
                "family_name": "Kusuma",
                "id_document": {"type": "passport", "number": "C7654321", "country": "ID"},
            },
        ],
    }
    body.update(overrides)
    return body


def facts_through_the_services(world) -> dict:
    """A birth with a discharge (API), a transfer and a death (services), an adoption order (API), a birth
    registered on time and a pregnancy ended by a loss."""
    clerk = actor_of(world.people["clerk"])
    discharged = rh.a_birth(world)
    assert custody_api(world, discharged, rh.discharge_body()).status_code == 201
    moved = rh.a_birth(world)
    custody_event_record(
        actor=clerk,
        child=moved,
        data=CustodyInput(
            type="transfer", time=moved.time + dt.timedelta(hours=2), facility=world.hospital,
            to_facility=world.other_hospital,
        ),
    )  # fmt: skip
    died = rh.recorded_death(world)
    officer = rh.adoption_officer(world)
    adopted = rh.a_birth(world)
    response = signed_in_client(officer).post(
        f"/api/v1/registry/children/{adopted.newborn_id}/custody-events",
        adoption_body(world),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    registered = rh.registered_birth(world)
    pregnancy = rh.a_pregnancy(world)
    loss = pregnancy_end_record(
        actor=clerk, pregnancy=pregnancy, type="loss", date=timezone.localdate() - dt.timedelta(days=1)
    )
    return {
        "discharge": CustodyEvent.objects.get(child=discharged),
        "transfer": CustodyEvent.objects.get(child=moved),
        "death": died,
        "adoption": CustodyEvent.objects.get(child=adopted),
        "birth": discharged,
        "registration": Registration.objects.get(birth=registered),
        "loss": loss,
    }


def problem_about(report, text: str) -> str:
    found = [p for p in report.problems if text in p]
    assert found, report.problems
    return found[0]


def test_untouched_facts_written_through_the_services_and_the_api_pass_with_every_row_rebuilt(world):
    facts = facts_through_the_services(world)
    report = ledger_audit()
    assert report.ok, report.problems
    rebuilt = Birth.objects.count() + CustodyEvent.objects.count() + PregnancyEvent.objects.count() + 1 + 1
    assert report.rows_rebuilt == rebuilt  # + the enrolment and the completed registration
    assert facts["registration"].ledger_index is not None


def test_a_birth_changed_in_the_database_fails_the_audit_naming_it_and_its_leaf(world):
    facts = facts_through_the_services(world)
    birth = facts["birth"]
    other_mother = Person.objects.exclude(pk=birth.mother_id).first()
    changes = {
        "mother": {"mother": other_mother},
        "time": {"time": birth.time - dt.timedelta(hours=6)},
        "facility": {"facility": world.other_hospital},
        "weight": {"weight_g": 2100},
    }
    for what, change in changes.items():
        before = Birth.objects.filter(pk=birth.pk).values(*[f"{k}_id" if k in ("mother", "facility") else k
                                                             for k in change]).get()  # fmt: skip
        Birth.objects.filter(pk=birth.pk).update(**change)
        report = ledger_audit()
        assert not report.ok, what
        problem = problem_about(report, f"birth {birth.event_id}")
        assert f"leaf {birth.ledger_index} is not the leaf its row gives now" in problem, what
        assert report.rows_changed == 1, report.problems
        Birth.objects.filter(pk=birth.pk).update(**before)
        assert ledger_audit().ok, what
    # the mother's own row is committed to in the birth's leaf: changing her document is caught as well
    Person.objects.filter(pk=birth.mother_id).update(id_document_number="0000000000000000")
    report = ledger_audit()
    assert f"birth {birth.event_id}" in " ".join(report.problems)


def test_custody_events_changed_in_the_database_fail_the_audit_naming_kind_event_and_leaf(world):
    facts = facts_through_the_services(world)
    someone_else = Person.objects.create(given_name="Orang", family_name="Lain")
    tampering = [
        ("discharge", lambda e: CustodyEvent.objects.filter(pk=e.pk).update(to_person=someone_else)),
        ("transfer", lambda e: CustodyEvent.objects.filter(pk=e.pk).update(to_facility=world.hospital)),
        ("death", lambda e: CustodyEvent.objects.filter(pk=e.pk).update(cause="fell")),
        (
            "adoption",
            lambda e: AdoptiveParent.objects.filter(event=e, position=1).update(person=someone_else),
        ),
        ("adoption", lambda e: CustodyEvent.objects.filter(pk=e.pk).update(decision_number="99/2026")),
    ]
    for name, tamper in tampering:
        event = facts[name]
        row = CustodyEvent.objects.values().get(pk=event.pk)
        links = list(AdoptiveParent.objects.filter(event=event).values_list("pk", "person_id"))
        tamper(event)
        report = ledger_audit()
        problem = problem_about(report, f"custody.{event.type} {event.event_id}")
        assert f"leaf {event.ledger_index} is not the leaf its row gives now" in problem, name
        assert report.rows_changed == 1, (name, report.problems)
        CustodyEvent.objects.filter(pk=event.pk).update(**{k: v for k, v in row.items() if k != "id"})
        for pk, person_id in links:
            AdoptiveParent.objects.filter(pk=pk).update(person_id=person_id)
        assert ledger_audit().ok, name


def test_a_pregnancy_event_and_a_registration_changed_afterwards_fail_the_audit(world):
    facts = facts_through_the_services(world)
    loss, registration = facts["loss"], facts["registration"]
    PregnancyEvent.objects.filter(pk=loss.pk).update(date=loss.date - dt.timedelta(days=3))
    problem = problem_about(ledger_audit(), f"pregnancy.loss {loss.event_id}")
    assert f"leaf {loss.ledger_index}" in problem
    PregnancyEvent.objects.filter(pk=loss.pk).update(date=loss.date)
    Registration.objects.filter(pk=registration.pk).update(is_late=True)
    problem = problem_about(ledger_audit(), f"birth.registered {registration.birth.event_id}")
    assert f"leaf {registration.ledger_index}" in problem
    Registration.objects.filter(pk=registration.pk).update(is_late=False)
    Registration.objects.filter(pk=registration.pk).update(completed_at=timezone.now() - dt.timedelta(days=9))
    assert not ledger_audit().ok


def test_an_imported_dataset_passes_and_a_changed_imported_row_is_named_by_its_ref(world, dataset):
    report = dataset_import(dataset, batch_size=50)
    assert report.total_rejected == 0, report.problems[:3]
    audit = ledger_audit()
    assert audit.ok, audit.problems
    assert audit.rows_rebuilt >= Birth.objects.count() + CustodyEvent.objects.count()
    birth = Birth.objects.exclude(external_ref="").order_by("pk").first()
    Birth.objects.filter(pk=birth.pk).update(sex="male" if birth.sex != "male" else "female")
    event = CustodyEvent.objects.filter(type="discharge").order_by("pk").first()
    CustodyEvent.objects.filter(pk=event.pk).update(relationship_detail="a stranger")
    problems = ledger_audit().problems
    assert any(f"birth {birth.event_id} (ref {birth.external_ref!r}): leaf {birth.ledger_index}" in p
               for p in problems), problems  # fmt: skip
    assert any(
        f"custody.discharge {event.event_id} (ref {event.external_ref!r}): leaf {event.ledger_index}" in p
        for p in problems
    ), problems


def test_rows_none_skips_the_row_check_and_sample_checks_a_random_share(world, capsys):
    from kinward.cli import main as kinward

    births = [rh.a_birth(world) for _ in range(SAMPLE_EVERY)]
    Birth.objects.filter(pk__in=[b.pk for b in births]).update(weight_g=999)  # every birth changed
    none = ledger_audit(rows="none")
    assert none.ok and none.rows_rebuilt == 0
    sample = ledger_audit(rows="sample")
    assert sample.rows_rebuilt == 1 and sample.rows_changed == 1  # one pk in SAMPLE_EVERY, whichever
    assert "a sample of one in 20" in sample.lines()[0]
    assert ledger_audit().rows_changed == SAMPLE_EVERY
    with pytest.raises(ValueError, match="rows must be one of"):
        ledger_audit(rows="some")
    assert kinward(["ledger", "audit", "--rows", "none"]) == 0
    assert kinward(["registry", "ledger-audit", "--rows", "all"]) == 1
    out = capsys.readouterr().out
    assert "rows not rebuilt into their leaves (--rows none)" in out and "problem: birth" in out


def test_an_event_given_fields_of_another_type_still_passes(world):
    """A row holding an adoptive parent on a discharge (the API refuses such a body since
    `services.custody_foreign_fields`, test_custody_fields.py; a service caller can still write one): it is in the
    leaf, and in the rebuild."""
    from kinward.apps.registry.services import PersonData, person_resolve

    child = rh.a_birth(world)
    parent = person_resolve(
        data=PersonData(
            given_name="Rina",
            id_document_type="passport",
            id_document_number="C0000077",
            id_document_country="ID",
        )
    )
    response = custody_api(world, child, rh.discharge_body(adoptive_parents=[{"given_name": "Rina"}]))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "adoptive_parents"
    custody_event_record(
        actor=actor_of(world.people["clerk"]),
        child=child,
        data=CustodyInput(
            type="discharge",
            time=timezone.now() - dt.timedelta(hours=1),
            to=parent,
            relationship="legal_guardian",
            id_document_checked=True,
            adoptive_parents=(parent,),
        ),
    )
    assert AdoptiveParent.objects.filter(event__child=child).exists()
    assert ledger_audit().ok


def test_an_imported_certificate_or_adoption_file_changed_afterwards_fails_the_audit(world, dataset):
    from kinward.apps.registry.models import AdoptionFile, Certificate

    dataset_import(dataset, batch_size=50)
    assert ledger_audit().ok
    certificate = Certificate.objects.exclude(ledger_index=None).order_by("pk").first()
    Certificate.objects.filter(pk=certificate.pk).update(
        issued_on=certificate.issued_on - dt.timedelta(days=1)
    )
    file = AdoptionFile.objects.exclude(ledger_index=None).order_by("pk").first()
    AdoptionFile.objects.filter(pk=file.pk).update(
        adoptive_parents=list(reversed(file.adoptive_parents)) + [1]
    )
    problems = ledger_audit().problems
    assert any(
        f"certificate {certificate.public_id} (ref {certificate.external_ref!r}): leaf {certificate.ledger_index}"
        in p
        for p in problems
    ), problems
    assert any(f"adoption_file {file.public_id}" in p and f"leaf {file.ledger_index}" in p for p in problems)


def test_an_imported_abandonment_report_changed_afterwards_fails_the_audit(world, dataset):
    from kinward.apps.registry.models import AbandonmentReport

    dataset_import(dataset, batch_size=50)
    report = AbandonmentReport.objects.exclude(ledger_index=None).order_by("pk").first()
    assert report is not None and report.reported_at_offset is not None and report.found_at_offset is not None
    assert ledger_audit().ok  # rebuilt in the offsets the dataset gave the times
    AbandonmentReport.objects.filter(pk=report.pk).update(place=report.place + " (moved)")
    problems = ledger_audit().problems
    assert any(
        f"abandonment_report {report.public_id} (ref {report.external_ref!r}): leaf {report.ledger_index}" in p
        for p in problems
    ), problems
    # a report imported before the offsets were kept is matched to its leaf but not rebuilt
    AbandonmentReport.objects.filter(pk=report.pk).update(found_at_offset=None)
    assert ledger_audit().ok
