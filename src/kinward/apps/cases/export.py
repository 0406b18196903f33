"""Cases as CSV rows with columns named after IOM's Human Trafficking Case Data Standard (HTCDS v2.0).

HTCDS fields keep their prefixed names (prs_ person, vic_ victim context, per_ perpetrator context, hte_
historic trafficking events, cas_ case). Fields HTCDS does not have are prefixed `kw_` (Kinward). Multi-valued
fields (several perpetrator roles, events, referrals) are joined with " | " in time order. docs/cases.md has the
mapping table.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from kinward.apps.cases.models import Case, ConsentRecord

_GENDER = {"female": "Female", "male": "Male", "unknown": "Unknown"}
_STATUS = {"active": "Active", "follow_up": "FollowUp", "closure_requested": "FollowUp", "closed": "Closed"}
_EXPLOITATION = {
    "illegal_adoption": "IllegalAdoption",
    "surrogacy": "Surrogacy",
    "labour": "ForcedLabour",
    "sexual": "SexualExploitation",
    "begging": "ForcedBegging",
    "other": "Other",
    "unknown": "Unknown",
}
_HTE_TYPE = {"recruitment": "Recruitment", "transit": "Transit", "exploitation": "Exploitation"}
_ROLE = {
    "recruiter": "RecruiterOrIntermediary",
    "transporter": "Transporter",
    "exploiter": "Exploiter",
    "broker": "BrokerTravelAgent",
    "facility_staff": "Other",
    "family_member": "Other",
    "buyer": "BoughtIndividual",
    "document_forger": "Other",
    "other": "Other",
}


def _referrals(case: Case) -> list:
    return sorted(case.referrals.all(), key=lambda r: (r.requested_at, r.pk))


def _join(values: Iterable) -> str:
    return " | ".join(str(v) for v in values if v not in (None, ""))


def _consent_given(case: Case, purpose: str) -> str:
    rows = [c for c in case.consents.all() if c.purpose == purpose]
    if not rows:
        return ""
    return (
        "TRUE"
        if rows[-1].decision in (ConsentRecord.Decision.GIVEN, ConsentRecord.Decision.OVERRIDE)
        else "FALSE"
    )


def _latest_decision(case: Case):
    decisions = list(case.status_decisions.all())
    return decisions[-1] if decisions else None


def _closure_reason(case: Case) -> str:
    approved = [c for c in case.closure_requests.all() if c.status == "approved"]
    return approved[-1].reason if approved else ""


COLUMNS: tuple[tuple[str, Callable[[Case], object]], ...] = (
    ("kw_CaseReference", lambda c: c.reference),
    ("prs_FirstName", lambda c: c.given_name),
    ("prs_SecondName", lambda c: c.family_name),
    ("prs_Birthdate", lambda c: c.birth_date.isoformat() if c.birth_date else ""),
    ("kw_AgeEstimateYears", lambda c: "" if c.age_estimate_years is None else c.age_estimate_years),
    ("prs_Gender", lambda c: _GENDER.get(c.sex, "Unknown")),
    ("prs_Nationality", lambda c: c.nationality),
    ("kw_Languages", lambda c: c.languages),
    ("kw_NewbornId", lambda c: c.newborn_id),
    ("vic_AgreementToManagePersonalData", lambda c: _consent_given(c, "information_sharing")),
    ("vic_TypeOfExploitation", lambda c: _EXPLOITATION.get(c.exploitation_type, "Other")),
    ("vic_DetailsOfVulnerabilities", lambda c: c.vulnerabilities),
    ("kw_TraffickingStatus", lambda c: c.trafficking_status),
    ("kw_TraffickingStatusAuthority", lambda c: getattr(_latest_decision(c), "authority", "")),
    ("kw_TraffickingStatusDate", lambda c: getattr(_latest_decision(c), "decided_on", "") or ""),
    (
        "kw_LatestConcernLevel",
        lambda c: (list(c.screenings.all()) or [None])[-1].level if c.screenings.all() else "",
    ),
    ("per_RoleInProcess", lambda c: _join(_ROLE[p.role] for p in c.perpetrators.all())),
    (
        "per_RoleDetails",
        lambda c: _join(f"{p.get_role_display()}: {p.details}".rstrip(": ") for p in c.perpetrators.all()),
    ),
    ("hte_Type", lambda c: _join(_HTE_TYPE[e.type] for e in c.events.all())),
    ("hte_Date", lambda c: _join(e.date.isoformat() if e.date else "?" for e in c.events.all())),
    ("hte_City", lambda c: _join(e.city or "?" for e in c.events.all())),
    ("hte_Country", lambda c: _join(e.country or "?" for e in c.events.all())),
    ("cas_Status", lambda c: _STATUS[c.status]),
    ("kw_OpenedAt", lambda c: c.opened_at.isoformat()),
    ("cas_ReferredOrganisation", lambda c: _join(r.to_agency.name for r in _referrals(c))),
    (
        "cas_OutgoingReferralDate",
        lambda c: _join(r.requested_at.date().isoformat() for r in _referrals(c)),
    ),
    ("kw_ReferralService", lambda c: _join(r.service for r in _referrals(c))),
    ("kw_ReferralStatus", lambda c: _join(r.status for r in _referrals(c))),
    ("cas_ReasonForCaseClosure", _closure_reason),
)

HEADERS = tuple(name for name, _ in COLUMNS)


def cases_csv(cases: Iterable[Case]) -> str:
    """The cases as CSV text, one row per case, HTCDS-named columns (`HEADERS`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for case in cases:
        writer.writerow([_safe(getter(case)) for _, getter in COLUMNS])
    return out.getvalue()


def _safe(value: object) -> str:
    """Neutralise spreadsheet formulas (CSV injection): a cell starting with = + - @ gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
