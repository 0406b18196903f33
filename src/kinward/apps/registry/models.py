"""The civil-registry facts of Kinward: people named in records, staff, pregnancies, births and custody events.

Registry facts (a birth, a pregnancy event, a custody event) are immutable rows: nothing updates them, and a
correction is a new custody event pointing at the one it corrects. Each fact is also a leaf of the public
Merkle log (`LedgerLeaf`), written in the same transaction; the row keeps the leaf index and the per-record
secret that keys the salted commitments in the leaf (the secret never leaves the database).

Every row that can come from an interchange dataset keeps the dataset's `ref` as `external_ref` with the
dataset's `source`; the pair is unique per table, which is what makes a re-import change nothing.
"""

from __future__ import annotations

import os
import time
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency, Region


def event_uuid() -> uuid.UUID:
    """A new public event id: a version 7 UUID (RFC 9562 §5.7), the time of writing in milliseconds then 74 random
    bits. Ids written one after another sort together, so each unique index on them grows at its end: with
    random (version 4) ids a million-birth import inserted ~4 M keys at random places, rewriting a page of the
    index for nearly every fact. The id reveals when the row was written, nothing about the child."""
    rand = int.from_bytes(os.urandom(10), "big")
    value = (time.time_ns() // 1_000_000 & (1 << 48) - 1) << 80 | 7 << 76 | (rand >> 68) << 64
    return uuid.UUID(int=value | 2 << 62 | rand & (1 << 62) - 1)


class RowIdField(models.BigIntegerField):
    """A 64-bit key that is the rowid on SQLite (`integer PRIMARY KEY`), so appends go to the B-tree's end."""

    def db_type(self, connection):
        return "integer" if connection.vendor == "sqlite" else "bigint"


class ImmutableRow(models.Model):
    """A registry fact: inserted once, never updated or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} rows are immutable: record a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} rows are immutable")


def _ref_constraint(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["source", "external_ref"], condition=~Q(external_ref=""), name=name
    )


class ExternalReference(models.Model):
    """The dataset `ref` of a region or agency (accounts tables keep a ref but not its source)."""

    source = models.CharField(max_length=200)
    record_type = models.CharField(max_length=32)
    ref = models.CharField(max_length=200)
    object_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "record_type", "ref"], name="registry_extref_unique")
        ]


class Licence(models.Model):
    """An agency's operating licence, as the dataset states it (INTERCHANGE.md, agencies.licence)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="licence")
    number = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_to = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices)
    status_since = models.DateField(null=True, blank=True)


class Staff(models.Model):
    """A person working for one agency (a second agency means a second staff record). `name` is personal."""

    class Role(models.TextChoices):
        DOCTOR = "doctor", _("Doctor")
        MIDWIFE = "midwife", _("Midwife")
        NURSE = "nurse", _("Nurse")
        CLERK = "clerk", _("Clerk")
        REGISTRAR = "registrar", _("Registrar")
        SOCIAL_WORKER = "social_worker", _("Social worker")
        OTHER = "other", _("Other")

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=16, choices=Role.choices)
    name = models.CharField(max_length=300)
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [_ref_constraint("registry_staff_ref_unique")]


