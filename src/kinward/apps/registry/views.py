"""Registry pages: a child's timeline with proof status and custody event forms, the registrar's review queue,
the public transparency page and the delivery room's birth notification (antenatal care: `views_antenatal.py`).
Views parse the request and call one selector or service; nothing is decided here."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import require
from kinward.apps.core.models import IdempotencyRecord
from kinward.apps.registry import antenatal, corrections, forms, selectors, services, views_corrections
from kinward.apps.registry.forms import CustodyEventForm
from kinward.apps.registry.models import Birth, CustodyEvent, Pregnancy
from kinward.apps.registry.timeline import STATUS_LABELS
from kinward.engines.ids import format_id
from kinward.engines.ids import validate as validate_newborn_id


@login_required
def child_find(request: HttpRequest) -> HttpResponse:
    selectors.child_search_check(actor=request.actor)
    newborn_id = request.GET.get("newborn_id", "").strip()
    if newborn_id:
        return redirect("registry:child", newborn_id=newborn_id)
    return render(request, "registry/find.html", {})


@login_required
def child(request: HttpRequest, newborn_id: str) -> HttpResponse:
    return _child_page(request, newborn_id)


def _child_page(
    request: HttpRequest, newborn_id: str, bound: CustodyEventForm | None = None, status: int = 200
) -> HttpResponse:
    record = selectors.child_record(actor=request.actor, newborn_id=newborn_id)
    rows = [
        {
            "state": s,
            "fields": [
                (name, value, name in s.corrected_fields)
                for name, value in s.values.items()
                if value not in (None, "", [])
            ],
        }
        for s in record.states
    ]
    return render(
        request,
        "registry/child.html",
        {
            "record": record,
            "rows": rows,
            "birth": record.birth,
            "newborn_id_display": format_id(record.birth.newborn_id),
            "status_label": STATUS_LABELS.get(record.status, record.status),
            "can_issue": authorize(request.actor, "registry.certificate.issue", record.birth).allowed,
            "event_forms": _custody_forms(request, record, bound),
            "proposals": views_corrections.proposal_rows(request.actor, record.birth),
        },
        status=status,
    )


@login_required
def review(request: HttpRequest) -> HttpResponse:
    queue = selectors.notification_queue(actor=request.actor)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "birth": b,
            "display": format_id(b.newborn_id),
            "status": selectors.notification_status(b),
            "late": services.registration_is_late(b),
        }
        for b in page
    ]
    waiting = []  # corrections proposed by others in the registrar's area, decided on the child's page
    if authorize(request.actor, corrections.APPROVE).allowed:
        waiting = corrections.corrections_pending(actor=request.actor)
    return render(request, "registry/review.html", {"page": page, "rows": rows, "corrections": waiting})


def _decide(request: HttpRequest, newborn_id: str, service, done: str) -> HttpResponse:
    birth = selectors.child_for_writing(newborn_id=newborn_id)
    try:
        service(actor=request.actor, birth=birth)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done.format(id=format_id(birth.newborn_id)))
    return redirect(reverse("registry:review"))


@login_required
@require_POST
def register(request: HttpRequest, newborn_id: str) -> HttpResponse:
    return _decide(
        request,
        newborn_id,
        services.birth_register,
        _("Birth {id} registered (a late registration waits for a second registrar)."),
    )


@login_required
@require_POST
def approve_late(request: HttpRequest, newborn_id: str) -> HttpResponse:
    return _decide(
        request, newborn_id, services.registration_approve_late, _("Late registration of {id} approved.")
    )


def transparency(request: HttpRequest) -> HttpResponse:
    """Public: the log's size and its latest signed checkpoint, and how to check them. No sign-in."""
    note = selectors.latest_checkpoint()
    return render(
        request,
        "registry/transparency.html",
        {
            "size": selectors.log_size(),
            "checkpoint": note,
            "checkpoint_size": selectors.checkpoint_size(note) if note else None,
            "verifier_key": selectors.verifier_key(),
        },
    )


