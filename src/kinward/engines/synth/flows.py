"""The special paths of the synthetic country: abandonments, adoptions and the planted trafficking patterns.

Each planted pattern is written into the data the way it would show in a real registry and recorded in
truth.json (INTERCHANGE.md, "Planted truth"); docs/engines/synth.md describes each one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kinward.engines.synth.adoption import AdoptionPaths
from kinward.engines.synth.people import Identity
from kinward.engines.synth.simulate import FORGERIES, HOUR, Child, Simulation
from kinward.engines.synth.timeline import DAY, PlantCounts, Skeleton
from kinward.engines.synth.world import Agency

# Mandatory reporting of abandoned newborns, as modelled: due within 24 hours of finding, and a report up to
# 72 hours after finding is late but lawful (a weekend, a night shift). Later than that is planted as late.
REPORT_DUE_HOURS = 24
REPORT_GRACE_HOURS = 72
FOUND_PLACES = ("doorstep of a house", "near the mosque", "bus terminal", "market stall", "roadside")
WARD_PLACES = ("maternity ward", "postnatal ward", "neonatal room")
CONDITIONS = ("healthy, wrapped in a cloth", "mild hypothermia", "healthy", "underweight, dehydrated")
RING_KIN = ("aunt", "relative", "family friend", "cousin of the mother")


class Flows(AdoptionPaths):
    """Runs every delivery of the skeleton through the ordinary course or its special path."""

    def __init__(self, sim: Simulation, sk: Skeleton, counts: PlantCounts) -> None:
        self.sim, self.sk, self.counts, self.d = sim, sk, counts, sim.d
        self.women: dict[int, Identity] = {}
        self.keep = set(sk.woman_of.values()) | {i for g in sk.serial_groups for i in g}
        self.serial_of = {i: g[0] for g in sk.serial_groups for i in g}
        self.serial_births: dict[int, list[str]] = {}
        ring = [a for a in sim.world.facilities if a.role == "ring"][0]
        self.ring = ring
        self.ring_staff = [ring.staff["doctor"][0], ring.staff["midwife"][0]]
        self.ring_evidence: list[tuple[str, str]] = []
        self.rogue = [a for a in sim.world.by_kind["adoption_agency"] if a.role == "rogue"][0]
        self.revoked = [a for a in sim.world.by_kind["adoption_agency"] if a.role == "revoked"][0]

    def run(self) -> None:
        """Write every delivery, then the pregnancies that ended without a birth, then the aggregate truth."""
        for i, ts in enumerate(self.sk.times):
            role = self.sk.roles.get(i, "")
            handler = getattr(self, f"_{role}" if role else "_ordinary", self._ordinary)
            if role.startswith("adopt"):
                handler = self._adopt
            handler(i, ts, self.sk.sizes[i], self.sk.facilities[i])
        self._pregnancies_without_birth()
        self._serial_truth()
        self._ring_truth()
        self._unlicensed_truth()
        self._anomaly_truth()

    # mothers ---------------------------------------------------------------------------------------------
    def woman(self, i: int, ts: int, facility: Agency) -> tuple[Identity, bool]:
        """The woman giving birth in delivery i (new, or the same as in an earlier one); and if she is known."""
        source = self.serial_of.get(i, self.sk.woman_of.get(i))
        if source is not None and source != i and source in self.women:
            return self.women[source], True
        id_chance = 1.0 if i in self.serial_of else 0.93
        woman = self.sim.new_mother(ts, facility, id_chance=id_chance)
        if i in self.keep:
            self.women[i] = woman
        return woman, False

    # the ordinary course ---------------------------------------------------------------------------------
    def _ordinary(
        self, i: int, ts: int, size: int, facility: Agency, *, forge: str | None = None
    ) -> list[Child]:
        sim = self.sim
        if self.d.chance(0.0008):  # mother absent: died in childbirth, or identity withheld
            reason = "maternal_death" if self.d.chance(0.4) else "withheld"
            children = sim.births(i, ts, size, facility, None, None, None, reason, tell_family=False)
        else:
            woman, known = self.woman(i, ts, facility)
            serial = i in self.serial_of
            pregnancy, mother_ref = sim.antenatal(woman, facility, ts, size, plain=0.0 if serial else 0.78)
            if known:
                mother_ref = self.sim.people.another_record(woman) if self.d.chance(0.6) else woman.ref
            children = sim.births(i, ts, size, facility, mother_ref, woman, pregnancy, tell_family=False)
            if serial:
                self.serial_births.setdefault(self.serial_of[i], []).extend(
                    [c.ref for c in children] + ([mother_ref] if mother_ref != woman.ref else [])
                )
        recipient = sim.recipient(children[0])
        sim.ordinary_custody(children, recipient)
        for n, child in enumerate(children):
            sim.certificate(child, forge=forge if n == 0 else None)
        sim.family(children, recipient[0] if recipient[1] == "father" else None)
        return children

    def _serial(self, i: int, ts: int, size: int, facility: Agency) -> None:
        self._ordinary(i, ts, size, facility)

    def _bad_certificate(self, i: int, ts: int, size: int, facility: Agency) -> None:
        """A forged certificate for the first child: signed with a key that is not the office's (under the
        office's kid), or a genuine one whose date of birth was altered after signing. Both fail verification."""
        forge = self.d.pick(FORGERIES)
        children = self._ordinary(i, ts, size, facility, forge=forge)
        child = children[0]
        if child.certificate is not None:
            self.sim.plant(
                "invalid_certificate",
                ("certificates", child.certificate),
                [("certificates", child.certificate), ("births", child.ref)],
            )

    # non-guardian discharges (planted outside the ring) -------------------------------------------------
    def _non_guardian(self, i: int, ts: int, size: int, facility: Agency) -> None:
        sim = self.sim
        woman, _ = self.woman(i, ts, facility)
        pregnancy, mother_ref = sim.antenatal(woman, facility, ts, size)
        child = sim.births(i, ts, size, facility, mother_ref, woman, pregnancy, still_rate=0.0)[0]
        event = self._sale_discharge(child, facility, sim.staff(facility, "midwife", "nurse"))
        sim.plant(
            "non_guardian_discharge",
            ("custody_events", event),
            [("custody_events", event), ("births", child.ref)],
        )
        sim.certificate(child)

    def _sale_discharge(
        self, child: Child, facility: Agency, recorded_by: str, buyer: Identity | None = None
    ) -> str:
        """A discharge to someone who is neither parent nor documented guardian, without an ID check."""
        sim = self.sim
        buyer = buyer or sim.people.new(
            "female", (28, 48), sim.day(child.time, facility), None, id_chance=0.5
        )
        t = child.time + self.d.between(8 * HOUR, 30 * HOUR)
        if self.d.chance(0.7):
            return sim.event(
                child,
                "discharge",
                t,
                facility,
                recorded_by,
                to=buyer.ref,
                relationship="other",
                relationship_detail=self.d.pick(RING_KIN),
                id_document_checked=False,
            )
        return sim.event(
            child,
            "discharge",
            t,
            facility,
            recorded_by,
            to=buyer.ref,
            relationship="legal_guardian",
            id_document_checked=False,
        )

    # abandonments ----------------------------------------------------------------------------------------
    def _abandoned(
        self,
        i: int,
        ts: int,
        facility: Agency,
        *,
        foundling: bool = False,
        attendant: str | None = None,
        latest: int | None = None,
    ) -> tuple[Child, str, int]:
        """A child left behind in the ward (or found outside and brought in); returns (child, event, found)."""
        sim = self.sim
        if foundling:
            child = sim.births(i, ts, 1, facility, None, None, None, "foundling", still_rate=0.0)[0]
            found = ts + self.d.between(HOUR, 6 * HOUR)
            place, by = self.d.pick(FOUND_PLACES), "a passer-by"
        else:
            woman, _ = self.woman(i, ts, facility)
            pregnancy, mother_ref = sim.antenatal(woman, facility, ts, 1)
            child = sim.births(
                i, ts, 1, facility, mother_ref, woman, pregnancy, attendant=attendant, still_rate=0.0
            )[0]
            found = ts + self.d.between(18 * HOUR, 60 * HOUR)
            if latest is not None:
                found = min(found, latest)
            place, by = self.d.pick(WARD_PLACES), "midwife on duty"
        recorder = attendant or sim.staff(facility, "midwife", "nurse")
        event = sim.event(
            child,
            "abandonment_found",
            found,
            facility,
            recorder,
            place=place,
            found_by=by,
            condition=self.d.pick(CONDITIONS),
        )
        sim.certificate(child)
        return child, event, found

    def report(self, child: Child, event: str, found: int, delay: int, facility: Agency) -> str:
        """File the mandatory abandonment report `delay` seconds after finding; link by event and/or child."""
        sim = self.sim
        ref = sim.next_ref("AR", 6)
        record: dict[str, Any] = {"ref": ref}
        link = self.d.u()
        if link < 0.85:
            record["child"] = child.ref
        if link > 0.15:
            record["event"] = event
        record.update(
            {
                "facility": facility.ref,
                "reported_by": sim.staff(facility, "clerk", "midwife"),
                "found_at": sim.time(found, facility),
                "reported_at": sim.time(found + delay, facility),
                "place": self.d.pick(WARD_PLACES),
                "condition": self.d.pick(CONDITIONS),
            }
        )
        sim.w.write("abandonment_reports", record)
        return ref

    def on_time(self) -> int:
        """A report delay: mostly within the 24 h due time, 15 % late but within the 72 h grace."""
        if self.d.chance(0.15):
            return self.d.between((REPORT_DUE_HOURS + 2) * HOUR, (REPORT_GRACE_HOURS - 2) * HOUR)
        return self.d.between(HOUR, (REPORT_DUE_HOURS - 1) * HOUR)

    def into_care(self, child: Child, found: int, facility: Agency) -> int | None:
        """Transfer the child to the province's child protection agency a few days later; return the time."""
        t = found + self.d.between(2 * DAY, 10 * DAY)
        if t >= self.sim.now:
            return None
        care = self.sim.world.of_province("child_protection", facility.province)
        self.sim.event(
            child, "transfer", t, facility, self.sim.staff(facility, "clerk", "nurse"), to_facility=care.ref
        )
        return t

    def _abandon(self, i: int, ts: int, size: int, facility: Agency) -> None:
        child, event, found = self._abandoned(i, ts, facility)
        self.report(child, event, found, self.on_time(), facility)
        self.into_care(child, found, facility)

    def _recent_abandon(self, i: int, ts: int, size: int, facility: Agency) -> None:
        """Found less than 72 h before "now" and not reported yet: still within grace, not a missed report."""
        self._abandoned(i, ts, facility, latest=ts + (self.sim.now - ts) // 2)

    def _missed(self, i: int, ts: int, size: int, facility: Agency) -> None:
        child, event, found = self._abandoned(i, ts, facility)
        self.into_care(child, found, facility)
        self.sim.plant(
            "missed_abandonment_report",
            ("births", child.ref),
            [("births", child.ref), ("custody_events", event)],
        )

    def _late(self, i: int, ts: int, size: int, facility: Agency) -> None:
        child, event, found = self._abandoned(i, ts, facility)
        delay = min(self.d.between(5 * DAY, 40 * DAY), self.sim.now - found - HOUR)
        report = self.report(child, event, found, delay, facility)
        self.into_care(child, found, facility)
        self.sim.plant(
            "late_abandonment_report",
            ("abandonment_reports", report),
            [("abandonment_reports", report), ("custody_events", event)],
        )

    # pregnancies that end without a birth in the dataset -------------------------------------------------
    def _pregnancies_without_birth(self) -> None:
        """Open pregnancies (due soon or within 6 weeks past), losses, moves away, and planted vanishings.

        The kinds are shuffled together so that a pregnancy's place in the file says nothing of its fate.
        """
        d, n = self.d, len(self.sk.times)
        per_day = n / max(1, (self.sim.now - self.sim.start) / DAY)
        kinds = (
            ["open"] * round(per_day * 0.8 * 240)
            + ["loss"] * round(n * 0.05)
            + ["moved_away"] * round(n * 0.012)
            + ["vanished"] * self.counts.vanished
        )
        for k in range(len(kinds) - 1, 0, -1):
            j = d.below(k + 1)
            kinds[k], kinds[j] = kinds[j], kinds[k]
        now_day = self.sim.now_day(self.sim.world.facilities[0])
        for kind in kinds:
            getattr(self, f"_unborn_{kind}")(now_day)

    def _unborn_open(self, now_day: dt.date) -> None:
        """Due from 6 weeks ago to 28 weeks ahead: still open, not vanished (the birth may yet be recorded)."""
        expected = now_day + dt.timedelta(days=self.d.between(-42, 198))
        week = self.d.between(7, 22)
        if expected - dt.timedelta(days=280 - 7 * week) <= now_day:
            self._unborn(expected, week, now_day + dt.timedelta(days=1))

    def _unborn_loss(self, now_day: dt.date) -> None:
        expected = now_day - dt.timedelta(days=self.d.between(60, 700))
        lost = expected - dt.timedelta(days=self.d.between(100, 230))
        ref, facility = self._unborn(expected, self.d.between(6, 12), lost)
        self.sim.pregnancy_event(ref, "loss", lost, facility, None)

    def _unborn_moved_away(self, now_day: dt.date) -> None:
        expected = now_day - dt.timedelta(days=self.d.between(45, 700))
        moved = expected - dt.timedelta(days=self.d.between(14, 120))
        ref, facility = self._unborn(expected, self.d.between(7, 16), moved)
        self.sim.pregnancy_event(ref, "moved_away", moved, facility, None)

    def _unborn_vanished(self, now_day: dt.date) -> None:
        expected = now_day - dt.timedelta(days=self.d.between(70, 600))
        last_visit = expected - dt.timedelta(days=self.d.between(10, 70))
        ref, _facility = self._unborn(expected, self.d.between(8, 18), last_visit, id_chance=0.7)
        self.sim.plant("vanished_pregnancy", ("pregnancies", ref), [("pregnancies", ref)])

    def _unborn(
        self, expected: dt.date, week: int, until: dt.date, id_chance: float = 0.93
    ) -> tuple[str, Agency]:
        """A pregnancy of a new woman that has no birth in the dataset; visits stop at `until`."""
        sim = self.sim
        facility = self.d.pick(sim.world.facilities)
        ts = int(dt.datetime(expected.year, expected.month, expected.day, tzinfo=dt.UTC).timestamp())
        woman = sim.new_mother(ts, facility, id_chance=id_chance)
        return sim.pregnancy(woman.ref, facility, expected, until, enrol_week=week), facility

    def _serial_truth(self) -> None:
        """A woman recorded as the mother of deliveries too close together to be hers."""
        for group in self.sk.serial_groups:
            head = group[0]
            woman = self.women.get(head)
            refs = self.serial_births.get(head, [])
            if woman is None or len(group) < 2:
                continue
            evidence = [("births", r) if r.startswith("B-") else ("persons", r) for r in refs]
            self.sim.plant("serial_mother", ("persons", woman.ref), [("persons", woman.ref), *evidence])
