"""The ordinary life of the synthetic country: pregnancies, births, discharges, transfers, deaths, certificates.

`Simulation` owns the dataset writer, the clock helpers and the ref counters; `flows.py` adds the special paths
(abandonments, adoptions, the planted patterns) on top of the same helpers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kinward.engines.interchange.writer import DatasetWriter
from kinward.engines.synth.certs import CertificateIssuer, log_anchor, newborn_id
from kinward.engines.synth.people import Identity, People
from kinward.engines.synth.rand import Draws
from kinward.engines.synth.timeline import DAY
from kinward.engines.synth.world import Agency, World

HOUR = 3600
STILLBIRTH_RATE = 0.012  # per child; the referral hospitals see 2.5 %, the planted anomaly 10 % more
REFERRAL_STILLBIRTH_RATE = 0.025
ANOMALY_EXTRA_STILLBIRTH = 0.10
NEONATAL_DEATH_RATE = 0.004
TRANSFER_RATE = 0.025
CORRECTION_RATE = 0.005
DEATH_CAUSES = (
    "prematurity",
    "birth asphyxia",
    "neonatal sepsis",
    "congenital anomaly",
    "respiratory distress",
)
OTHER_KIN = ("grandmother (mother's mother)", "grandmother (father's mother)", "aunt (mother's sister)")

CertificateText = Callable[[dict[str, Any]], str]
FORGERIES = ("wrong_key", "tampered")
SEX_CODE = {"female": "F", "male": "M"}


def dummy_certificate_text(claims: dict[str, Any]) -> str:
    """The default certificate text: a deterministic placeholder, marked as such, that is not a credential.

    Form: `KW-DUMMY:<certificate ref>:<child ref>:<issued_on>:<16 hex of SHA-256 over the sorted claims>`.
    A verifier must treat it as "not checked"; only `KW1:` texts are credentials. No longer the default:
    `kinward synth` signs real certificates (certs.py); pass this as `SynthOptions.certificate_text` to get
    placeholders instead.
    """
    digest = hashlib.sha256(repr(sorted(claims.items())).encode("utf-8")).hexdigest()[:16]
    return f"KW-DUMMY:{claims['certificate']}:{claims['child']}:{claims['issued_on']}:{digest}"


@dataclass(frozen=True, slots=True)
class FamilyLink:
    """A live-born child with its birth mother and (when known) father, for a DNA profile generator."""

    child: str
    delivery: str
    mother: str | None
    father: str | None


@dataclass(slots=True)
class Child:
    """What later steps need to know of one born child."""

    ref: str
    time: int
    facility: Agency
    mother_ref: str | None
    woman: Identity | None
    live: bool
    delivery: str = ""
    certificate: str | None = None
    certificate_day: dt.date | None = None
    sex: str = "unknown"
    newborn_id: str = ""
    number: int = 0  # the birth's position in the dataset (1, 2, ...): its synthetic log anchor


class Simulation:
    """Writes one synthetic dataset: clock and ref helpers, and the ordinary course of each delivery."""

    def __init__(
        self,
        writer: DatasetWriter,
        world: World,
        draws: Draws,
        people: People,
        start: int,
        now: int,
        certificate_text: CertificateText | None,
        on_family: Callable[[FamilyLink], None] | None,
        issuer: CertificateIssuer,
    ) -> None:
        self.w, self.world, self.d, self.people = writer, world, draws, people
        self.start, self.now = start, now
        self.certificate_text, self.on_family = certificate_text, on_family
        self.issuer = issuer
        self.counters: dict[str, int] = {}
        self._tz: dict[int, dt.timezone] = {}
        self.truth: list[dict[str, Any]] = []
        self.stillbirths_at: dict[str, list[str]] = {}
        self.adoption_files: list[tuple[Agency, str, dt.date]] = []

    # clock -----------------------------------------------------------------------------------------------
    def time(self, ts: int, agency: Agency) -> str:
        """RFC 3339 text of epoch second `ts` in the agency's own offset."""
        tz = self._tz.get(agency.offset)
        if tz is None:
            tz = self._tz[agency.offset] = dt.timezone(dt.timedelta(minutes=agency.offset))
        return dt.datetime.fromtimestamp(ts, tz).isoformat()

    def day(self, ts: int, agency: Agency) -> dt.date:
        """The local calendar date of epoch second `ts` at the agency."""
        return dt.date(1970, 1, 1) + dt.timedelta(days=(ts + agency.offset * 60) // DAY)

    def now_day(self, agency: Agency) -> dt.date:
        """The dataset's "now" as a local date at the agency."""
        return self.day(self.now, agency)

    # refs and writing ------------------------------------------------------------------------------------
    def next_ref(self, prefix: str, width: int = 7) -> str:
        """The next ref with `prefix` (B-0000001, E-0000001, ...)."""
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}-{n:0{width}d}"

    def staff(self, agency: Agency, *roles: str) -> str:
        """A staff ref of `agency` with the first of `roles` it has."""
        for role in roles:
            if role in agency.staff:
                return self.d.pick(agency.staff[role])
        return self.d.pick(next(iter(agency.staff.values())))

    def plant(self, pattern: str, subject: tuple[str, str], evidence: list[tuple[str, str]]) -> None:
        """Record a planted pattern for truth.json."""
        self.truth.append(
            {
                "pattern": pattern,
                "subject": {"type": subject[0], "ref": subject[1]},
                "evidence": [{"type": t, "ref": r} for t, r in evidence],
            }
        )

    def event(
        self, child: Child, kind: str, ts: int, agency: Agency | None, recorded_by: str, **fields: Any
    ) -> str:
        """Write a custody event of `kind` for `child`; return its ref."""
        ref = self.next_ref("E")
        record: dict[str, Any] = {
            "ref": ref,
            "child": child.ref,
            "type": kind,
            "time": self.time(ts, agency or child.facility),
        }
        if agency is not None:
            record["facility"] = agency.ref
        record["recorded_by"] = recorded_by
        record.update(fields)
        self.w.write("custody_events", record)
        return ref

    # women and pregnancies -------------------------------------------------------------------------------
    def new_mother(
        self, ts: int, facility: Agency, *, young: bool = False, id_chance: float = 0.93
    ) -> Identity:
        """A woman who gives birth (or is pregnant) around `ts`, living in the facility's district."""
        age = (16, 24) if young else (17, 43)
        district = self.world.facility_district.get(facility.ref)
        return self.people.new("female", age, self.day(ts, facility), district, id_chance=id_chance)

    def pregnancy(
        self,
        mother_ref: str,
        facility: Agency,
        expected: dt.date,
        until: dt.date,
        enrol_week: int | None = None,
    ) -> str:
        """Write a pregnancy enrolled at `facility`, with antenatal visits up to (not including) `until`."""
        ref = self.next_ref("P")
        week = enrol_week if enrol_week is not None else self.d.between(7, 22)
        enrolled = expected - dt.timedelta(days=280 - 7 * week)
        visits, day = [], enrolled
        while day < until:
            if day == enrolled or not self.d.chance(0.1):
                visits.append(day.isoformat())
            weeks = 40 - (expected - day).days / 7
            day += dt.timedelta(days=28 if weeks < 28 else (14 if weeks < 36 else 7))
        self.w.write(
            "pregnancies",
            {
                "ref": ref,
                "mother": mother_ref,
                "facility": facility.ref,
                "enrolled_on": enrolled.isoformat(),
                "expected_date": expected.isoformat(),
                "visits": visits,
            },
        )
        return ref

    def pregnancy_event(self, pregnancy: str, kind: str, day: dt.date, at: Agency, to: Agency | None) -> None:
        """Write a pregnancy event (loss, transfer_out, moved_away) recorded by staff of `at`."""
        record: dict[str, Any] = {
            "ref": self.next_ref("PE", 6),
            "pregnancy": pregnancy,
            "type": kind,
            "date": day.isoformat(),
        }
        if to is not None:
            record["facility"] = to.ref
        record["recorded_by"] = self.staff(at, "midwife", "clerk")
        self.w.write("pregnancy_events", record)

    def expected_for(self, born: dt.date, size: int) -> dt.date:
        """An expected date consistent with a birth on `born`: term ±1 week mostly, 8 % (twins 50 %) preterm."""
        if self.d.chance(0.5 if size > 1 else 0.08):
            return born + dt.timedelta(days=self.d.between(21, 70))
        return born + dt.timedelta(days=max(-20, min(20, round(self.d.normal(0, 7)))))

    def antenatal(
        self,
        woman: Identity,
        facility: Agency,
        ts: int,
        size: int,
        *,
        plain: float = 0.78,
        unlinked: float = 0.06,
    ) -> tuple[str | None, str]:
        """The pregnancy behind a delivery: linked (most), recorded but not linked, or none.

        Returns (pregnancy ref to put on the birth or None, persons ref to put as the birth's mother). When the
        pregnancy is recorded but not linked, the birth often names another persons record of the same woman:
        only the identity document ties them (INTERCHANGE.md, births).
        """
        born = self.day(ts, facility)
        draw = self.d.u()
        if draw >= plain + unlinked:
            return None, woman.ref
        anc = facility
        if self.d.chance(0.2):
            anc = self.d.pick(self.world.facilities)
        expected = self.expected_for(born, size)
        ref = self.pregnancy(woman.ref, anc, expected, born)
        if draw < plain:
            if anc is not facility and self.d.chance(0.1):
                self.pregnancy_event(
                    ref, "transfer_out", born - dt.timedelta(days=self.d.between(3, 40)), anc, facility
                )
            return ref, woman.ref
        return None, self.people.another_record(woman)

    # births ----------------------------------------------------------------------------------------------
    def births(
        self,
        delivery_index: int,
        ts: int,
        size: int,
        facility: Agency,
        mother_ref: str | None,
        woman: Identity | None,
        pregnancy: str | None,
        absent_reason: str | None = None,
        attendant: str | None = None,
        still_rate: float | None = None,
        tell_family: bool = True,
    ) -> list[Child]:
        """Write the birth records of one delivery (twins minutes apart); return the children.

        The DNA hook hears of each live-born child here, unless the caller tells it later with the father.
        """
        delivery = f"D-{delivery_index + 1:07d}"
        if still_rate is None:
            still_rate = REFERRAL_STILLBIRTH_RATE if facility.role == "referral" else STILLBIRTH_RATE
            if facility.role == "anomaly":
                still_rate += ANOMALY_EXTRA_STILLBIRTH
        attendant = attendant or self.staff(facility, "midwife" if self.d.chance(0.6) else "doctor", "doctor")
        children = []
        for k in range(size):
            t = ts + k * 60 * self.d.between(2, 20)
            ref = self.next_ref("B")
            live = not self.d.chance(still_rate)
            mean = 3150 if size == 1 else 2450
            grams = self.d.normal(mean, 430) if live else self.d.normal(2300, 800)
            record: dict[str, Any] = {"ref": ref, "delivery": delivery}
            issued_id = newborn_id(self.issuer.salt, ref)
            if pregnancy is not None:
                record["pregnancy"] = pregnancy
            record.update(
                {
                    "facility": facility.ref,
                    "time": self.time(t, facility),
                    "attendant": attendant,
                    "mother": mother_ref,
                }
            )
            if mother_ref is None:
                record["mother_absent_reason"] = absent_reason or "other"
            record.update(
                {
                    "sex": "male" if self.d.chance(0.512) else "female",
                    "weight_g": int(min(5600, max(400, grams))),
                    "outcome": "live" if live else "still",
                    "newborn_id": issued_id,
                }
            )
            self.w.write("births", record)
            if not live:
                self.stillbirths_at.setdefault(facility.ref, []).append(ref)
            child = Child(ref, t, facility, mother_ref, woman, live, delivery)
            child.sex, child.newborn_id, child.number = record["sex"], issued_id, self.counters["B"]
            children.append(child)
        if tell_family:
            self.family(children, None)
        return children

    def certificate(self, child: Child, *, forge: str | None = None) -> str | None:
        """Register the birth: a certificate from the district registry office, days to weeks after birth.

        The text is signed with the office's synthetic key (certs.py), or made by the `certificate_text`
        callback when one is given; `forge` ("wrong_key", "tampered") writes a forgery instead.
        """
        if not child.live:
            return None
        office = self.world.registry_of_district[self.world.facility_district[child.facility.ref]]
        issued = self.day(child.time, child.facility) + dt.timedelta(days=int(self.d.lognormal(6, 0.8)))
        if issued > self.now_day(office):
            return None
        born = self.day(child.time, child.facility)
        issued_at = self._issued_at(child, office, issued, born)
        if issued_at is None:
            return None
        ref = self.next_ref("C")
        if forge is None and self.certificate_text is not None:
            text = self.certificate_text(
                {
                    "certificate": ref,
                    "child": child.ref,
                    "issued_on": issued.isoformat(),
                    "issued_by": office.ref,
                    "issuer_name": office.name,
                    "birth_time": self.time(child.time, child.facility),
                    "facility": child.facility.ref,
                    "facility_name": child.facility.name,
                    "mother": child.mother_ref,
                    "country": self.world.country,
                }
            )
        else:
            text = self._signed_text(child, office, born, issued_at, forge)
        self.w.write(
            "certificates",
            {
                "ref": ref,
                "child": child.ref,
                "issued_on": issued.isoformat(),
                "issued_by": office.ref,
                "text": text,
            },
        )
        child.certificate, child.certificate_day = ref, issued
        return ref

    def _issued_at(self, child: Child, office: Agency, issued: dt.date, born: dt.date) -> dt.datetime | None:
        """The certificate's `iat`: 09:00 at the office on the issue day, never before the birth, never before
        the UTC midnight of the date of birth (the credentials engine compares the date of birth with the UTC
        date of `iat`), never after the dataset's now. None when no such instant exists (born just before now)."""
        local_nine = (issued - dt.date(1970, 1, 1)).days * DAY - office.offset * 60 + 9 * HOUR
        birth_day_utc = (born - dt.date(1970, 1, 1)).days * DAY
        ts = min(max(local_nine, child.time + HOUR, birth_day_utc), self.now)
        if ts < birth_day_utc:
            return None
        return dt.datetime.fromtimestamp(ts, dt.UTC)

    def _signed_text(
        self, child: Child, office: Agency, born: dt.date, issued_at: dt.datetime, forge: str | None
    ) -> str:
        """The certificate text signed with the office's key, or one of the forgeries of certs.py."""
        index, size, root = log_anchor(self.issuer.salt, child.number)
        district = self.world.facility_district.get(child.facility.ref, "R-000")
        claims = self.issuer.claims(
            office.ref,
            newborn_id=child.newborn_id,
            date_of_birth=born,
            sex=SEX_CODE.get(child.sex, "U"),
            facility_name=child.facility.name[:120].strip(),
            region_code=f"{self.world.country}-{district}"[:16],
            issued_at=issued_at,
            log_index=index,
            tree_size=size,
            root_hash=root,
        )
        if forge == "wrong_key":
            return self.issuer.forge_wrong_key(office.ref, claims)
        if forge == "tampered":
            return self.issuer.forge_tampered(office.ref, claims, -self.d.between(30, 400))
        return self.issuer.issue(office.ref, claims)

    # the ordinary course ---------------------------------------------------------------------------------
    def ordinary_custody(
        self, children: list[Child], recipient: tuple[str, str, Identity | None] | None
    ) -> None:
        """Discharge, transfer or death of each live child; twins go home together to the same person."""
        if recipient is None:
            recipient = self.recipient(children[0])
        for child in children:
            if not child.live:
                continue
            if self.d.chance(NEONATAL_DEATH_RATE):
                t = child.time + self.d.between(HOUR, 6 * DAY)
                if t < self.now:
                    self.event(
                        child,
                        "death",
                        t,
                        child.facility,
                        self.staff(child.facility, "doctor"),
                        cause=self.d.pick(DEATH_CAUSES),
                    )
                continue
            where, t = child.facility, child.time
            if self.d.chance(TRANSFER_RATE):
                target = self.world.of_province("public_hospital", where.province)
                target = target if target is not where else self.world.facilities[0]
                if target is not where:
                    t += self.d.between(HOUR, 10 * HOUR)
                    if t >= self.now:
                        continue
                    self.event(
                        child,
                        "transfer",
                        t,
                        where,
                        self.staff(where, "nurse", "midwife"),
                        to_facility=target.ref,
                    )
                    where, t = target, t + int(self.d.lognormal(7 * DAY, 0.5))
            self.discharge(child, where, t + int(self.d.lognormal(30 * HOUR, 0.4)), recipient)

    def recipient(self, child: Child) -> tuple[str, str, Identity | None]:
        """Who takes the child home: (persons ref, relationship, identity). Mostly the mother."""
        woman, draw = child.woman, self.d.u()
        if child.mother_ref is not None and draw < 0.955:
            return child.mother_ref, "mother", woman
        if draw < 0.985 or child.mother_ref is None and draw < 0.6:
            father = self.people.new(
                "male", (19, 50), self.day(child.time, child.facility), woman.region if woman else None
            )
            return father.ref, "father", father
        if draw < 0.99 or child.mother_ref is None:
            guardian = self.people.new("female", (30, 60), self.day(child.time, child.facility), None)
            return guardian.ref, "legal_guardian", guardian
        kin = self.people.new(
            "female", (42, 70), self.day(child.time, child.facility), woman.region if woman else None
        )
        return kin.ref, "other", kin

    def discharge(
        self, child: Child, where: Agency, t: int, recipient: tuple[str, str, Identity | None]
    ) -> None:
        """A lawful discharge (with the documents the relationship needs); sometimes corrected later."""
        if t >= self.now:
            return
        to, relationship, _identity = recipient
        checked = self.d.chance(0.96 if relationship == "mother" else 0.94)
        fields: dict[str, Any] = {"to": to, "relationship": relationship}
        if relationship == "other":
            fields["relationship_detail"] = self.d.pick(OTHER_KIN)
        fields["id_document_checked"] = checked
        if relationship == "legal_guardian":
            office = self.world.of_province("child_protection", where.province)
            fields["guardianship_document"] = {
                "number": f"GD-{self.d.between(10000, 99999)}",
                "issued_by": office.ref,
                "issued_on": self.day(t - DAY, where).isoformat(),
            }
            fields["id_document_checked"] = True
        clerk = self.staff(where, "nurse", "midwife")
        ref = self.event(child, "discharge", t, where, clerk, **fields)
        if self.d.chance(CORRECTION_RATE) or (
            relationship == "father" and not checked and self.d.chance(0.3)
        ):
            self.correction(child, ref, where, t, relationship, checked)

    def correction(
        self, child: Child, ref: str, where: Agency, t: int, relationship: str, checked: bool
    ) -> None:
        """A later correction of a discharge: the tick for the document check, the time, or the recorder."""
        when = t + self.d.between(2 * HOUR, 72 * HOUR)
        if when >= self.now:
            return
        clerk = self.staff(where, "clerk")
        if not checked:
            self.event(
                child,
                "correction",
                when,
                where,
                clerk,
                corrects=ref,
                field="id_document_checked",
                new_value=True,
                reason="document was seen at discharge; box left unticked",
            )
        elif self.d.chance(0.5):
            self.event(
                child,
                "correction",
                when,
                where,
                clerk,
                corrects=ref,
                field="time",
                new_value=self.time(t - self.d.between(1, 5) * HOUR, where),
                reason="time of discharge entered late",
            )
        else:
            self.event(
                child,
                "correction",
                when,
                where,
                clerk,
                corrects=ref,
                field="recorded_by",
                new_value=self.staff(where, "midwife", "nurse"),
                reason="recorded under the wrong staff member",
            )

    def family(self, children: list[Child], father: str | None) -> None:
        """Tell the DNA hook (if any) about each live child and its parents."""
        if self.on_family is None:
            return
        for child in children:
            if child.live:
                self.on_family(FamilyLink(child.ref, child.delivery, child.mother_ref, father))
