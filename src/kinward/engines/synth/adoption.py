"""Adoption paths of the synthetic country: lawful adoptions, mismatched files, and the clinic ring's sales.

A lawful adoption: a child abandoned in the ward, found outside, or given up with consent goes into the care of
child protection; months later the province's court (the adoption authority) decides an adoption order; a
licensed adoption agency files the adoption file, whose documents match the registry: the birth certificate,
the court order (its number is the order's decision_number), the medical record, the parent's consent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kinward.engines.interchange.semantics import licence_valid_on
from kinward.engines.synth.people import Identity
from kinward.engines.synth.simulate import HOUR, Child, Simulation
from kinward.engines.synth.world import Agency

FOREIGN = {"ID": ("SG", "MY", "AU"), "KZ": ("RU", "DE", "US"), "CN": ("US", "CA", "ES")}
RING_KIN = ("aunt", "relative", "family friend", "cousin of the mother")


def decision_number(country: str, serial: int, decided: dt.date, court: Agency) -> str:
    """A court decision number in the country's usual style."""
    if country == "ID":
        return f"{serial}/Pdt.P/{decided.year}/PN {court.ref[2:]}"
    if country == "KZ":
        return f"2-{serial}/{decided.year % 100:02d}"
    return f"({decided.year}){court.ref[2:]}民特{serial}号"


