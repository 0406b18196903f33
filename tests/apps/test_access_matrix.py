"""Who may open what: every page and every API route, visited as every persona, against a declared table.

A new page or route without an entry in ACCESS makes `test_every_route_is_declared` fail, so nobody can add one
without saying who may use it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kinward.config.api import api
from tests import factories as f
from tests.apps.cases import helpers as ch
from tests.apps.registry import helpers as rh
from tests.apps.reporting import helpers as rp
from tests.apps.reunification import builders as ru
from tests.apps.watch import helpers as wh
from tests.conftest import PERSONA_ROLES, actor_of

PERSONAS = ("anonymous", *PERSONA_ROLES, "token", "revoked_token")
SIGNED_IN = frozenset(PERSONA_ROLES)
EVERYONE = frozenset(PERSONAS)
NOBODY: frozenset[str] = frozenset()
RU_CASE = frozenset({"caseworker", "caseworker_other_agency", "case_supervisor"})
RU_WEST = frozenset({"caseworker", "case_supervisor"})

CASE_STAFF = frozenset({"caseworker", "caseworker_other_agency", "case_supervisor"})
RP_FILERS = frozenset({"clerk", "clerk_other_hospital", "facility_supervisor"})
RP_READERS = frozenset({"clerk", "facility_supervisor", "analyst", "case_supervisor"})
RP_SUPERVISORS = frozenset({"facility_supervisor", "analyst", "case_supervisor"})
RP_DECIDERS = frozenset({"facility_supervisor", "case_supervisor"})
REGISTRY_HEALTH = frozenset({"clerk", "clerk_other_hospital", "facility_supervisor"})  # each at their own facility
REGISTRY_WEST_HEALTH = frozenset({"clerk", "facility_supervisor"})  # the world's hospital
REGISTRY_APPROVERS = frozenset({"registrar", "facility_supervisor"})  # correction approvers of the world's hospital
CASE_OWN = frozenset({"caseworker", "case_supervisor"})

# route key: (method, path builder, personas allowed, status when allowed)
ACCESS = {
    # pages
    "core:home": ("GET", lambda w: reverse("core:home"), SIGNED_IN, 200),
    "core:login": ("GET", lambda w: reverse("core:login"), EVERYONE, 200),
    "core:logout": ("POST", lambda w: reverse("core:logout"), EVERYONE, 302),
    "core:password_change": ("GET", lambda w: reverse("core:password_change"), SIGNED_IN, 200),
    "core:health": ("GET", lambda w: reverse("core:health"), EVERYONE, 200),
    "set_language": ("POST", lambda w: reverse("set_language"), EVERYONE, 302),
    "audit:search": ("GET", lambda w: reverse("audit:search"), {"auditor"}, 200),
    "audit:export": ("GET", lambda w: reverse("audit:export"), {"auditor"}, 200),
    "accounts:tokens": ("GET", lambda w: reverse("accounts:tokens"), {"admin"}, 200),
    "accounts:token_revoke": ("POST", lambda w: reverse("accounts:token_revoke", args=[w.fresh_token().pk]),
                              {"admin"}, 302),
    "accounts:people": ("GET", lambda w: reverse("accounts:people"),
                        {"facility_supervisor", "case_supervisor", "auditor", "admin"}, 200),
    "accounts:person_unlock": ("POST", lambda w: reverse("accounts:person_unlock", args=[w.people["clerk"].pk]),
                               {"admin"}, 302),
    "jobs:list": ("GET", lambda w: reverse("jobs:list"), {"auditor", "admin"}, 200),
    "api:openapi-json": ("GET", lambda w: reverse("api:openapi-json"), EVERYONE, 200),
    "api:openapi-view": ("GET", lambda w: reverse("api:openapi-view"), EVERYONE, 200),
    "alerts:queue": ("GET", lambda w: reverse("alerts:queue"), {"analyst"}, 200),
    "alerts:precision": ("GET", lambda w: reverse("alerts:precision"), {"analyst", "case_supervisor"}, 200),
    "alerts:detail": ("GET", lambda w: reverse("alerts:detail", args=[w.fresh_alert().pk]), {"analyst"}, 200),
    "alerts:decide": ("POST", lambda w: reverse("alerts:decide", args=[w.fresh_alert().pk]), {"analyst"}, 302),
    "tips:submit": ("GET", lambda w: reverse("tips:submit"), EVERYONE, 200),
    "tips:status": ("GET", lambda w: reverse("tips:status"), EVERYONE, 200),
    "tips:add_information": ("POST", lambda w: reverse("tips:add_information"), EVERYONE, 200),
    "tips:triage": ("GET", lambda w: reverse("tips:triage"), {"analyst"}, 200),
    "tips:detail": ("GET", lambda w: reverse("tips:detail", args=[w.fresh_tip().pk]), {"analyst"}, 200),
    "tips:act": ("POST", lambda w: reverse("tips:act", args=[w.fresh_tip().pk]), {"analyst"}, 302),
    "tips:open_case": ("POST", lambda w: reverse("tips:open_case", args=[w.fresh_tip().pk]), {"analyst"}, 302),
    "tips:attachment": ("GET", lambda w: reverse("tips:attachment", args=w.fresh_tip_attachment()), {"analyst"},
                        200),
    # cases (caseworkers' side): own agency sees a case; another agency only through a referral to it
    "cases:list": ("GET", lambda w: reverse("cases:list"), CASE_STAFF, 200),
    "cases:create": ("GET", lambda w: reverse("cases:create"), CASE_STAFF, 200),
    "cases:deadlines": ("GET", lambda w: reverse("cases:deadlines"), CASE_STAFF, 200),
    "cases:referrals": ("GET", lambda w: reverse("cases:referrals"), CASE_STAFF, 200),
    "cases:outcomes": ("GET", lambda w: reverse("cases:outcomes"), CASE_STAFF, 200),
    "cases:directory": ("GET", lambda w: reverse("cases:directory"), CASE_STAFF, 200),
    "cases:export": ("GET", lambda w: reverse("cases:export"), {"case_supervisor"}, 200),
    "cases:detail": ("GET", lambda w: reverse("cases:detail", args=[ch.case(w).pk]), CASE_OWN, 200),
    "cases:act": ("POST", lambda w: reverse("cases:act", args=[ch.case(w).pk, "plan"]), CASE_OWN, 302),
    "cases:screen": ("GET", lambda w: reverse("cases:screen", args=[ch.case(w).pk, "child_indicators", 1]),
                     CASE_OWN, 200),
    "cases:referral": ("GET", lambda w: reverse("cases:referral", args=[ch.referral(w).pk]),
                       CASE_OWN | {"caseworker_other_agency"}, 200),
    "cases:referral_act": ("POST", lambda w: reverse("cases:referral_act", args=[ch.referral(w).pk, "respond"]),
                           {"caseworker_other_agency"}, 302),
    "GET /api/v1/cases/": ("GET", lambda w: "/api/v1/cases/", CASE_STAFF, 200),
    "POST /api/v1/cases/": ("POST", lambda w: "/api/v1/cases/", CASE_STAFF, 201),
    "GET /api/v1/cases/instruments": ("GET", lambda w: "/api/v1/cases/instruments", CASE_STAFF, 200),
    "GET /api/v1/cases/instruments/{code}/{version}": (
        "GET", lambda w: "/api/v1/cases/instruments/infant_adoption/1", CASE_STAFF, 200),
    "GET /api/v1/cases/referrals": ("GET", lambda w: "/api/v1/cases/referrals", CASE_STAFF, 200),
    "POST /api/v1/cases/referrals/{referral_id}/respond": (
        "POST", lambda w: f"/api/v1/cases/referrals/{ch.referral(w).pk}/respond", {"caseworker_other_agency"}, 200),
    "POST /api/v1/cases/referrals/{referral_id}/revoke": (
        "POST", lambda w: f"/api/v1/cases/referrals/{ch.referral(w).pk}/revoke", CASE_OWN, 200),
    "GET /api/v1/cases/outcomes": ("GET", lambda w: "/api/v1/cases/outcomes", CASE_STAFF, 200),
    "GET /api/v1/cases/{case_id}": ("GET", lambda w: f"/api/v1/cases/{ch.case(w).pk}", CASE_OWN, 200),
    "POST /api/v1/cases/{case_id}/screenings": (
        "POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/screenings", CASE_OWN, 201),
    "POST /api/v1/cases/{case_id}/consents": ("POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/consents", CASE_OWN, 201),
    "POST /api/v1/cases/{case_id}/status-decisions": (
        "POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/status-decisions", {"case_supervisor"}, 201),
    "POST /api/v1/cases/{case_id}/referrals": (
        "POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/referrals", CASE_OWN, 201),
    "POST /api/v1/cases/{case_id}/services": ("POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/services", CASE_OWN, 201),
    "POST /api/v1/cases/{case_id}/closure": ("POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/closure", CASE_OWN, 201),
    "POST /api/v1/cases/{case_id}/closure/decision": (
        "POST", lambda w: f"/api/v1/cases/{ch.case(w, closing=True).pk}/closure/decision", {"case_supervisor"}, 200),
    "PATCH /api/v1/cases/{case_id}/child": ("PATCH", lambda w: f"/api/v1/cases/{ch.case(w).pk}/child", CASE_OWN, 200),
    "POST /api/v1/cases/{case_id}/caseworker": (
        "POST", lambda w: f"/api/v1/cases/{ch.case(w).pk}/caseworker", {"case_supervisor"}, 200),
    # reunification pages (builders: tests/apps/reunification/builders.py)
    "reunification:tracing_list": ("GET", lambda w: reverse("reunification:tracing_list"), RU_CASE, 200),
    "reunification:tracing_detail": ("GET", lambda w: reverse("reunification:tracing_detail",
                                                              args=[ru.tracing(w).pk]), RU_WEST, 200),
    "reunification:children": ("GET", lambda w: reverse("reunification:children"), RU_CASE, 200),
    "reunification:samples": ("GET", lambda w: reverse("reunification:samples"), {"dna_analyst"}, 200),
    "reunification:sample_detail": ("GET", lambda w: reverse("reunification:sample_detail",
                                                             args=[ru.sample(w).pk]), {"dna_analyst"}, 200),
    "reunification:sample_search": ("POST", lambda w: reverse("reunification:sample_search",
                                                              args=[ru.typed_child_sample(w).pk]), {"dna_analyst"}, 302),
    "reunification:sample_runs": ("GET", lambda w: reverse("reunification:sample_runs",
                                                           args=[ru.search_run(w).sample_id]), {"dna_analyst"}, 200),
    "reunification:imports": ("GET", lambda w: reverse("reunification:imports"), {"dna_analyst"}, 200),
    "reunification:matches": ("GET", lambda w: reverse("reunification:matches"), RU_CASE | {"dna_analyst"}, 200),
    "reunification:match_detail": ("GET", lambda w: reverse("reunification:match_detail", args=[ru.match(w).pk]),
                                   RU_WEST | {"dna_analyst"}, 200),
    # API
    "GET /api/v1/reunification/children": ("GET", lambda w: "/api/v1/reunification/children", RU_CASE, 200),
    "POST /api/v1/reunification/children": ("POST", lambda w: "/api/v1/reunification/children", RU_CASE, 201),
    "GET /api/v1/reunification/tracing-requests": ("GET", lambda w: "/api/v1/reunification/tracing-requests", RU_CASE, 200),
    "POST /api/v1/reunification/tracing-requests": ("POST", lambda w: "/api/v1/reunification/tracing-requests", RU_CASE, 201),
    "GET /api/v1/reunification/tracing-requests/{request_id}": (
        "GET", lambda w: f"/api/v1/reunification/tracing-requests/{ru.tracing(w).pk}", RU_WEST, 200),
    "POST /api/v1/reunification/tracing-requests/{request_id}/members": (
        "POST", lambda w: f"/api/v1/reunification/tracing-requests/{ru.tracing(w).pk}/members", RU_WEST, 201),
    "POST /api/v1/reunification/members/{member_id}/dna-consent": (
        "POST", lambda w: f"/api/v1/reunification/members/{ru.tracing(w).members.get(relation='father').pk}/dna-consent", RU_WEST, 200),
    "GET /api/v1/reunification/samples": ("GET", lambda w: "/api/v1/reunification/samples", {"dna_analyst"}, 200),
    "POST /api/v1/reunification/samples": ("POST", lambda w: "/api/v1/reunification/samples", {"dna_analyst"}, 201),
    "GET /api/v1/reunification/samples/{sample_id}": ("GET", lambda w: f"/api/v1/reunification/samples/{ru.sample(w).pk}", {"dna_analyst"}, 200),
    "POST /api/v1/reunification/samples/{sample_id}/custody": (
        "POST", lambda w: f"/api/v1/reunification/samples/{ru.sample(w, status='collected').pk}/custody", {"dna_analyst"}, 201),
    "POST /api/v1/reunification/samples/{sample_id}/search": (
        "POST", lambda w: f"/api/v1/reunification/samples/{ru.typed_child_sample(w).pk}/search", {"dna_analyst"}, 202),
    "GET /api/v1/reunification/search-runs/{run_id}": (
        "GET", lambda w: f"/api/v1/reunification/search-runs/{ru.search_run(w).pk}", {"dna_analyst"}, 200),
    "POST /api/v1/reunification/children/{child_id}/case": (
        "POST", lambda w: f"/api/v1/reunification/children/{ru.child(w).pk}/case", RU_WEST, 200),
    "GET /api/v1/reunification/genotype-imports": ("GET", lambda w: "/api/v1/reunification/genotype-imports", {"dna_analyst"}, 200),
    "POST /api/v1/reunification/genotype-imports": ("POST", lambda w: "/api/v1/reunification/genotype-imports", {"dna_analyst"}, 201),
    "GET /api/v1/reunification/search-runs": ("GET", lambda w: "/api/v1/reunification/search-runs", {"dna_analyst"}, 200),
    "GET /api/v1/reunification/matches": ("GET", lambda w: "/api/v1/reunification/matches", RU_CASE | {"dna_analyst"}, 200),
    "GET /api/v1/reunification/matches/{match_id}": ("GET", lambda w: f"/api/v1/reunification/matches/{ru.match(w).pk}", RU_WEST | {"dna_analyst"},
                                              200),
    "POST /api/v1/reunification/matches/{match_id}/lab-review": (
        "POST", lambda w: f"/api/v1/reunification/matches/{ru.match(w).pk}/lab-review", {"dna_analyst"}, 200),
    "POST /api/v1/reunification/matches/{match_id}/safeguarding": (
        "POST", lambda w: f"/api/v1/reunification/matches/{ru.match(w, 'pending_safeguarding').pk}/safeguarding", RU_WEST, 200),
    "POST /api/v1/reunification/matches/{match_id}/decision": (
        "POST", lambda w: f"/api/v1/reunification/matches/{ru.match(w, 'pending_decision').pk}/decision", {"case_supervisor"}, 200),
    "POST /api/v1/reunification/matches/{match_id}/visits": (
        "POST", lambda w: f"/api/v1/reunification/matches/{ru.match(w, 'plan_reunification').pk}/visits", RU_WEST, 200),
    "POST /api/v1/reunification/matches/{match_id}/complete": (
        "POST", lambda w: f"/api/v1/reunification/matches/{ru.match(w, 'plan_reunification').pk}/complete", RU_WEST, 200),
    "GET /api/v1/accounts/me": ("GET", lambda w: "/api/v1/accounts/me", SIGNED_IN | {"token"}, 200),
    "GET /api/v1/accounts/agencies": ("GET", lambda w: "/api/v1/accounts/agencies",
                                      {"registrar", "analyst", "auditor", "admin"}, 200),
    "GET /api/v1/accounts/tokens": ("GET", lambda w: "/api/v1/accounts/tokens", {"admin"}, 200),
    "POST /api/v1/accounts/tokens": ("POST", lambda w: "/api/v1/accounts/tokens", {"admin"}, 201),
    "POST /api/v1/accounts/tokens/{token_id}/revoke": (
        "POST", lambda w: f"/api/v1/accounts/tokens/{w.fresh_token().pk}/revoke", {"admin"}, 200),
    "GET /api/v1/audit/entries": ("GET", lambda w: "/api/v1/audit/entries", {"auditor"}, 200),
    "GET /api/v1/audit/verify": ("GET", lambda w: "/api/v1/audit/verify", {"auditor", "admin"}, 200),
    # registry (tests/apps/registry/helpers.py builds the records)
    "registry:find": ("GET", lambda w: reverse("registry:find"),
                      {"clerk", "clerk_other_hospital", "facility_supervisor", "registrar", "analyst"}, 200),
    "registry:child": ("GET", lambda w: reverse("registry:child", args=[rh.a_birth(w).newborn_id]),
                       {"clerk", "facility_supervisor", "registrar", "analyst"}, 200),
    "registry:review": ("GET", lambda w: reverse("registry:review"), {"registrar"}, 200),
    "registry:register": ("POST", lambda w: reverse("registry:register", args=[rh.a_birth(w).newborn_id]),
                          {"registrar"}, 302),
    "registry:approve_late": ("POST", lambda w: reverse("registry:approve_late",
                                                        args=[rh.late_registration_pending(w).newborn_id]),
                              {"registrar"}, 302),
    "registry:transparency": ("GET", lambda w: reverse("registry:transparency"), EVERYONE, 200),
    "registry:certificate_issue": ("POST", lambda w: reverse("registry:certificate_issue",
                                   args=[rh.registered_birth(w).newborn_id]), {"registrar"}, 302),
    "registry:certificate": ("GET", lambda w: reverse("registry:certificate",
                             args=[rh.issued_certificate(w).pk]), {"registrar"}, 200),
    "registry:verify": ("GET", lambda w: reverse("registry:verify"), EVERYONE, 200),
    "registry:pregnancies": ("GET", lambda w: reverse("registry:pregnancies"), REGISTRY_HEALTH, 200),
    "registry:pregnancy_enrol": ("GET", lambda w: reverse("registry:pregnancy_enrol"), REGISTRY_HEALTH, 200),
    "registry:pregnancy": ("GET", lambda w: reverse("registry:pregnancy", args=[rh.a_pregnancy(w).pk]),
                           REGISTRY_WEST_HEALTH, 200),
    "registry:pregnancy_visit": ("POST", lambda w: reverse("registry:pregnancy_visit", args=[rh.a_pregnancy(w).pk]),
                                 REGISTRY_WEST_HEALTH, 302),
    "registry:pregnancy_end": ("POST", lambda w: reverse("registry:pregnancy_end", args=[rh.a_pregnancy(w).pk]),
                               REGISTRY_WEST_HEALTH, 302),
    "registry:birth_notify": ("GET", lambda w: reverse("registry:birth_notify"), REGISTRY_HEALTH, 200),
    "registry:birth_notified": ("GET", lambda w: reverse("registry:birth_notified", args=[rh.a_birth(w).newborn_id]),
                                {"clerk", "facility_supervisor", "registrar", "analyst"}, 200),
    "registry:custody_event": ("POST", lambda w: reverse("registry:custody_event",
                                                         args=[rh.a_birth(w).newborn_id, "discharge"]),
                               REGISTRY_WEST_HEALTH, 302),
    "POST /api/v1/registry/pregnancies": ("POST", lambda w: "/api/v1/registry/pregnancies", REGISTRY_WEST_HEALTH, 201),
    "GET /api/v1/registry/pregnancies": ("GET", lambda w: "/api/v1/registry/pregnancies", REGISTRY_HEALTH, 200),
    "POST /api/v1/registry/pregnancies/{pregnancy_id}/visits": (
        "POST", lambda w: f"/api/v1/registry/pregnancies/{rh.a_pregnancy(w).pk}/visits", REGISTRY_WEST_HEALTH, 200),
    "POST /api/v1/registry/pregnancies/{pregnancy_id}/outcomes": (
        "POST", lambda w: f"/api/v1/registry/pregnancies/{rh.a_pregnancy(w).pk}/outcomes", REGISTRY_WEST_HEALTH, 201),
    "POST /api/v1/registry/children/{newborn_id}/certificates": (
        "POST", lambda w: f"/api/v1/registry/children/{rh.registered_birth(w).newborn_id}/certificates",
        {"registrar"}, 201),
    "GET /api/v1/registry/certificates/{certificate_id}": (
        "GET", lambda w: f"/api/v1/registry/certificates/{rh.issued_certificate(w).pk}", {"registrar"}, 200),
    "POST /api/v1/registry/verify": ("POST", lambda w: "/api/v1/registry/verify", EVERYONE, 200),
    "GET /api/v1/registry/issuer-keys": ("GET", lambda w: "/api/v1/registry/issuer-keys", EVERYONE, 200),
    "POST /api/v1/registry/notifications": ("POST", lambda w: "/api/v1/registry/notifications",
                                            {"clerk", "facility_supervisor", "token"}, 201),
    "GET /api/v1/registry/notifications": ("GET", lambda w: "/api/v1/registry/notifications", {"registrar"}, 200),
    "GET /api/v1/registry/children/{newborn_id}": (
        "GET", lambda w: f"/api/v1/registry/children/{rh.a_birth(w).newborn_id}",
        {"clerk", "facility_supervisor", "registrar", "analyst"}, 200),
    "POST /api/v1/registry/children/{newborn_id}/custody-events": (
        "POST", lambda w: f"/api/v1/registry/children/{rh.a_birth(w).newborn_id}/custody-events",
        {"clerk", "facility_supervisor"}, 201),
    # corrections under four eyes: the clerk proposes, a registrar of the region or the facility's supervisor decides
    "registry:correction_approve": ("POST", lambda w: reverse("registry:correction_approve",
                                                              args=[rh.a_proposal(w).pk]), REGISTRY_APPROVERS, 302),
    "registry:correction_reject": ("POST", lambda w: reverse("registry:correction_reject",
                                                             args=[rh.a_proposal(w).pk]), REGISTRY_APPROVERS, 302),
    "POST /api/v1/registry/children/{newborn_id}/corrections": (
        "POST", lambda w: f"/api/v1/registry/children/{rh.recorded_death(w).child.newborn_id}/corrections",
        {"clerk", "facility_supervisor"}, 201),
    "GET /api/v1/registry/corrections": ("GET", lambda w: "/api/v1/registry/corrections", REGISTRY_APPROVERS, 200),
    "POST /api/v1/registry/corrections/{proposal_id}/approve": (
        "POST", lambda w: f"/api/v1/registry/corrections/{rh.a_proposal(w).pk}/approve", REGISTRY_APPROVERS, 200),
    "POST /api/v1/registry/corrections/{proposal_id}/reject": (
        "POST", lambda w: f"/api/v1/registry/corrections/{rh.a_proposal(w).pk}/reject", REGISTRY_APPROVERS, 200),
    "POST /api/v1/registry/children/{newborn_id}/register": (
        "POST", lambda w: f"/api/v1/registry/children/{rh.a_birth(w).newborn_id}/register", {"registrar"}, 200),
    "POST /api/v1/registry/children/{newborn_id}/approve-late": (
        "POST", lambda w: f"/api/v1/registry/children/{rh.late_registration_pending(w).newborn_id}/approve-late",
        {"registrar"}, 200),
    # each record on its own: the token (registry.birth.notify only) gets its birth written, its discharge rejected
    "POST /api/v1/registry/batches": ("POST", lambda w: "/api/v1/registry/batches",
                                      {"clerk", "facility_supervisor", "token"}, 201),
    "POST /api/v1/registry/fhir/Bundle": ("POST", lambda w: "/api/v1/registry/fhir/Bundle",
                                          {"clerk", "facility_supervisor", "token"}, 201),
    "GET /api/v1/registry/log/checkpoint": (
        "GET", lambda w: rh.signed_log(w) and "/api/v1/registry/log/checkpoint", EVERYONE, 200),
    "GET /api/v1/registry/log/key": ("GET", lambda w: "/api/v1/registry/log/key", EVERYONE, 200),
    "GET /api/v1/registry/log/leaves/{index}": (
        "GET", lambda w: f"/api/v1/registry/log/leaves/{rh.a_birth(w).ledger_index}", EVERYONE, 200),
    "GET /api/v1/registry/log/proof/inclusion": (
        "GET", lambda w: f"/api/v1/registry/log/proof/inclusion?index={rh.signed_log(w) - 1}", EVERYONE, 200),
    "GET /api/v1/registry/log/proof/consistency": (
        "GET", lambda w: f"/api/v1/registry/log/proof/consistency?first=1&second={rh.signed_log(w)}", EVERYONE,
        200),
    "POST /api/v1/tips/": ("POST", lambda w: "/api/v1/tips/", EVERYONE, 201),
    "POST /api/v1/tips/status": ("POST", lambda w: "/api/v1/tips/status", EVERYONE, 200),
    "POST /api/v1/tips/status/add": ("POST", lambda w: "/api/v1/tips/status/add", EVERYONE, 201),
    "GET /api/v1/tips/triage": ("GET", lambda w: "/api/v1/tips/triage", {"analyst"}, 200),
    "GET /api/v1/tips/triage/{tip_id}": ("GET", lambda w: f"/api/v1/tips/triage/{w.fresh_tip().pk}", {"analyst"},
                                         200),
    "POST /api/v1/tips/triage/{tip_id}/action": (
        "POST", lambda w: f"/api/v1/tips/triage/{w.fresh_tip().pk}/action", {"analyst"}, 200),
    "POST /api/v1/tips/triage/{tip_id}/case": (
        "POST", lambda w: f"/api/v1/tips/triage/{w.fresh_tip().pk}/case", {"analyst"}, 201),
    "GET /api/v1/alerts/": ("GET", lambda w: "/api/v1/alerts/", {"analyst"}, 200),
    "GET /api/v1/alerts/{alert_id}": ("GET", lambda w: f"/api/v1/alerts/{w.fresh_alert().pk}", {"analyst"}, 200),
    "POST /api/v1/alerts/{alert_id}/decision": (
        "POST", lambda w: f"/api/v1/alerts/{w.fresh_alert().pk}/decision", {"analyst"}, 200),
    # watch (online posts): analysts only; posts of the west police unit's own sources
    "watch:queue": ("GET", lambda w: reverse("watch:queue"), {"analyst"}, 200),
    "watch:post": ("GET", lambda w: reverse("watch:post", args=[wh.post(w.police).pk]), {"analyst"}, 200),
    "watch:decide": ("POST", lambda w: reverse("watch:decide", args=[wh.post(w.police).pk]), {"analyst"}, 302),
    "watch:open_case": ("POST", lambda w: reverse("watch:open_case", args=[wh.post(w.police).pk]), {"analyst"}, 302),
    "watch:screenshot": ("GET", lambda w: reverse("watch:screenshot", args=[wh.post(w.police, screenshot=True).pk]),
                         {"analyst"}, 200),
    "watch:submit": ("GET", lambda w: reverse("watch:submit"), {"analyst"}, 200),
    "watch:sources": ("GET", lambda w: reverse("watch:sources"), {"analyst"}, 200),
    "watch:source_poll": ("POST", lambda w: reverse("watch:source_poll", args=[wh.source(w.police).pk]),
                          {"analyst"}, 302),
    "watch:import": ("GET", lambda w: reverse("watch:import"), {"analyst"}, 200),
    "watch:entity": ("GET", lambda w: reverse("watch:entity", args=[wh.entity(w.police).pk]), {"analyst"}, 200),
    "watch:model": ("GET", lambda w: reverse("watch:model"), {"analyst"}, 200),
    "GET /api/v1/watch/posts": ("GET", lambda w: "/api/v1/watch/posts", {"analyst"}, 200),
    "POST /api/v1/watch/posts": ("POST", lambda w: "/api/v1/watch/posts", {"analyst"}, 201),
    "GET /api/v1/watch/posts/{post_id}": ("GET", lambda w: f"/api/v1/watch/posts/{wh.post(w.police).pk}",
                                          {"analyst"}, 200),
    "POST /api/v1/watch/posts/{post_id}/decision": (
        "POST", lambda w: f"/api/v1/watch/posts/{wh.post(w.police).pk}/decision", {"analyst"}, 200),
    "POST /api/v1/watch/posts/{post_id}/case": (
        "POST", lambda w: f"/api/v1/watch/posts/{wh.post(w.police).pk}/case", {"analyst"}, 201),
    "GET /api/v1/watch/sources": ("GET", lambda w: "/api/v1/watch/sources", {"analyst"}, 200),
    "POST /api/v1/watch/sources": ("POST", lambda w: "/api/v1/watch/sources", {"analyst"}, 201),
    "POST /api/v1/watch/sources/{source_id}/poll": (
        "POST", lambda w: f"/api/v1/watch/sources/{wh.source(w.police).pk}/poll", {"analyst"}, 200),
    "GET /api/v1/watch/entities/{entity_id}": (
        "GET", lambda w: f"/api/v1/watch/entities/{wh.entity(w.police).pk}", {"analyst"}, 200),
    "GET /api/v1/watch/models": ("GET", lambda w: "/api/v1/watch/models", {"analyst"}, 200),
    # allowed, but with no analyst decision yet there is nothing to learn from: 422 naming `decisions`
    "POST /api/v1/watch/models/retrain": ("POST", lambda w: "/api/v1/watch/models/retrain", {"analyst"}, 422),
    # mandatory reporting (builders: tests/apps/reporting/helpers.py); reports of the west hospital
    "reporting:file": ("GET", lambda w: reverse("reporting:file"), RP_FILERS, 200),
    "reporting:reports": ("GET", lambda w: reverse("reporting:reports"), RP_FILERS | RP_READERS, 200),
    "reporting:report": ("GET", lambda w: reverse("reporting:report", args=[rp.filing(w).pk]), RP_READERS, 200),
    "reporting:step_act": ("POST", lambda w: reverse("reporting:step_act", args=[rp.step(w, "police").pk,
                                                                                "acknowledge"]), {"analyst"}, 302),
    "reporting:dashboard": ("GET", lambda w: reverse("reporting:dashboard"), RP_SUPERVISORS, 200),
    "reporting:missed": ("GET", lambda w: reverse("reporting:missed", args=[rp.lead(w).pk]), RP_SUPERVISORS, 200),
    "reporting:missed_decide": ("POST", lambda w: reverse("reporting:missed_decide", args=[rp.lead(w).pk]),
                                RP_DECIDERS, 302),
    "reporting:penalties": ("GET", lambda w: reverse("reporting:penalties"), SIGNED_IN, 200),
    "reporting:penalty_open": ("POST", lambda w: reverse("reporting:penalty_open"), RP_DECIDERS, 302),
    "reporting:penalty": ("GET", lambda w: reverse("reporting:penalty", args=[rp.penalty(w).pk]), RP_READERS, 200),
    "reporting:penalty_act": ("POST", lambda w: reverse("reporting:penalty_act", args=[rp.penalty(w).pk, "respond"]),
                              {"clerk"}, 302),
    "POST /api/v1/reporting/reports": ("POST", lambda w: "/api/v1/reporting/reports", RP_FILERS, 201),
    "GET /api/v1/reporting/reports": ("GET", lambda w: "/api/v1/reporting/reports", RP_FILERS | RP_READERS, 200),
    "GET /api/v1/reporting/reports/{filing_id}": (
        "GET", lambda w: f"/api/v1/reporting/reports/{rp.filing(w).pk}", RP_READERS, 200),
    "POST /api/v1/reporting/steps/{step_id}/acknowledge": (
        "POST", lambda w: f"/api/v1/reporting/steps/{rp.step(w, 'police').pk}/acknowledge", {"analyst"}, 200),
    "POST /api/v1/reporting/steps/{step_id}/meeting": (
        "POST", lambda w: f"/api/v1/reporting/steps/{rp.step(w, 'child_protection', 'strategy_meeting').pk}/meeting",
        {"case_supervisor"}, 200),
    "GET /api/v1/reporting/dashboard": ("GET", lambda w: "/api/v1/reporting/dashboard", RP_SUPERVISORS, 200),
    "GET /api/v1/reporting/overdue-steps": ("GET", lambda w: "/api/v1/reporting/overdue-steps", RP_SUPERVISORS, 200),
    "GET /api/v1/reporting/missed": ("GET", lambda w: "/api/v1/reporting/missed", RP_SUPERVISORS, 200),
    "GET /api/v1/reporting/missed/{missed_id}": (
        "GET", lambda w: f"/api/v1/reporting/missed/{rp.lead(w).pk}", RP_SUPERVISORS, 200),
    "POST /api/v1/reporting/missed/{missed_id}/decision": (
        "POST", lambda w: f"/api/v1/reporting/missed/{rp.lead(w).pk}/decision", RP_DECIDERS, 200),
    "POST /api/v1/reporting/penalties": ("POST", lambda w: "/api/v1/reporting/penalties", RP_DECIDERS, 201),
    "GET /api/v1/reporting/penalties/{proceeding_id}": (
        "GET", lambda w: f"/api/v1/reporting/penalties/{rp.penalty(w).pk}", RP_READERS, 200),
    "POST /api/v1/reporting/penalties/{proceeding_id}/response": (
        "POST", lambda w: f"/api/v1/reporting/penalties/{rp.penalty(w).pk}/response", {"clerk"}, 200),
    "POST /api/v1/reporting/penalties/{proceeding_id}/decision": (
        "POST", lambda w: f"/api/v1/reporting/penalties/{rp.penalty(w, responded=True).pk}/decision", RP_DECIDERS,
        200),
}

POST_BODIES = {
    "reporting:missed_decide": lambda w: {"decision": "confirm", "reason": "no record of the child leaving"},
    "reporting:penalty_open": lambda w: {"filing_id": rp.late_filing(w).pk, "health_worker": w.people["clerk"].pk},
    "reporting:penalty_act": lambda w: {"response": "I reported as soon as the child was found."},
    "POST /api/v1/reporting/reports": lambda w: {
        "found_at": rp.iso_hours_ago(3), "place": "Clinic doorstep", "found_by": "cleaner", "condition": "well",
        "care_given": "warmed and fed"},
    "POST /api/v1/reporting/steps/{step_id}/meeting": lambda w: {"held_at": rp.iso_hours_ago(1),
                                                                 "attendees": "police, social services"},
    "POST /api/v1/reporting/missed/{missed_id}/decision": lambda w: {"decision": "dismiss", "reason": "transferred"},
    "POST /api/v1/reporting/penalties": lambda w: {"filing_id": rp.late_filing(w).pk,
                                                   "health_worker_id": w.people["clerk"].pk},
    "POST /api/v1/reporting/penalties/{proceeding_id}/response": lambda w: {"response": "I was on another ward."},
    "POST /api/v1/reporting/penalties/{proceeding_id}/decision": lambda w: {"outcome": "waived",
                                                                            "reasons": "understaffed ward"},
    "POST /api/v1/reunification/children": lambda w: {"found_on": "2026-01-05"},
    "POST /api/v1/reunification/children/{child_id}/case": lambda w: {"case_id": None},
    "POST /api/v1/reunification/tracing-requests": lambda w: {
        "received_on": "2026-01-05", "tracing_consent": True, "tracing_consent_on": "2026-01-05",
        "searcher": {"given_name": "Siti", "relation": "mother"}},
    "POST /api/v1/reunification/tracing-requests/{request_id}/members": lambda w: {"given_name": "Dewi", "relation": "full_sibling"},
    "POST /api/v1/reunification/members/{member_id}/dna-consent": lambda w: {"consent_on": "2026-01-06"},
    "POST /api/v1/reunification/samples": lambda w: {"code": f"API-{ru.child(w).pk}", "kit": "swab", "handled_by": "nurse",
                                    "collected_at": "2026-01-05T10:00:00Z", "place": "shelter",
                                    "donor_child_id": ru.child(w).pk},
    "POST /api/v1/reunification/samples/{sample_id}/custody": lambda w: {"kind": "sealed", "at": ru.NOW_ISO(),
                                                          "handled_by": "nurse", "place": "shelter"},
    "POST /api/v1/reunification/genotype-imports": lambda w: {
        "panel": "CODIS 20", "csv": f"profile_id,role,locus,allele1,allele2\n{ru.sample(w).code},child,TH01,6,7\n"},
    "POST /api/v1/reunification/matches/{match_id}/lab-review": lambda w: {"outcome": "not_confirmed", "notes": "contaminated"},
    "POST /api/v1/reunification/matches/{match_id}/safeguarding": lambda w: {
        "red_flags_checked": True, "case_history_notes": "none", "reports_notes": "none", "concern_sold": False,
        "concern_abandoned": False, "concern_harmed": False, "child_view_applicable": False,
        "current_carer": "shelter", "conclusion": "safe", "reasons": "no concern found"},
    "POST /api/v1/reunification/matches/{match_id}/decision": lambda w: {"outcome": "reunify", "reasons": "safe", "plan": "home"},
    "POST /api/v1/reunification/matches/{match_id}/visits": lambda w: {"visited_on": "2026-01-08", "child_seen": True,
                                                        "wellbeing": "good"},
    "cases:act": lambda w: {"plan-plan": "Emergency shelter, then kinship care; school from January."},
    "cases:referral_act": lambda w: {"respond-decision": "accept"},
    "POST /api/v1/cases/": lambda w: {"given_name": "Ayu", "sex": "female", "age_estimate_years": 2},
    "POST /api/v1/cases/referrals/{referral_id}/respond": lambda w: {"decision": "accept"},
    "POST /api/v1/cases/referrals/{referral_id}/revoke": lambda w: {"reason": "placed with kin instead"},
    "POST /api/v1/cases/{case_id}/screenings": lambda w: {"instrument": "child_indicators", "version": 1,
                                                          "answers": {"no_schooling": True}},
    "POST /api/v1/cases/{case_id}/consents": lambda w: {"purpose": "information_sharing", "decision": "given",
                                                        "given_by": "guardian"},
    "POST /api/v1/cases/{case_id}/status-decisions": lambda w: {
        "status": "possible", "authority": "Provincial anti-trafficking task force", "decided_on": "2026-01-05",
        "reasons": "Sold by clinic staff; documents forged."},
    "POST /api/v1/cases/{case_id}/referrals": lambda w: {"to_agency_id": w.other_child_protection.pk,
                                                         "service": "medical"},
    "POST /api/v1/cases/{case_id}/services": lambda w: {"entry": "delivery", "occurred_on": "2026-01-05",
                                                        "service": "psychosocial"},
    "POST /api/v1/cases/{case_id}/closure": lambda w: {"reason": "safe in kinship care"},
    "POST /api/v1/cases/{case_id}/closure/decision": lambda w: {"decision": "approve"},
    "PATCH /api/v1/cases/{case_id}/child": lambda w: {"given_name": "Ayu", "reason": "her aunt told us"},
    "POST /api/v1/cases/{case_id}/caseworker": lambda w: {"caseworker_id": w.people["case_supervisor"].pk,
                                                          "reason": "the caseworker is on leave"},
    "alerts:decide": lambda w: {"decision": "review"},
    "POST /api/v1/alerts/{alert_id}/decision": lambda w: {"decision": "review"},
    "POST /api/v1/accounts/tokens": lambda w: {"name": "HIS", "agency_id": w.hospital.pk,
                                               "actions": ["registry.birth.notify"]},
    "set_language": lambda w: {"language": "id", "next": "/"},
    "watch:decide": lambda w: {"outcome": "dismissed", "reason": "a news report"},
    "POST /api/v1/watch/posts/{post_id}/decision": lambda w: {"outcome": "dismissed", "reason": "a news report"},
    "POST /api/v1/watch/posts": lambda w: {"text": "Dijual bayi laki-laki sehat, hubungi WA 0812 3456 7890"},
    "POST /api/v1/watch/sources": lambda w: {"name": "Forum feed", "url": "https://forum.example/feed.xml"},
    "tips:add_information": lambda w: {"receipt_code": w.fresh_receipt(), "text": "The clinic moved."},
    "tips:act": lambda w: {"action": "assign"},
    "tips:open_case": lambda w: {"case-agency": w.child_protection.pk, "case-reason": "a baby offered", "case-sex": "unknown"},
    "POST /api/v1/tips/triage/{tip_id}/case": lambda w: {"agency_id": w.child_protection.pk, "reason": "a baby offered"},
    "watch:open_case": lambda w: {"case-agency": w.child_protection.pk, "case-reason": "a mother in distress",
                                  "case-sex": "unknown"},
    "POST /api/v1/watch/posts/{post_id}/case": lambda w: {"agency_id": w.child_protection.pk,
                                                          "reason": "a mother in distress"},
    "POST /api/v1/tips/": lambda w: {"category": "website", "what_happened": "A page offers babies.",
                                     "where": "online"},
    "POST /api/v1/tips/status": lambda w: {"receipt_code": w.fresh_receipt()},
    "POST /api/v1/tips/status/add": lambda w: {"receipt_code": w.fresh_receipt(), "message": "More."},
    "POST /api/v1/tips/triage/{tip_id}/action": lambda w: {"action": "assign"},
    "POST /api/v1/registry/notifications": lambda w: rh.notification_body(w),
    "POST /api/v1/registry/batches": lambda w: rh.offline_batch_body(w),
    "POST /api/v1/registry/fhir/Bundle": lambda w: rh.fhir_bundle(w),
    "POST /api/v1/registry/children/{newborn_id}/custody-events": lambda w: rh.discharge_body(),
    "POST /api/v1/registry/children/{newborn_id}/corrections": lambda w: {
        "corrects": str(w.correctable.event_id), "field": "cause", "new_value": "pneumonia", "reason": "typo"},
    "POST /api/v1/registry/corrections/{proposal_id}/reject": lambda w: {"reason": "the chart says sepsis"},
    "registry:correction_reject": lambda w: {"reason": "the chart says sepsis"},
    "POST /api/v1/registry/verify": lambda w: {"text": "KW1:NOT-A-CERTIFICATE"},
    "POST /api/v1/registry/pregnancies": lambda w: rh.pregnancy_body(w),
    "POST /api/v1/registry/pregnancies/{pregnancy_id}/visits": lambda w: {"date": str(rh.timezone.localdate())},
    "POST /api/v1/registry/pregnancies/{pregnancy_id}/outcomes": lambda w: {"type": "loss",
                                                                          "date": str(rh.timezone.localdate())},
    "registry:pregnancy_visit": lambda w: {"visit-date": str(rh.timezone.localdate())},
    "registry:pregnancy_end": lambda w: {"end-type": "moved_away", "end-date": str(rh.timezone.localdate()),
                                         "end-recorded_by_role": "midwife"},
    "registry:custody_event": lambda w: rh.discharge_form_body(),
}


def _page_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _page_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def discovered_routes() -> set[str]:
    pages = {name for name in _page_names(get_resolver().url_patterns)
             if not name.startswith("api:") or name.startswith("api:openapi")}
    schema = api.get_openapi_schema()
    operations = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods}
    return pages | operations


def test_every_route_is_declared():
    discovered = discovered_routes()
    assert discovered - set(ACCESS) == set(), "routes without an access entry"
    assert set(ACCESS) - discovered == set(), "access entries for routes that do not exist"


def fresh_alert(world):
    """A new alert about the west hospital (inside the west analyst's region)."""
    from django.utils import timezone

    from kinward.apps.alerts.models import Alert

    number = Alert.objects.count() + 1
    return Alert.objects.create(alert_key=f"A-matrix-{number}", rule="non_guardian_discharge", rule_version=1,
                                source="matrix", subject_type="custody_events", subject_ref=f"E-{number}",
                                reason="test", agency=world.hospital, last_seen_at=timezone.now())


def fresh_tip(world, attachments=()):
    """A new public tip about the west district (inside the west analyst's region)."""
    from kinward.apps.tips.services import tip_submit

    return tip_submit(category="clinic", what_happened="A clinic offers babies.", where="West",
                      region=world.west_district, attachments=list(attachments))


def fresh_tip_attachment(world) -> tuple[int, int]:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, format="PNG")
    tip = fresh_tip(world, [picture.getvalue()]).tip
    return tip.pk, tip.attachments.get().pk