# --- birth certificates (certificates.py) ------------------------------------------------------------------


@login_required
@require_POST
def certificate_issue(request: HttpRequest, newborn_id: str) -> HttpResponse:
    from kinward.apps.registry import certificates

    try:
        certificate = certificates.certificate_issue(actor=request.actor, newborn_id=newborn_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:child", newborn_id=newborn_id)
    return redirect("registry:certificate", certificate_id=certificate.pk)


@login_required
def certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    from kinward.apps.registry import certificates

    printable = certificates.certificate_for_print(actor=request.actor, certificate_id=certificate_id)
    return render(request, "registry/certificate.html", {"p": printable})


def _reason_texts() -> dict[str, str]:
    return {
        "bad_prefix": _("This is not a Kinward birth certificate: the text does not start with KW1:."),
        "bad_base45": _("The text is damaged: it contains characters a certificate cannot contain."),
        "bad_compression": _("The text is damaged: its content cannot be unpacked."),
        "bad_cose": _("The text is damaged: the signed part is malformed."),
        "unknown_key": _(
            "The certificate was not signed by a key of a registry office, or not while it was in use."
        ),
        "bad_signature": _("The signature does not match: the certificate was altered or forged."),
        "bad_claims": _("The signed facts are malformed or do not match the signing office."),
        "revoked_key": _(
            "The key that signed this certificate was revoked: ask the registry office to reissue it."
        ),
        "not_yet_valid": _("The certificate claims to be issued in the future."),
        "expired": _("The certificate has expired."),
        "unreadable_image": _("No QR code could be read in this photo: try a sharper, well-lit photo."),
    }


def _upload_texts() -> dict[str, str]:
    return {
        "too_large": _("The photo is too large."),
        "bad_type": _("Upload a PNG or JPEG photo."),
        "empty": _("Paste the certificate text or choose a photo of its QR code."),
    }


def verify(request: HttpRequest) -> HttpResponse:
    """Public: check a birth certificate from its text or a photo of its QR code. No sign-in, nothing kept."""
    from kinward.apps.registry import certificates

    context: dict = {"max_mb": certificates.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("photo")
        text = request.POST.get("text", "").strip()
        if upload is not None:
            problem = certificates.image_problem(upload.name, upload.content_type or "", upload.size)
            if problem:
                context["upload_error"] = problem
            else:
                context["verdict"] = certificates.certificate_verify(image=upload.read())
        elif text:
            context["verdict"] = certificates.certificate_verify(text=text)
        else:
            context["upload_error"] = "empty"
        context["text"] = text
        if "verdict" in context:
            context["reason_text"] = _reason_texts().get(context["verdict"].reason, context["verdict"].reason)
        if "upload_error" in context:
            context["upload_error_text"] = _upload_texts()[context["upload_error"]]
    return render(request, "registry/verify.html", context)


# --- pages for the facility: antenatal care, the delivery room's birth notification, custody events -----------


def _facility(request: HttpRequest) -> Agency:
    """The agency the signed-in person works for (a facility's clerk records for their own facility)."""
    return Agency.objects.select_related("region").get(pk=request.actor.agency_id)


def _offset(request: HttpRequest) -> int:
    """The UTC offset this person last used (the facility's), else the server's."""
    return int(request.session.get(OFFSET_SESSION_KEY, forms.local_offset_minutes()))


def _facility_choices(facility: Agency, *, child_protection: bool = False) -> list[tuple[int, str]]:
    kinds = [*services.FACILITY_KINDS, *(["child_protection"] if child_protection else [])]
    agencies = Agency.objects.filter(kind__in=kinds, country=facility.country, is_active=True)
    return list(agencies.exclude(pk=facility.pk).order_by("name").values_list("pk", "name"))


# --- the delivery room ---------------------------------------------------------------------------------------

OFFSET_SESSION_KEY = "registry_utc_offset"
SUBMISSION_FIELD = "submission"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class AlreadySubmitted(Exception):
    """This form (its submission token) was already sent."""


def _submission_key(token: str) -> str:
    return f"form:registry.birth_notify:{token}"


def _form_hash(request: HttpRequest) -> str:
    items = sorted(
        (k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", SUBMISSION_FIELD)
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def _pregnancy_choices(actor, facility: Agency) -> list[tuple[int, str]]:
    if not authorize(actor, antenatal.PREGNANCY_VIEW, services.agency_scope(facility)).allowed:
        return []
    return [
        (
            row.pregnancy.pk,
            f"{row.pregnancy.mother.given_name} {row.pregnancy.mother.family_name} · "
            f"{_('expected')} {row.pregnancy.expected_date.isoformat()}",
        )
        for row in selectors.pregnancies_open(actor=actor, facility=facility)
    ]


def _sibling(facility: Agency, newborn_id: str) -> Birth | None:
    return Birth.objects.select_related("mother").filter(newborn_id=newborn_id, facility=facility).first()


def _notify_once(request: HttpRequest, facility: Agency, form: forms.BirthNotifyForm, token: str) -> Birth:
    """Notify the birth and remember the form's submission token in the same transaction, so that a double
    submit (a second click, a resent request on a slow line) finds the first birth instead of making another."""
    actor = request.actor
    data = form.cleaned_data
    require(
        actor,
        "registry.birth.notify",
        services.agency_scope(facility),
        object_type="agency",
        object_id=facility.pk,
    )  # before the transaction, so a denial stays audited
    delivery, pregnancy_id = "", data["pregnancy"]
    if data["twin_of"]:
        sibling = _sibling(facility, data["twin_of"])
        if sibling is None:
            raise ValidationError({"twin_of": _("No child with this newborn ID was born at this facility.")})
        delivery, pregnancy_id = sibling.delivery, pregnancy_id or sibling.pregnancy_id
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=f"user:{actor.user_id}",
                    key=_submission_key(token),
                    method="POST",
                    path=request.path,
                    body_hash=_form_hash(request),
                )
        except IntegrityError:
            raise AlreadySubmitted from None
        birth = services.birth_notify(
            actor=actor,
            facility=facility,
            time=form.aware_time(),
            sex=data["sex"],
            outcome=data["outcome"],
            weight_g=data["weight_g"],
            mother=forms.person_data(data, "mother_"),
            mother_absent_reason=data["mother_absent_reason"],
            attendant_name=data["attendant_name"].strip(),
            attendant_role=data["attendant_role"],
            delivery=delivery,
            pregnancy_id=pregnancy_id,
            newborn_id=data["newborn_id"],
        )
        record.status_code = 303
        record.response_body = birth.newborn_id.encode()
        record.save(update_fields=["status_code", "response_body"])
    return birth


def _first_answer(request: HttpRequest, token: str) -> str | None:
    """The newborn ID the first submission of this form made (None when it was a different form content)."""
    record = IdempotencyRecord.objects.filter(
        principal=f"user:{request.actor.user_id}", key=_submission_key(token)
    ).first()
    if record is None or record.body_hash != _form_hash(request) or not record.response_body:
        return None
    return bytes(record.response_body).decode()


def _notify_initial(request: HttpRequest, facility: Agency, choices: list[tuple[int, str]]) -> dict:
    """Pre-filled from the pregnancy list (?pregnancy=) or the page of a first twin (?twin_of=)."""
    initial: dict = {}
    wanted = request.GET.get("pregnancy", "")
    if wanted.isdigit() and int(wanted) in dict(choices):
        pregnancy = Pregnancy.objects.select_related("mother").get(pk=int(wanted))
        initial = {"pregnancy": pregnancy.pk, **forms.person_initial(pregnancy.mother, "mother_")}
    twin = validate_newborn_id(request.GET.get("twin_of", ""))
    sibling = _sibling(facility, twin.id) if twin.valid else None
    if sibling is not None:
        initial = {
            "twin_of": format_id(sibling.newborn_id),
            **forms.person_initial(sibling.mother, "mother_"),
        }
        initial["mother_absent_reason"] = sibling.mother_absent_reason
    return initial


@login_required
def birth_notify(request: HttpRequest) -> HttpResponse:
    """The delivery room's form: notify a birth, then show the newborn ID for the wristband."""
    facility = _facility(request)
    require(
        request.actor,
        "registry.birth.notify",
        services.agency_scope(facility),
        object_type="agency",
        object_id=facility.pk,
    )
    choices = _pregnancy_choices(request.actor, facility)
    offset = _offset(request)
    if request.method != "POST":
        form = forms.BirthNotifyForm(
            offset=offset, pregnancy_choices=choices, initial=_notify_initial(request, facility, choices)
        )
        return _notify_page(request, form, facility, uuid.uuid4().hex)
    form = forms.BirthNotifyForm(request.POST, offset=offset, pregnancy_choices=choices)
    token = request.POST.get(SUBMISSION_FIELD, "")
    if not _TOKEN.match(token):
        form.add_error(None, _("This form is incomplete: open the form again."))
        token = uuid.uuid4().hex
    elif form.is_valid():
        try:
            birth = _notify_once(request, facility, form, token)
        except AlreadySubmitted:
            first = _first_answer(request, token)
            if first:
                return redirect("registry:birth_notified", newborn_id=first)
            form.add_error(None, _("This form was already sent with other values: open a new form."))
            token = uuid.uuid4().hex
        except ValidationError as invalid:
            forms.service_errors(form, invalid, form.renames)
        else:
            request.session[OFFSET_SESSION_KEY] = form.cleaned_data["utc_offset"]
            return redirect("registry:birth_notified", newborn_id=birth.newborn_id)
    return _notify_page(request, form, facility, token, status=400)


def _notify_page(request, form, facility, token: str, status: int = 200) -> HttpResponse:
    return render(
        request,
        "registry/birth_notify.html",
        {"form": form, "facility": facility, "submission": token},
        status=status,
    )


@login_required
def birth_notified(request: HttpRequest, newborn_id: str) -> HttpResponse:
    """The newborn ID, large, with its check character, to write on the wristband (an audited read)."""
    record = selectors.child_record(actor=request.actor, newborn_id=newborn_id)
    display = format_id(record.birth.newborn_id)
    return render(
        request,
        "registry/birth_notified.html",
        {"record": record, "birth": record.birth, "id_body": display[:-1], "id_check": display[-1]},
    )


# --- custody events on the child's page ----------------------------------------------------------------------


def _custody_form(
    event_type: str, *, request: HttpRequest, record: selectors.ChildRecord, data=None
) -> forms.CustodyEventForm:
    extra: dict = {}
    initial: dict = {}
    if event_type == "transfer":
        extra["facility_choices"] = _facility_choices(_facility(request), child_protection=True)
    elif event_type == "adoption_order":
        agency = _facility(request)
        extra["authority_choices"] = _agencies_of_kind(agency, "adoption_authority")
        extra["agency_choices"] = _agencies_of_kind(agency, "adoption_agency")
        own = {"adoption_authority": "authority", "adoption_agency": "adoption_agency"}.get(agency.kind)
        initial = {own: agency.pk} if own else {}  # an officer's own court or agency, by default
    elif event_type == "correction":
        extra["event_choices"] = [
            (str(s.event.event_id), f"{s.event.get_type_display()} · {s.time:%Y-%m-%d %H:%M}")
            for s in record.states
        ]
    if event_type == "discharge" and record.birth.mother is not None:
        initial = {**forms.person_initial(record.birth.mother, "to_"), "relationship": "mother"}
    return forms.CUSTODY_FORMS[event_type](
        data, prefix=event_type, offset=_offset(request), initial=initial, **extra
    )


def _agencies_of_kind(agency: Agency, kind: str) -> list[tuple[int, str]]:
    agencies = Agency.objects.filter(kind=kind, country=agency.country, is_active=True)
    return list(agencies.order_by("name").values_list("pk", "name"))


def _custody_forms(request: HttpRequest, record, bound: forms.CustodyEventForm | None) -> list:
    """The event forms the person may use on this child, each only where the service would accept it (custody
    events at the child's facilities, adoption orders for adoption officers of the region; none for a
    stillbirth)."""
    birth = record.birth
    if birth.outcome != "live":
        return []
    allowed: dict[str, bool] = {}
    made = []
    for event_type in forms.CUSTODY_FORMS:
        action = services.custody_action(event_type)
        if action not in allowed:
            allowed[action] = services.custody_may_record(
                actor=request.actor, event_type=event_type, child=birth
            )
        if not allowed[action] or (event_type == "correction" and not record.states):
            continue
        if bound is not None and bound.event_type == event_type:
            made.append(bound)
        else:
            made.append(_custody_form(event_type, request=request, record=record))
    return made


def _custody_input(form: forms.CustodyEventForm, child: Birth, facility: Agency) -> services.CustodyInput:
    """The service's input from a valid form; people and staff it names are resolved here (call inside the
    transaction of the event, as the API does)."""
    data = form.cleaned_data
    name = data["recorded_by_name"].strip()
    corrects = None
    if form.event_type == "correction":
        corrects = CustodyEvent.objects.get(event_id=data["corrects"], child=child)
    to = forms.person_data(data, "to_") if form.event_type == "discharge" else None
    parents = form.adoptive_parents() if isinstance(form, forms.AdoptionOrderForm) else []
    return services.CustodyInput(
        type=form.event_type,
        time=form.aware_time(),
        facility=facility,
        recorded_by=services.staff_resolve(agency=facility, name=name, role=data["recorded_by_role"])
        if name
        else None,
        to=services.person_resolve(data=to) if to else None,
        adoptive_parents=tuple(services.person_resolve(data=p) for p in parents),
        corrects=corrects,
        **form.event_fields(),
    )


@login_required
@require_POST
def custody_event(request: HttpRequest, newborn_id: str, event_type: str) -> HttpResponse:
    """Record a custody event from the child's page; a refusal shows on the form, over the timeline."""
    if event_type not in forms.CUSTODY_FORMS:
        raise Http404("no such custody event form")
    child = selectors.child_for_writing(newborn_id=newborn_id)
    services.custody_permission_check(actor=request.actor, event_type=event_type, child=child)
    record = selectors.child_record(actor=request.actor, newborn_id=newborn_id)
    form = _custody_form(event_type, request=request, record=record, data=request.POST)
    if form.is_valid():
        try:
            with (
                transaction.atomic()
            ):  # the people and staff it names are created with the event or not at all
                data = _custody_input(form, child, _facility(request))
                if form.event_type == "correction":  # four eyes: another person approves it
                    corrections.correction_propose(actor=request.actor, child=child, data=data)
                else:
                    services.custody_event_record(actor=request.actor, child=child, data=data)
        except ValidationError as invalid:
            forms.service_errors(form, invalid, form.renames)
        else:
            request.session[OFFSET_SESSION_KEY] = form.cleaned_data["utc_offset"]
            if form.event_type == "correction":
                messages.success(
                    request, _("Correction proposed: it takes effect when another person approves it.")
                )
            else:
                messages.success(request, _("Event recorded: %(type)s.") % {"type": form.event_type})
            return redirect("registry:child", newborn_id=child.newborn_id)
    return _child_page(request, newborn_id, bound=form, status=400)