class AdoptionPaths:
    """Mixin for `Flows`: writes adoption orders and adoption files, lawful or planted."""

    sim: Simulation
    rogue: Agency
    revoked: Agency
    ring: Agency
    ring_staff: list[str]
    ring_evidence: list[tuple[str, str]]

    def _adoptive_couple(self, on: dt.date) -> list[Identity]:
        sim = self.sim
        foreign = sim.d.pick(FOREIGN[sim.world.country]) if sim.d.chance(0.1) else None
        return [
            sim.people.new(sex, (28, 46), on, None, id_chance=1.0, foreign=foreign)
            for sex in ("female", "male")
        ]

    def _agency_for(self, filed: dt.date, role: str) -> Agency:
        """A licensed adoption agency for a lawful file; the revoked one for a planted unlicensed file."""
        if role == "adopt_revoked":
            return self.revoked
        lawful = [
            a
            for a in self.sim.world.by_kind["adoption_agency"]
            if a.role != "rogue" and licence_valid_on(a.licence, filed)
        ]
        return self.sim.d.pick(lawful)

    def _adopt(self, i: int, ts: int, size: int, facility: Agency) -> None:
        """A child given up (abandoned, found, or relinquished with consent) and adopted through a court."""
        sim, d = self.sim, self.sim.d
        role = self.sk.roles[i]  # type: ignore[attr-defined]
        kind = d.pick(("abandoned", "abandoned", "foundling", "relinquished"))
        consent: tuple[str, dt.date] | None = None
        if kind == "relinquished":
            woman, _ = self.woman(i, ts, facility)  # type: ignore[attr-defined]
            pregnancy, mother_ref = sim.antenatal(woman, facility, ts, 1)
            child = sim.births(i, ts, 1, facility, mother_ref, woman, pregnancy, still_rate=0.0)[0]
            sim.certificate(child)
            given = ts + d.between(30 * HOUR, 60 * HOUR)
            care = sim.world.of_province("child_protection", facility.province)
            consent = (care.ref, sim.day(given, facility))
            sim.event(child, "transfer", given, facility, sim.staff(facility, "clerk"), to_facility=care.ref)
            in_care: int | None = given
        else:
            child, event, found = self._abandoned(i, ts, facility, foundling=kind == "foundling")  # type: ignore[attr-defined]
            self.report(child, event, found, self.on_time(), facility)  # type: ignore[attr-defined]
            in_care = self.into_care(child, found, facility)  # type: ignore[attr-defined]
        if in_care is None:
            return
        decided = sim.day(in_care, facility) + dt.timedelta(days=d.between(120, 300))
        filed = decided + dt.timedelta(days=d.between(5, 30))
        if filed >= sim.now_day(facility):
            return
        if role == "adopt_revoked":
            since = dt.date.fromisoformat(self.revoked.licence["status_since"])  # type: ignore[index]
            filed = max(filed, since + dt.timedelta(days=d.between(1, 60)))
            decided = min(decided, filed - dt.timedelta(days=5))
        agency = self._agency_for(filed, role)
        order, number, parents, court = self._order(child, facility, decided, agency)
        self._file(child, facility, role, agency, parents, filed, number, court, decided, consent, order)

    def _order(
        self, child: Child, facility: Agency, decided: dt.date, agency: Agency
    ) -> tuple[str, str, list[Identity], Agency]:
        sim = self.sim
        court = sim.world.of_province("adoption_authority", facility.province)
        parents = self._adoptive_couple(decided)
        number = decision_number(sim.world.country, sim.d.between(10, 999), decided, court)
        noon = int(dt.datetime(decided.year, decided.month, decided.day, 10, tzinfo=dt.UTC).timestamp())
        noon -= court.offset * 60
        order = sim.event(
            child,
            "adoption_order",
            noon,
            None,
            sim.staff(court, "clerk"),
            authority=court.ref,
            decision_number=number,
            decided_on=decided.isoformat(),
            adoptive_parents=[p.ref for p in parents],
            adoption_agency=agency.ref,
        )
        return order, number, parents, court

    def _file(
        self,
        child: Child,
        facility: Agency,
        role: str,
        agency: Agency,
        parents: list[Identity],
        filed: dt.date,
        number: str,
        court: Agency,
        decided: dt.date,
        consent: tuple[str, dt.date] | None,
        order: str,
    ) -> None:
        """The agency's adoption file; for `adopt_mismatch` one stated fact or document does not match."""
        sim, d = self.sim, self.sim.d
        born = sim.day(child.time, facility)
        record: dict[str, Any] = {
            "ref": sim.next_ref("AF", 6),
            "child": child.ref,
            "adoption_agency": agency.ref,
            "adoptive_parents": [p.ref for p in parents],
        }
        if child.woman is not None:
            record["stated_birth_mother"] = (
                sim.people.another_record(child.woman) if d.chance(0.3) else child.mother_ref
            )
        record.update(
            {
                "stated_birth_facility": facility.ref,
                "stated_birth_date": born.isoformat(),
                "filed_on": filed.isoformat(),
            }
        )
        documents = self._documents(child, facility, filed, number, court, decided, consent, born)
        record["documents"] = documents
        evidence = [("adoption_files", record["ref"]), ("births", child.ref)]
        if role == "adopt_mismatch":
            evidence += self._mismatch(record, child, facility, born, order)
        sim.w.write("adoption_files", record)
        sim.adoption_files.append((agency, record["ref"], filed))
        if role == "adopt_mismatch":
            sim.plant("adoption_mismatch", ("adoption_files", record["ref"]), evidence)

    def _documents(
        self,
        child: Child,
        facility: Agency,
        filed: dt.date,
        number: str,
        court: Agency,
        decided: dt.date,
        consent: tuple[str, dt.date] | None,
        born: dt.date,
    ) -> list[dict[str, Any]]:
        """The documents of a lawful file: birth certificate, parent's consent, court order, medical record."""
        sim, d = self.sim, self.sim.d
        documents: list[dict[str, Any]] = []
        if (
            child.certificate is not None
            and child.certificate_day is not None
            and child.certificate_day <= filed
        ):
            office = sim.world.registry_of_district[sim.world.facility_district[facility.ref]]
            documents.append(
                {
                    "type": "birth_certificate",
                    "number": child.certificate,
                    "issued_by": office.ref,
                    "issued_on": child.certificate_day.isoformat(),
                    "certificate": child.certificate,
                }
            )
        if consent is not None:
            documents.append(
                {
                    "type": "consent_of_parent",
                    "number": f"CP-{d.between(1000, 9999)}",
                    "issued_by": consent[0],
                    "issued_on": consent[1].isoformat(),
                }
            )
        documents.append(
            {
                "type": "court_order",
                "number": number,
                "issued_by": court.ref,
                "issued_on": decided.isoformat(),
            }
        )
        documents.append(
            {
                "type": "medical_record",
                "number": f"RM-{d.between(100000, 999999)}",
                "issued_by": facility.ref,
                "issued_on": born.isoformat(),
            }
        )
        return documents

    def _mismatch(
        self, record: dict[str, Any], child: Child, facility: Agency, born: dt.date, order: str
    ) -> list[tuple[str, str]]:
        """Change one stated fact of a file so that it no longer matches the registry; return extra evidence."""
        sim, d = self.sim, self.sim.d
        how = d.pick(("mother", "facility", "date", "court_order"))
        if how == "mother":
            other = sim.people.new("female", (18, 40), born, None)
            record["stated_birth_mother"] = other.ref
            return [("persons", other.ref)]
        if how == "facility":
            others = [f for f in sim.world.facilities if f is not facility]
            record["stated_birth_facility"] = d.pick(others).ref
            return []
        if how == "date":
            shift = d.between(4, 30) * (1 if d.chance(0.5) else -1)
            record["stated_birth_date"] = (born + dt.timedelta(days=shift)).isoformat()
            return []
        for document in record["documents"]:
            if document["type"] == "court_order":
                document["number"] = f"{d.between(1000, 1999)}/Pdt.P/{born.year}/PN"
        return [("custody_events", order)]

    # the clinic ring -------------------------------------------------------------------------------------
    def _ring(self, i: int, ts: int, size: int, facility: Agency) -> None:
        """A newborn sold through the ring clinic: handed to a buyer, or 'abandoned' and never reported."""
        sim, d = self.sim, self.sim.d
        woman = sim.new_mother(ts, facility, young=True, id_chance=0.4)
        pregnancy, mother_ref = sim.antenatal(woman, facility, ts, 1, plain=0.4, unlinked=0.0)
        attendant = d.pick(self.ring_staff)
        child = sim.births(
            i, ts, 1, facility, mother_ref, woman, pregnancy, attendant=attendant, still_rate=0.0
        )[0]
        sim.certificate(child)
        self.ring_evidence.append(("births", child.ref))
        buyer = sim.people.new("female", (28, 48), sim.day(ts, facility), None, id_chance=0.5)
        if d.chance(0.75):
            event = self._sale_discharge(child, facility, self.ring_staff[1], buyer)  # type: ignore[attr-defined]
            sim.plant(
                "non_guardian_discharge",
                ("custody_events", event),
                [("custody_events", event), ("births", child.ref)],
            )
            file_chance = 0.6
        else:
            found = ts + d.between(12 * HOUR, 40 * HOUR)
            event = sim.event(
                child,
                "abandonment_found",
                found,
                facility,
                self.ring_staff[1],
                place="clinic ward",
                found_by="clinic midwife",
                condition="healthy",
            )
            sim.plant(
                "missed_abandonment_report",
                ("births", child.ref),
                [("births", child.ref), ("custody_events", event)],
            )
            file_chance = 0.8
        self.ring_evidence.append(("custody_events", event))
        if d.chance(file_chance) or not any(t == "adoption_files" for t, _ in self.ring_evidence):
            self._ring_file(child, facility, buyer)

    def _ring_file(self, child: Child, facility: Agency, buyer: Identity) -> None:
        """The rogue agency's paper that makes the sale look like an adoption: stated facts that do not match."""
        sim, d = self.sim, self.sim.d
        filed = sim.day(child.time, facility) + dt.timedelta(days=d.between(30, 150))
        if filed >= sim.now_day(facility):
            return
        born = sim.day(child.time, facility)
        stated_mother = sim.people.new("female", (20, 38), born, None, id_chance=0.6)
        hospitals = [f for f in sim.world.facilities if f.kind == "public_hospital"]
        stated_date = born + dt.timedelta(days=d.between(3, 25) * (1 if d.chance(0.5) else -1))
        partner = sim.people.new("male", (30, 50), filed, None, id_chance=0.6)
        court = sim.world.of_province("adoption_authority", facility.province)
        ref = sim.next_ref("AF", 6)
        record = {
            "ref": ref,
            "child": child.ref,
            "adoption_agency": self.rogue.ref,
            "adoptive_parents": [buyer.ref, partner.ref],
            "stated_birth_mother": stated_mother.ref,
            "stated_birth_facility": d.pick(hospitals).ref,
            "stated_birth_date": stated_date.isoformat(),
            "filed_on": filed.isoformat(),
            "documents": [
                {
                    "type": "birth_certificate",
                    "number": f"AL-{d.between(100000, 999999)}",
                    "issued_on": (stated_date + dt.timedelta(days=3)).isoformat(),
                },
                {
                    "type": "court_order",
                    "number": decision_number(sim.world.country, d.between(1000, 1999), filed, court),
                    "issued_by": court.ref,
                    "issued_on": (filed - dt.timedelta(days=7)).isoformat(),
                },
            ],
        }
        sim.w.write("adoption_files", record)
        sim.adoption_files.append((self.rogue, ref, filed))
        sim.plant(
            "adoption_mismatch",
            ("adoption_files", ref),
            [("adoption_files", ref), ("births", child.ref), ("persons", stated_mother.ref)],
        )
        self.ring_evidence.append(("adoption_files", ref))

    def _ring_truth(self) -> None:
        self.sim.plant("clinic_ring", ("agencies", self.ring.ref), self.ring_evidence)

    def _unlicensed_truth(self) -> None:
        """Every agency that filed adoption files on days it held no valid licence."""
        by_agency: dict[str, list[tuple[str, str]]] = {}
        for agency, ref, filed in self.sim.adoption_files:
            if not licence_valid_on(agency.licence, filed):
                by_agency.setdefault(agency.ref, []).append(("adoption_files", ref))
        for agency in self.sim.world.by_kind["adoption_agency"]:
            if agency.ref in by_agency:
                self.sim.plant("unlicensed_agency", ("agencies", agency.ref), by_agency[agency.ref])

    def _anomaly_truth(self) -> None:
        for facility in self.sim.world.facilities:
            if facility.role == "anomaly":
                evidence = [("births", ref) for ref in self.sim.stillbirths_at.get(facility.ref, [])]
                self.sim.plant("facility_anomaly", ("agencies", facility.ref), evidence)
