"""Synthetic online posts for the synthetic country: mostly benign look-alikes (baby goods, lawful adoption
information, news reports, parenting talk — many with phone numbers) and broker ads whose contact numbers are
the phones of the people the planted clinic ring discharged babies to.

    phones = ring_broker_phones("data/synth")          # from truth.json, custody_events, persons
    posts = generate_posts(seed=7, n=120, broker_phones=phones)

Each post is a record in the textwatch evaluation format (ads-dev README): ``id``, ``lang``, ``platform``,
``text``, ``label``, ``risk``, ``entities`` (``{type, raw, normalized}``), plus ``broker`` (the persons ref
behind a broker ad) so that demos and tests can check the link. Deterministic: one
``numpy.random.Generator`` (PCG64) seeded by ``seed``. Everything is invented.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class SynthPostsError(ValueError):
    """The dataset folder lacks a file or a record the broker phones are read from."""


@dataclass(frozen=True)
class BrokerPhone:
    """A phone of a person a planted clinic ring discharged a baby to (the ring's broker)."""

    person: str
    phone: str
    clinic: str


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise SynthPostsError(f"{path} is missing: give a folder written by `kinward synth`")
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def ring_broker_phones(dataset_dir: str | Path) -> list[BrokerPhone]:
    """Phones of the persons behind the discharges of every planted ``clinic_ring`` pattern (truth.json →
    custody_events with type ``discharge`` → their ``to`` person → that person's ``phone``), in evidence order
    and without repeats. Persons without a phone are skipped."""
    folder = Path(dataset_dir)
    truth_path = folder / "truth.json"
    if not truth_path.exists():
        raise SynthPostsError(f"{truth_path} is missing: give a folder written by `kinward synth`")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    events = {e["ref"]: e for e in _read_jsonl(folder / "custody_events.jsonl")}
    persons = {p["ref"]: p for p in _read_jsonl(folder / "persons.jsonl")}
    found: list[BrokerPhone] = []
    seen: set[str] = set()
    for pattern in truth.get("patterns", []):
        if pattern.get("pattern") != "clinic_ring":
            continue
        clinic = pattern.get("subject", {}).get("ref", "")
        for evidence in pattern.get("evidence", []):
            event = events.get(evidence["ref"]) if evidence.get("type") == "custody_events" else None
            if not event or event.get("type") != "discharge" or not event.get("to"):
                continue
            phone = persons.get(event["to"], {}).get("phone")
            if phone and phone not in seen:
                seen.add(phone)
                found.append(BrokerPhone(person=event["to"], phone=phone, clinic=clinic))
    return found


def local_format(phone: str, style: int) -> str:
    """An E.164 number written the way posts write it: Indonesian numbers with the trunk 0 and dashes or
    spaces, or international with spaces (styles 0..3)."""
    national = phone[3:] if phone.startswith("+62") else ""
    if national:
        if style == 0:
            return f"0{national[:3]}-{national[3:7]}-{national[7:]}"
        if style == 1:
            return f"0{national}"
        if style == 2:
            return f"+62 {national[:3]} {national[3:7]} {national[7:]}"
        return f"0{national[:3]} {national[3:7]} {national[7:]}"
    return f"{phone[:-8]} {phone[-8:-4]} {phone[-4:]}" if style % 2 else phone


_BROKER_ADS = [
    (
        "offer_sale",
        "Dijual bayi {sex} sehat umur {age} hari, lahir di klinik, harga {price} juta nego. WA {phone}",
    ),
    (
        "offer_sale",
        "Ada bayi {sex} baru lahir, ibunya tidak sanggup merawat. Mahar {price} juta, hub {phone}",
    ),
    (
        "illegal_adoption",
        "Adopsi bayi {sex} cepat tanpa surat pengadilan, semua dokumen kami urus. WA {phone}",
    ),
    (
        "illegal_adoption",
        "Bayi siap diadopsi tanpa ribet, akta lahir langsung atas nama adopter. Hubungi {phone}",
    ),
    ("seek_buy", "Cari bayi {sex} baru lahir untuk diadopsi, siap bayar {price} juta. Hub WA {phone}"),
    ("surrogacy_broker", "Program ibu pengganti, bayar {price} juta, semua biaya ditanggung. Telp {phone}"),
]
_BENIGN = [
    ("Jual stroller bayi bekas, masih bagus, harga {price}00 ribu. WA {phone}", True),
    ("Dijual baju bayi {sex} umur 0-3 bulan, 10 potong {price}0 ribu. Hub {phone}", True),
    ("Info adopsi resmi: hubungi Dinas Sosial setempat, prosesnya lewat pengadilan. Telp {phone}", True),
    (
        "Polisi membongkar sindikat jual beli bayi; warga diminta melapor bila melihat iklan adopsi ilegal.",
        False,
    ),
    ("Resep bubur bayi {age} bulan: beras, wortel dan kaldu ayam, dimasak sampai lembut.", False),
    ("Posyandu bulan ini buka hari Sabtu jam 8, bawa buku KIA dan kartu imunisasi bayi.", False),
    ("Terima jasa pijat bayi dan ibu nifas, datang ke rumah. Booking WA {phone}", True),
    ("Arisan ibu-ibu komplek minggu depan di rumah Bu RT, jangan lupa bawa kue.", False),
]
_PLATFORMS = ("facebook", "instagram", "forum", "marketplace", "telegram")


def _benign_phone(rng: np.random.Generator) -> str:
    return "+628" + "".join(str(d) for d in rng.integers(0, 10, size=10))


def generate_posts(
    *, seed: int, n: int, broker_phones: list[BrokerPhone], broker_share: float = 0.25
) -> list[dict]:
    """``n`` posts: about ``broker_share`` broker ads (each broker's phone in several ads, on several platforms,
    from a few templates so that near-duplicate clusters form), the rest benign look-alikes."""
    if n < 1:
        raise SynthPostsError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    n_broker = round(n * broker_share) if broker_phones else 0
    posts = []
    for k in range(n):
        values = {
            "sex": ("laki-laki", "perempuan")[int(rng.integers(2))],
            "age": int(rng.integers(2, 12)),
            "price": int(rng.integers(8, 40)),
        }
        if k < n_broker:
            broker = broker_phones[k % len(broker_phones)]
            label, template = _BROKER_ADS[int(rng.integers(len(_BROKER_ADS)))]
            phone, person = broker.phone, broker.person
        else:
            template, with_phone = _BENIGN[int(rng.integers(len(_BENIGN)))]
            label, phone, person = "benign", _benign_phone(rng) if with_phone else "", ""
        raw = local_format(phone, int(rng.integers(4))) if phone else ""
        text = template.format(phone=raw, **values)
        entities = (
            [{"type": "whatsapp" if "WA " + raw in text else "phone", "raw": raw, "normalized": phone}]
            if raw
            else []
        )
        posts.append(
            {
                "id": f"synth-post-{seed}-{k + 1:05d}",
                "lang": "id",
                "platform": _PLATFORMS[int(rng.integers(len(_PLATFORMS)))],
                "text": text,
                "label": label,
                "risk": label != "benign",
                "entities": entities,
                "broker": person,
            }
        )
    order = rng.permutation(n)
    return [posts[i] for i in order]


def training_examples(*, seed: int, n: int) -> list[dict]:
    """``n`` labelled examples (``text``, ``label``, ``lang``) of invented brokers and look-alikes, plus three
    posts of mothers in distress (label ``review``), so that every textwatch label but one may occur; for
    training smoke tests and demos."""
    phones = [BrokerPhone(f"P-{i}", "+6281" + f"{i:09d}", "A-0") for i in range(1, 6)]
    examples = [
        {"text": p["text"], "label": p["label"], "lang": p["lang"]}
        for p in generate_posts(seed=seed, n=n, broker_phones=phones, broker_share=0.5)
    ]
    return examples + [{"text": text, "label": "review", "lang": "id"} for text in _DISTRESS]


_DISTRESS = [
    "Saya hamil 7 bulan, suami pergi dan saya tidak sanggup merawat bayi ini. Harus ke mana minta tolong?",
    "Tolong, saya baru melahirkan dan tidak punya uang untuk biaya rumah sakit, bayi saya mau dibawa orang.",
    "Bingung sekali, keluarga menyuruh saya menyerahkan bayi ke orang yang tidak saya kenal. Apa yang harus saya lakukan?",
]
