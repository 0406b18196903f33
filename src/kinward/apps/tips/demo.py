"""Demo tips: a Batam clinic offering babies for money, a pregnant woman who vanished, a website; one of them
already turned into an alert by the demo analyst. Idempotent: a tip already seeded is not seeded again."""

from __future__ import annotations

from typing import TextIO

from kinward.apps.accounts.authz import authorize
from kinward.apps.accounts.models import Region, User
from kinward.apps.accounts.services import actor_for_user
from kinward.apps.tips.models import Tip
from kinward.apps.tips.services import alert_from_tip, tip_submit, triage_action

DEMO_TIPS = (
    {
        "category": Tip.Category.CLINIC,
        "region": ("ID-RI-BTM", "Batam", "Kepulauan Riau", "Riau"),
        "what_happened": "A midwife at a small clinic near the harbour told my cousin that a newborn could be "
        "'adopted' for 40 million rupiah, paid in cash, and that papers would be arranged.",
        "where": "Private clinic near Batam Centre harbour",
        "when": "Two weeks ago",
        "seen_identifiers": "+62 812 7000 0101 (WhatsApp)",
    },
    {
        "category": Tip.Category.VANISHED_PREGNANCY,
        "region": ("ID-JB-BDG", "Bandung", "Jawa Barat"),
        "what_happened": "My neighbour was eight months pregnant and went to a clinic for check-ups. Since last "
        "month she is gone; her family says she 'went to work in Batam' and nobody saw a baby.",
        "where": "Kecamatan Coblong, Bandung",
        "when": "Last month",
        "seen_identifiers": "",
    },
    {
        "category": Tip.Category.WEBSITE,
        "region": None,
        "what_happened": "A website called an 'adoption home' posts photos of newborns with prices and asks for "
        "a deposit by bank transfer. It promises a birth certificate in the buyer's name.",
        "where": "Online",
        "when": "Seen this week",
        "seen_identifiers": "rumah-adopsi-bahagia.example, Telegram @adopsi_cepat_demo",
    },
)


def _region(code: str, *names: str) -> Region | None:
    """The demo region by its code, or else by the first name that matches (the synthetic country imported by
    the registry names its regions differently); None leaves the tip to every analyst of the country."""
    found = Region.objects.filter(code=code).first()
    for name in names:
        found = found or Region.objects.filter(name__icontains=name).order_by("level", "path").first()
    return found


def demo_seed(*, stdout: TextIO) -> None:
    made = []
    for spec in DEMO_TIPS:
        if Tip.objects.filter(what_happened=spec["what_happened"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "region"}
        region = _region(*spec["region"]) if spec["region"] else None
        submitted = tip_submit(region=region, language="id", **fields)
        made.append(submitted.tip)
        stdout.write(f"tip {submitted.tip.number}: receipt code {submitted.receipt_code} (demo only)\n")
    analyst = User.objects.filter(username="analyst").first()
    if analyst is None or not made or Tip.objects.exclude(alert=None).exists():
        return
    actor = actor_for_user(analyst)
    for tip in made:
        if authorize(actor, triage_action(tip), tip).allowed:
            alert = alert_from_tip(
                actor=actor, tip=tip, reason="Demo: the tip names a place and a contact that can be checked."
            )
            stdout.write(f"tip {tip.number} turned into alert {alert.pk}\n")
            return
