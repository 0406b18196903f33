"""Demo data: synthetic DNA for a few rescued children and searching families, walked through the whole path.

Everything goes through the services, as the demo users (caseworker, dna_analyst, case_supervisor), so the
audit trail shows the same steps a real case would. The outcome, for the synthetic seed below:

* one match confirmed, assessed safe, decided "reunify" with a plan and a first follow-up visit;
* one match confirmed where the family turned out to have sold the child (a red-flag alert names each of its members):
  assessed "not safe", decided "alternative care";
* the other matches wait for the laboratory's review; a child whose family never searched has a search
  recorded with "no candidate above the threshold".
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.utils import timezone

from kinward.apps.accounts.models import User
from kinward.apps.accounts.services import actor_for_user
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.services import audit_record
from kinward.apps.reunification import services
from kinward.apps.reunification.models import DnaSample, MatchProposal, RescuedChild
from kinward.engines.kinship import Profile
from kinward.engines.synth.dna import CORE_PANEL, DnaOptions, generate_dna

DEMO_MARK = "DEMO-DNA-"
OPTIONS = DnaOptions(
    children=5,
    absent_families=1,
    decoy_families=1,
    sellers=1,
    missing_relative_rate=0.3,
    planted_mutations=1,
    seed=2026,
)
CHILD_NAMES = ("Ani", "Putri", "Bagus", "Rina", "Dimas", "Sari")
GIVEN = {
    "father": ("Budi", "Agus", "Joko", "Hendra", "Rudi", "Wawan"),
    "mother": ("Siti", "Dewi", "Wati", "Ratna", "Yuni", "Lestari"),
    "full_sibling": ("Eka", "Dian", "Tari", "Bayu", "Nur", "Adi"),
}
FAMILY = ("Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Nugroho")


def _csv(rows: list[tuple[str, str, Profile]], panel: tuple[str, ...] | None) -> str:
    lines = ["profile_id,role,locus,allele1,allele2"]
    for code, role, prof in rows:
        for locus, (a1, a2) in prof.genotypes.items():
            if panel is None or locus in panel:
                lines.append(f"{code},{role},{locus},{a1},{a2}")
    return "\n".join(lines) + "\n"


def _users() -> dict[str, User] | None:
    found = {
        u.username: u
        for u in User.objects.filter(username__in=["caseworker", "dna_analyst", "case_supervisor"])
    }
    return found if len(found) == 3 else None


def demo_seed(*, stdout: TextIO) -> None:
    """Seed the reunification demo (idempotent: does nothing when the demo children exist)."""
    users = _users()
    if users is None:
        stdout.write(
            "reunification demo: the caseworker, dna_analyst and case_supervisor users are missing\n"
        )
        return
    if RescuedChild.objects.filter(case_reference__startswith=DEMO_MARK).exists():
        return
    cw, lab, sup = (actor_for_user(users[n]) for n in ("caseworker", "dna_analyst", "case_supervisor"))
    scenario = generate_dna(options=OPTIONS)
    today = timezone.localdate()
    samples = _families_and_children(cw, lab, scenario, today)
    services.genotypes_import(
        actor=lab,
        filename="demo-codis20.csv",
        panel="CODIS 20",
        text=_csv([(s.code, r, p) for s, r, p in samples], CORE_PANEL),
    )
    for sample, role, _prof in samples:
        if role == "child":
            services.match_search_run(actor=lab, sample=DnaSample.objects.get(pk=sample.pk))
    _walk_paths(cw, lab, sup, scenario, samples, today)
    stdout.write(f"reunification demo: {MatchProposal.objects.count()} match proposals\n")


def _families_and_children(cw, lab, scenario, today: dt.date) -> list[tuple[DnaSample, str, Profile]]:
    out = []
    at = timezone.now() - dt.timedelta(days=20)
    children = {}
    for i, prof in enumerate(scenario.children):
        child = services.rescued_child_record(
            actor=cw,
            found_on=today - dt.timedelta(days=60 + i),
            name_known=CHILD_NAMES[i % len(CHILD_NAMES)],
            sex=prof.sex,
            case_reference=f"{DEMO_MARK}{prof.profile_id}",
            found_place="Batam harbour raid",
            current_carer="Shelter Rumah Aman",
            birth_date_estimated=today - dt.timedelta(days=400 + 300 * i),
        )
        children[prof.profile_id] = child
        out.append((_sample(lab, f"DNA-{prof.profile_id}", at, donor_child=child), "child", prof))
    refs: dict[str, list[Profile]] = {}
    for prof in scenario.references:
        refs.setdefault(prof.family_id, []).append(prof)
    for k, (fid, members) in enumerate(sorted(refs.items())):
        fam = scenario.truth["families"][fid]
        request = services.tracing_request_create(
            actor=cw,
            received_on=today - dt.timedelta(days=45),
            tracing_consent=True,
            tracing_consent_on=today - dt.timedelta(days=45),
            searcher=_member(members[0], k, fam),
            child_name=CHILD_NAMES[int(fam["child"][2:]) - 1] if fam["child"] else "Nia",
            child_sex="",
            lost_on=today - dt.timedelta(days=700),
            lost_place="Maternity clinic, Batam",
            lost_circumstances="Told the baby had died at birth"
            if not fam["sold_child"]
            else "Says the baby was taken from the clinic",
        )
        for prof in members[1:]:
            services.family_member_add(actor=cw, tracing_request=request, **_member(prof, k, fam))
        for member, prof in zip(request.members.order_by("id"), members, strict=True):
            out.append((_sample(lab, f"DNA-{prof.profile_id}", at, donor_member=member), "reference", prof))
    return out


def _member(prof: Profile, k: int, fam: dict) -> dict:
    ref = f"{DEMO_MARK}{prof.profile_id}"
    if fam["sold_child"]:
        Alert.objects.get_or_create(
            alert_key=f"{DEMO_MARK}{prof.profile_id}",
            defaults=dict(
                rule="non_guardian_discharge",
                rule_version=1,
                source="demo",
                subject_type="persons",
                subject_ref=ref,
                reason="Newborn discharged to a person who is not the mother, without an ID check; the family later "
                "received a payment from the same broker (demo)",
                last_seen_at=timezone.now(),
            ),
        )
    return {
        "given_name": GIVEN[prof.relation][k % 6],
        "family_name": FAMILY[k % 6],
        "relation": prof.relation,
        "sex": prof.sex,
        "phone": f"+62 812 0000 {k:02d}{len(prof.relation):02d}",
        "person_ref": ref,
        "dna_consent": True,
        "dna_consent_on": timezone.localdate() - dt.timedelta(days=44),
    }


def _sample(lab, code: str, at: dt.datetime, **donor) -> DnaSample:
    sample = services.dna_sample_record(
        actor=lab,
        code=code,
        kit="Buccal swab kit, lot 2026-07",
        collected_at=at,
        handled_by="Nurse R. (collector)",
        place="Shelter Rumah Aman",
        **donor,
    )
    for kind, hours, who in (
        ("sealed", 1, "Nurse R."),
        ("transferred", 5, "Courier A."),
        ("received", 30, "Lab clerk M."),
    ):
        services.sample_custody_record(
            actor=lab,
            sample=sample,
            kind=kind,
            at=at + dt.timedelta(hours=hours),
            handled_by=who,
            place="Laboratorium DNA" if kind == "received" else "Batam",
            seal_number="S-" + code[-6:],
        )
    return sample


def _walk_paths(cw, lab, sup, scenario, samples, today: dt.date) -> None:
    proposals = list(MatchProposal.objects.order_by("id"))
    sellers = {f"{DEMO_MARK}{cid}" for cid, c in scenario.truth["children"].items() if c["sold_by_family"]}
    sold = next((m for m in proposals if m.child.case_reference in sellers), None)
    safe = next((m for m in proposals if m is not sold and m.child.case_reference not in sellers), None)
    by_code = {s.code: (s, r, p) for s, r, p in samples}
    for match, verdict in ((safe, "safe"), (sold, "sold")):
        if match is None:
            continue
        codes = [match.child_sample.code, *match.member_samples.values_list("code", flat=True)]
        services.genotypes_import(
            actor=lab,
            filename=f"demo-extended-{match.pk}.csv",
            panel="extended 29",
            text=_csv([by_code[c] for c in codes], None),
        )
        services.lab_review_record(actor=lab, match=match, outcome="confirmed", notes="Extended panel typed.")
        match.refresh_from_db()
        _assess_and_decide(cw, sup, match, verdict, today)
    audit_record(actor=lab, action="reunification.demo.seed", object_type="match", object_id=len(proposals))


def _assess_and_decide(cw, sup, match: MatchProposal, verdict: str, today: dt.date) -> None:
    common = {
        "red_flags_checked": True,
        "case_history_notes": "Case file of the raid read; no earlier case.",
        "current_carer": "Shelter Rumah Aman",
        "child_view_applicable": False,
        "carer_view": "The shelter supports a careful return.",
    }
    if verdict == "safe":
        services.safeguarding_assess(
            actor=cw,
            match=match,
            **common,
            red_flag_notes="No alert names this family.",
            reports_notes="No abandonment or police report about the family.",
            concern_sold=False,
            concern_abandoned=False,
            concern_harmed=False,
            home_visit_notes="Home visited: safe and ready.",
            conclusion="safe",
            reasons="The family reported the child missing at once; no red flags.",
        )
        match.refresh_from_db()
        services.reunification_decide(
            actor=sup,
            match=match,
            outcome="reunify",
            reasons="Confirmed DNA match; safe home; family ready.",
            plan="Two introductory visits at the shelter, then handover at home with the caseworker present.",
            planned_for=today + dt.timedelta(days=14),
        )
        match.refresh_from_db()
        services.followup_visit_record(
            actor=cw,
            match=match,
            visited_on=today,
            child_seen=True,
            wellbeing="good",
            notes="First introductory visit went well.",
        )
        return
    alerts = [a.pk for a in Alert.objects.filter(subject_type="persons", subject_ref__startswith=DEMO_MARK)]
    services.safeguarding_assess(
        actor=cw,
        match=match,
        **common,
        red_flag_alerts=alerts,
        red_flag_notes="A red-flag alert names the family: discharge to a broker and a payment.",
        reports_notes="Police report: the family admitted receiving money for the baby.",
        concern_sold=True,
        concern_abandoned=False,
        concern_harmed=False,
        conclusion="not_safe",
        reasons="The DNA confirms the family, but the family sold the child: going home is not safe.",
    )
    match.refresh_from_db()
    services.reunification_decide(
        actor=sup,
        match=match,
        outcome="alternative",
        reasons="The family sold the child (alert and police report); the child stays protected.",
        plan="Long-term foster care; referral to police; supervised contact only if the child later wishes it.",
    )