def client_for(world, persona: str) -> tuple[Client, dict]:
    client = Client()
    if persona in PERSONA_ROLES:
        client.force_login(world.people[persona])
        return client, {}
    if persona in ("token", "revoked_token"):
        issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
        if persona == "revoked_token":
            from kinward.apps.accounts.services import api_token_revoke

            api_token_revoke(actor=actor_of(world.people["admin"]), token=issued.token)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    return client, {}


def expected_denial(route: str, persona: str) -> int:
    is_api = route.startswith(("GET /api", "POST /api", "PATCH /api"))
    if persona in ("anonymous", "revoked_token") or (persona == "token" and not is_api):
        return 401 if is_api else 302
    return 403


@pytest.mark.parametrize("route", sorted(ACCESS))
def test_each_persona_gets_the_declared_answer(world, route):
    method, build_path, allowed, ok_status = ACCESS[route]
    world.fresh_token = lambda: f.token(actor_of(world.people["admin"]), world.hospital,
                                        ["registry.birth.notify"]).token
    world.fresh_alert = lambda: fresh_alert(world)
    world.fresh_tip = lambda: fresh_tip(world).tip
    world.fresh_receipt = lambda: fresh_tip(world).receipt_code
    world.fresh_tip_attachment = lambda: fresh_tip_attachment(world)
    mismatches = []
    for persona in PERSONAS:
        client, headers = client_for(world, persona)
        path = build_path(world)
        if method == "GET":
            response = client.get(path, **headers)
        else:
            body = POST_BODIES.get(route, lambda w: {})(world)
            if route.startswith(("POST /api", "PATCH /api")):
                send = client.patch if method == "PATCH" else client.post
                response = send(path, data=body, content_type="application/json", **headers)
            else:
                response = client.post(path, data=body, **headers)
        expected = ok_status if persona in allowed else expected_denial(route, persona)
        if response.status_code != expected:
            mismatches.append(f"{persona}: got {response.status_code}, declared {expected}")
    assert mismatches == []