class Person(models.Model):
    """A mother, guardian or adoptive parent named in registry records. Every field but `sex` is personal.

    `ref` is not identity: two rows with the same identity document are the same person (linkage decides).
    """

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNKNOWN = "unknown", _("Unknown")

    class DocumentType(models.TextChoices):
        NATIONAL_ID = "national_id", _("National identity card")
        PASSPORT = "passport", _("Passport")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        OTHER = "other", _("Other document")

    given_name = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    id_document_type = models.CharField(max_length=24, choices=DocumentType.choices, blank=True, default="")
    id_document_number = models.CharField(max_length=100, blank=True, default="")
    id_document_country = models.CharField(max_length=2, blank=True, default="")
    phone = models.CharField(max_length=32, blank=True, default="")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [_ref_constraint("registry_person_ref_unique")]
        indexes = [
            models.Index(
                fields=["id_document_number", "id_document_type", "id_document_country"],
                name="registry_person_identity",
            )
        ]

    def personal_values(self) -> dict:
        """The personal fields, as committed to in ledger leaves (never published themselves)."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "id_document": [self.id_document_type, self.id_document_number, self.id_document_country],
            "phone": self.phone,
        }


class LedgerEntry(ImmutableRow):
    """What every registry fact shares: a public event id, its leaf in the log, and the commitment secret."""

    event_id = models.UUIDField(default=event_uuid, unique=True, editable=False)
    ledger_index = models.BigIntegerField(unique=True)
    record_secret = models.BinaryField()
    recorded_at = models.DateTimeField()
    recorded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_token_id = models.BigIntegerField(null=True, blank=True)
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        abstract = True


def _facility_scope(facility: Agency) -> Scope:
    return Scope(agency_id=facility.pk, region_path=facility.region.path, country=facility.country)


class Pregnancy(ImmutableRow):
    """Antenatal care of a woman at a facility: its enrolment, a registry fact like a birth.

    The row and its enrolment leaf (kind `pregnancy.enrolled`) are written together (`writes.pregnancies_write`);
    the leaf fields are null only on rows enrolled before enrolments were logged. `visits` holds the visit dates
    as enrolled or imported (INTERCHANGE.md, pregnancies.visits); a visit recorded later is an `AntenatalVisit`
    with a leaf of its own, so nothing updates this row (`visit_dates` gives both).
    """

    mother = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pregnancies")
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    enrolled_on = models.DateField()
    expected_date = models.DateField()
    visits = models.JSONField(default=list)
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")
    event_id = models.UUIDField(default=event_uuid, null=True, unique=True, editable=False)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    record_secret = models.BinaryField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_token_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [_ref_constraint("registry_pregnancy_ref_unique")]

    def access_scope(self) -> Scope:
        return _facility_scope(self.facility)

    def visit_dates(self) -> list[str]:
        """Every visit date (ISO), enrolled or imported ones and those recorded since, in date order."""
        recorded = [v.date.isoformat() for v in self.antenatal_visits.all()]
        return sorted({*self.visits, *recorded})


class AntenatalVisit(LedgerEntry):
    """An antenatal visit of an enrolled pregnancy recorded through Kinward (kind `pregnancy.visit`)."""

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="antenatal_visits")
    date = models.DateField()
    recorded_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            _ref_constraint("registry_antenatal_visit_ref_unique"),
            models.UniqueConstraint(fields=["pregnancy", "date"], name="registry_antenatal_visit_day"),
        ]

    def access_scope(self) -> Scope:
        return self.pregnancy.access_scope()


class PregnancyEvent(LedgerEntry):
    """The end of antenatal care without a birth here: a loss, a transfer out, or moving away."""

    class Type(models.TextChoices):
        LOSS = "loss", _("Pregnancy loss")
        TRANSFER_OUT = "transfer_out", _("Transferred to another facility")
        MOVED_AWAY = "moved_away", _("Moved away")

    pregnancy = models.ForeignKey(Pregnancy, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    date = models.DateField()
    facility = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [_ref_constraint("registry_pregnancy_event_ref_unique")]

    def access_scope(self) -> Scope:
        return self.pregnancy.access_scope()


class Birth(LedgerEntry):
    """One child born (alive or still): the newborn ID issued in the delivery room and the birth's facts."""

    class Outcome(models.TextChoices):
        LIVE = "live", _("Live birth")
        STILL = "still", _("Stillbirth")

    class MotherAbsentReason(models.TextChoices):
        FOUNDLING = "foundling", _("Foundling (mother not known)")
        MATERNAL_DEATH = "maternal_death", _("Mother died")
        WITHHELD = "withheld", _("Mother's identity withheld")
        OTHER = "other", _("Other reason")

    newborn_id = models.CharField(max_length=11, unique=True)
    delivery = models.CharField(max_length=200, db_index=True)
    pregnancy = models.ForeignKey(
        Pregnancy, null=True, blank=True, on_delete=models.PROTECT, related_name="births"
    )
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField(db_index=True)
    utc_offset = models.SmallIntegerField(
        default=0, help_text="minutes east of UTC where the birth took place"
    )
    attendant = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mother = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="births")
    mother_absent_reason = models.CharField(
        max_length=16, choices=MotherAbsentReason.choices, blank=True, default=""
    )
    sex = models.CharField(max_length=8, choices=Person.Sex.choices)
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)

    class Meta:
        constraints = [
            _ref_constraint("registry_birth_ref_unique"),
            models.CheckConstraint(
                condition=Q(mother__isnull=False) | ~Q(mother_absent_reason=""),
                name="registry_birth_mother_or_reason",
            ),
        ]

    def access_scope(self) -> Scope:
        return _facility_scope(self.facility)


class Registration(models.Model):
    """A registrar's registration of a notified birth; a late one waits for a second registrar's approval.

    This is workflow state around the immutable birth; its completion is itself a ledger leaf.
    """

    birth = models.OneToOneField(Birth, on_delete=models.PROTECT, related_name="registration")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    is_late = models.BooleanField(default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class CustodyEvent(LedgerEntry):
    """A change in who holds a child. Immutable; a `correction` points at the event it corrects.

    Only the fields of the event's type are filled (INTERCHANGE.md, custody_events).
    """

    class Type(models.TextChoices):
        DISCHARGE = "discharge", _("Discharge")
        TRANSFER = "transfer", _("Transfer")
        ABANDONMENT_FOUND = "abandonment_found", _("Abandonment found")
        ADOPTION_ORDER = "adoption_order", _("Adoption order")
        DEATH = "death", _("Death")
        CORRECTION = "correction", _("Correction")

    class Relationship(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
        OTHER = "other", _("Other person")

    child = models.ForeignKey(Birth, on_delete=models.PROTECT, related_name="custody_events")
    type = models.CharField(max_length=20, choices=Type.choices)
    time = models.DateTimeField()
    utc_offset = models.SmallIntegerField(default=0)
    facility = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # discharge
    to_person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(max_length=16, choices=Relationship.choices, blank=True, default="")
    relationship_detail = models.CharField(max_length=300, blank=True, default="")
    id_document_checked = models.BooleanField(null=True, blank=True)
    guardianship_document = models.JSONField(null=True, blank=True)
    # transfer
    to_facility = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # abandonment_found
    place = models.CharField(max_length=300, blank=True, default="")
    found_by = models.CharField(max_length=300, blank=True, default="")
    condition = models.CharField(max_length=300, blank=True, default="")
    # adoption_order
    authority = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_number = models.CharField(max_length=100, blank=True, default="")
    decided_on = models.DateField(null=True, blank=True)
    adoption_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adoptive_parents = models.ManyToManyField(Person, through="AdoptiveParent", related_name="+")
    # death
    cause = models.CharField(max_length=300, blank=True, default="")
    # correction
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    corrected_field = models.CharField(max_length=40, blank=True, default="")
    new_value = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [_ref_constraint("registry_custody_event_ref_unique")]
        indexes = [models.Index(fields=["child", "time"], name="registry_custody_child_time")]

    def access_scope(self) -> Scope:
        return self.child.access_scope()


class AdoptiveParent(models.Model):
    """An adoptive parent named by an adoption order (in the order given)."""

    event = models.ForeignKey(CustodyEvent, on_delete=models.PROTECT, related_name="adoptive_parent_links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class CorrectionProposal(models.Model):
    """A correction of a custody event, proposed by one person and decided by another (four eyes).

    Workflow state, not a registry fact: the correction itself is the `CustodyEvent` (and its ledger leaf) written
    when a different person with `registry.correction.approve` approves the proposal; a rejection keeps its
    reason and writes nothing. A proposal is decided once (`corrections.py`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    child = models.ForeignKey(Birth, on_delete=models.PROTECT, related_name="correction_proposals")
    corrects = models.ForeignKey(CustodyEvent, on_delete=models.PROTECT, related_name="proposed_corrections")
    corrected_field = models.CharField(max_length=40)
    new_value = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    time = models.DateTimeField(help_text="the correction's time (corrections apply in time order)")
    utc_offset = models.SmallIntegerField(default=0)
    facility = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by_token_id = models.BigIntegerField(null=True, blank=True)
    proposed_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True, default="")
    event = models.OneToOneField(
        CustodyEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )

    class Meta:
        indexes = [models.Index(fields=["status", "child"], name="registry_correction_pending")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_by__isnull=True, event__isnull=True)
                | Q(status="approved", decided_by__isnull=False, event__isnull=False)
                | (
                    Q(status="rejected", decided_by__isnull=False, event__isnull=True)
                    & ~Q(decision_reason="")
                ),
                name="registry_correction_decided_once",
            ),
        ]

    def access_scope(self) -> Scope:
        return self.child.access_scope()


class ImportedFact(models.Model):
    """What an imported certificate, abandonment report or adoption file shares with the registry's events: a
    public id (the leaf's `event_id`; not named `event_id` because an abandonment report's `event` foreign key
    uses that column) and a leaf in the log (written with the row by the importer, `writes.py`), and the secret
    that keys the leaf's commitments. Null for rows that did not come through an import (a certificate Kinward
    signs itself)."""

    public_id = models.UUIDField(default=event_uuid, null=True, unique=True, editable=False)
    ledger_index = models.BigIntegerField(null=True, blank=True, unique=True)
    record_secret = models.BinaryField(null=True, blank=True)

    class Meta:
        abstract = True


class Certificate(ImportedFact):
    """A birth certificate as issued (the printed QR payload); verification is the credentials engine's.

    `verification` is the import's verdict on the text against the dataset's `issuer_keys` at the dataset's
    `created` (INTERCHANGE.md: a certificate whose issuer is not listed is unverified, not invalid); blank for a
    certificate Kinward signed itself.
    """

    class Verification(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        UNVERIFIED = "unverified", _("Unverified")

    child = models.ForeignKey(Birth, on_delete=models.PROTECT, related_name="certificates")
    issued_on = models.DateField()
    issued_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    # Set for certificates Kinward signs itself (certificates.py); empty/null for imported ones.
    kid = models.CharField(max_length=32, blank=True, default="", help_text="hex of the signing key's kid")
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")
    verification = models.CharField(max_length=16, choices=Verification.choices, blank=True, default="")
    verification_reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [_ref_constraint("registry_certificate_ref_unique")]
        indexes = [models.Index(fields=["verification"], name="registry_certificate_verif")]


class CertificateVerificationCount(models.Model):
    """How many certificate verifications ended with each outcome on one day; nothing about who verified."""

    day = models.DateField()
    outcome = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "outcome"], name="registry_cert_verification_day_outcome")
        ]


class AbandonmentReport(ImportedFact):
    """A health worker's mandatory report of an abandoned newborn, as imported."""

    child = models.ForeignKey(Birth, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(CustodyEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    # the offsets the dataset gave the two times in (minutes east of UTC), which the leaf keeps them in; null for
    # reports imported before they were stored, whose leaves the ledger audit then cannot rebuild
    found_at_offset = models.SmallIntegerField(null=True, blank=True)
    reported_at_offset = models.SmallIntegerField(null=True, blank=True)
    place = models.CharField(max_length=300)
    condition = models.CharField(max_length=300)
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [_ref_constraint("registry_abandonment_report_ref_unique")]


class AdoptionFile(ImportedFact):
    """An adoption agency's file on a child, with the documents it holds, as imported.

    `adoptive_parents` holds Person ids; `documents` keeps the dataset's list with agency refs replaced by ids.
    """

    child = models.ForeignKey(Birth, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    adoption_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    adoptive_parents = models.JSONField(default=list)
    stated_birth_mother = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stated_birth_facility = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stated_birth_date = models.DateField()
    filed_on = models.DateField()
    documents = models.JSONField(default=list)
    external_ref = models.CharField(max_length=200, blank=True, default="")
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [_ref_constraint("registry_adoption_file_ref_unique")]


class ImportRun(models.Model):
    """One `kinward import` of a dataset: what was accepted, rejected and already present, per record type."""

    source = models.CharField(max_length=200)
    path = models.CharField(max_length=1000)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    accepted = models.JSONField(default=dict)
    rejected = models.JSONField(default=dict)
    unchanged = models.JSONField(default=dict)


# --- the Merkle log's storage (the columns of kinward.engines.ledger.SQLStore) --------------------------------


class LedgerLeaf(models.Model):
    """Leaf `idx` of the public log: the canonical JSON of one registry event (no personal value)."""

    idx = RowIdField(primary_key=True)
    data = models.BinaryField()

    class Meta:
        db_table = "registry_ledger_leaf"


class LedgerNode(models.Model):
    """The hash of one complete perfect subtree, by post-order id (see the ledger engine)."""

    id = RowIdField(primary_key=True)
    hash = models.BinaryField()

    class Meta:
        db_table = "registry_ledger_node"


class LedgerCheckpoint(models.Model):
    """A signed C2SP checkpoint note the log issued."""

    seq = RowIdField(primary_key=True)
    tree_size = models.BigIntegerField()
    note = models.TextField()

    class Meta:
        db_table = "registry_ledger_checkpoint"
        ordering = ["-seq"]


class LedgerHead(models.Model):
    """One row, locked (SELECT ... FOR UPDATE) while leaves are appended, so writers append one after another."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
