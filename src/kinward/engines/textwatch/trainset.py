"""Generation of the synthetic training set: templates × phrase pools × contacts × obfuscation, in Indonesian,
Russian, Kazakh, Chinese, English and code-mixed pairs, with many lawful look-alikes.

Every generated post carries its label and the contact entities planted in it (type, raw, normalized), so the
held-out split measures both the classifier and the extractor. Generation is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import phonenumbers

from .trainvocab import AGE, CITY, PRICE, RISKY, SEX
from .trainvocab_benign import BENIGN, BREEDS, ITEMS, NAMES

DATA_DIR = Path(__file__).with_name("data")
LANGS = ("id", "ru", "kk", "zh", "en")
MIXED_PAIRS = (("id", "en"), ("kk", "ru"), ("ru", "en"), ("zh", "en"))
PER_LANG = {"offer_sale": 220, "seek_buy": 130, "surrogacy_broker": 130, "illegal_adoption": 130,
            "review": 80, "benign": 700}  # fmt: skip
RECIPES = {
    "offer_sale": [["offer_open", "traits?", "money_offer", "bypass?", "docs?", "secrecy?", "contact?"],
                   ["offer_open", "money_offer", "contact"], ["traits", "offer_open", "money_offer", "docs"]],
    "seek_buy": [["seek_open", "seek_pay", "bypass?", "secrecy?", "contact?"],
                 ["recruit_preg", "recruit_offer", "secrecy?", "contact?"], ["seek_open", "seek_pay", "docs?"]],
    "surrogacy_broker": [["surro_recruit", "surro_terms", "surro_terms?", "contact?"],
                         ["surro_package", "surro_flags", "surro_flags?", "contact?"]],
    "illegal_adoption": [["illegal_open", "no_money?", "bypass", "docs?", "secrecy?", "contact?"],
                         ["illegal_open", "docs", "bypass?", "contact?"]],
    "review": [["review_terse"], ["distress"], ["review_terse", "contact"]],
}  # fmt: skip
KEYWORDS = {
    "whatsapp": {"id": ["WA", "wa", "WhatsApp"], "en": ["WhatsApp", "WA"], "ru": ["ватсап", "WhatsApp", "вотсап"],
                 "kk": ["ватсап", "WhatsApp"], "zh": ["WhatsApp"]},
    "phone": {"id": ["Hub", "Telp", "HP"], "en": ["Call", "Text", "Tel"], "ru": ["Тел.", "Звонить", "тел"],
              "kk": ["Тел:", "Хабарласыңыз:"], "zh": ["电话", "联系电话", "手机"]},
    "telegram": {"id": ["tele", "Telegram"], "en": ["Telegram", "TG"], "ru": ["Телеграм", "тг", "Тг"],
                 "kk": ["Телеграм", "тг"], "zh": ["Telegram"]},
}  # fmt: skip
_EMOJI = ["👶", "🍼", "🙏", "💰", "✨", "😊", "❤️", "📞", "🔥", "💕"]
_LOOKALIKE = {"0": "o", "1": "l"}
_DIGIT_WORDS = {
    "id": "nol satu dua tiga empat lima enam tujuh delapan sembilan".split(),
    "ru": "ноль один два три четыре пять шесть семь восемь девять".split(),
    "kk": "нөл бір екі үш төрт бес алты жеті сегіз тоғыз".split(),
    "zh": list("零一二三四五六七八九"),
    "en": "zero one two three four five six seven eight nine".split(),
}
_SYLLABLES = "ma ri na ka sa ya bu ndi lo ve ta mi ra no ke si an el ba hu".split()


def _national(rng: random.Random, lang: str) -> tuple[str, str, list[int]]:
    """A valid local number for the language's country: (national digits, E.164, grouping)."""
    while True:
        if lang == "id":
            nat = "08" + rng.choice(
                ["11", "12", "13", "21", "22", "52", "53", "57", "58", "77", "78", "96", "99"]
            )
            nat += "".join(rng.choices("0123456789", k=8))
            region, groups = "ID", [4, 4, 4]
        elif lang in ("ru", "kk"):
            prefix = (
                rng.choice(["701", "702", "705", "707", "747", "771", "775", "777", "778"])
                if lang == "kk"
                else (rng.choice(["903", "905", "912", "916", "921", "926", "962", "985"]))
            )
            nat = "8" + prefix + "".join(rng.choices("0123456789", k=7))
            region, groups = ("KZ" if lang == "kk" else "RU"), [1, 3, 3, 2, 2]
        elif lang == "zh":
            nat = rng.choice(["135", "138", "139", "150", "158", "186", "177"]) + "".join(
                rng.choices("0123456789", k=8)
            )
            region, groups = "CN", [3, 4, 4]
        else:
            nat = rng.choice(["8", "9"]) + "".join(rng.choices("0123456789", k=7))
            region, groups = "SG", [4, 4]
        parsed = phonenumbers.parse(nat, region)
        if phonenumbers.is_valid_number(parsed):
            return nat, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), groups


def _format_number(rng: random.Random, nat: str, e164: str, groups: list[int], lang: str) -> str:
    style = rng.random()
    if style < 0.08:
        return " ".join(_DIGIT_WORDS[lang][int(d)] for d in nat)
    parts, pos = [], 0
    for g in groups:
        parts.append(nat[pos : pos + g])
        pos += g
    if pos < len(nat):
        parts[-1] += nat[pos:]
    sep = rng.choice([" ", "-", " ", ".", "-"])
    text = sep.join(parts)
    if style < 0.2:
        trunk = 1 if lang in ("id", "ru", "kk") else 0
        cc = e164[: len(e164) - len(nat) + trunk]
        text = e164 if rng.random() < 0.4 else cc + " " + text[trunk:].strip(sep)
    elif style < 0.28:
        text = "".join(_LOOKALIKE.get(c, c) if rng.random() < 0.5 else c for c in text)
    elif style < 0.33:
        text = rng.choice(_EMOJI).join(parts)
    elif style < 0.37:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    return text


def _name(rng: random.Random) -> str:
    word = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 3)))
    return word + rng.choice(["", "_", ".", "_baby", ".bunda", "_adopt", "88", "_kz", ".family", "2024"])[:8]


def make_contact(rng: random.Random, lang: str) -> tuple[str, dict]:
    """A contact phrase for a post and the entity planted in it (type, raw, normalized)."""
    kind = rng.choices(["whatsapp", "phone", "telegram", "handle", "email", "wechat", "line", "url"],
                       weights=[5, 4, 3, 2, 1, 2 if lang == "zh" else 0, 1 if lang == "id" else 0, 1])[0]  # fmt: skip
    if kind in ("whatsapp", "phone"):
        nat, e164, groups = _national(rng, lang)
        raw = _format_number(rng, nat, e164, groups, lang)
        kw = rng.choice(KEYWORDS[kind][lang])
        return f"{kw} {raw}", {"type": kind, "raw": raw, "normalized": e164}
    name = _name(rng).strip("._")
    if kind == "telegram":
        name = name.replace(".", "_")  # Telegram usernames allow letters, digits and underscores only
        raw = "@" + name if rng.random() < 0.7 else "t.me/" + name
        return f"{rng.choice(KEYWORDS['telegram'][lang])} {raw}", {
            "type": kind,
            "raw": raw,
            "normalized": name,
        }
    if kind == "handle":
        return f"IG @{name}", {"type": kind, "raw": "@" + name, "normalized": name}
    if kind == "wechat":
        return f"微信 {name}", {"type": kind, "raw": name, "normalized": name}
    if kind == "line":
        return f"LINE: {name}", {"type": kind, "raw": name, "normalized": name}
    domain = rng.choice(["example.com", "example.org", "example.net"])
    if kind == "email":
        raw = f"{name}@{domain}" if rng.random() < 0.75 else f"{name} [at] {domain.replace('.', ' [dot] ')}"
        return f"email {raw}", {"type": kind, "raw": raw, "normalized": f"{name}@{domain}"}
    host = name.replace("_", "-").replace(".", "-") + "." + rng.choice(["example", "example.com"])
    raw = rng.choice(["", "www.", "https://"]) + host
    return f"{raw}", {"type": "url", "raw": raw, "normalized": host}


def _fill(template: str, lang: str, rng: random.Random, entities: list[dict]) -> str:
    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key == "contact":
            phrase, ent = make_contact(rng, lang)
            entities.append(ent)
            return phrase
        if key in ("quote", "quote2"):
            pools = RISKY[lang]
            slot = rng.choice(["offer_open", "bypass", "docs", "money_offer", "seek_open", "surro_recruit"])
            return _fill(rng.choice(pools[slot]), lang, rng, [])
        pool = {"sex": SEX, "age": AGE, "price": PRICE, "city": CITY, "item": ITEMS, "breed": BREEDS,
                "name": NAMES}.get(key)  # fmt: skip
        if pool is not None:
            return _fill(rng.choice(pool[lang]), lang, rng, entities)
        return str(rng.randint(2, 9))  # {n}, {k}

    return re.sub(r"\{(\w+)\}", sub, template)


_JOINERS = [". ", ", ", " ", "\n", " 👶 ", ". ", "! ", " | ", "\n\n"]
_HOMOGLYPH = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c"}


def _obfuscate(text: str, rng: random.Random) -> str:
    """Spammer tricks: Latin look-alikes in Cyrillic words, emoji, shouting, stretched key words."""
    r = rng.random()
    if r < 0.1:
        text = "".join(_HOMOGLYPH.get(c, c) if rng.random() < 0.3 else c for c in text)
    elif r < 0.18:
        text = text.upper() if len(text) < 160 else text
    elif r < 0.23:
        words = text.split(" ")
        k = rng.randrange(len(words))
        if 3 <= len(words[k]) <= 7 and words[k].isalpha():
            words[k] = " ".join(words[k])
        text = " ".join(words)
    if rng.random() < 0.3:
        text = text + " " + "".join(rng.choices(_EMOJI, k=rng.randint(1, 3)))
    return text


def _slot_langs(slots: list[str], lang: str, rng: random.Random) -> list[str]:
    if lang != "mixed":
        return [lang] * len(slots)
    a, b = rng.choice(MIXED_PAIRS)
    langs = [rng.choice((a, b)) for _ in slots]
    if len(slots) >= 2:
        langs[0], langs[1] = (a, b) if rng.random() < 0.5 else (b, a)
    return langs


def _risky_post(label: str, lang: str, rng: random.Random) -> tuple[str, list[dict]]:
    recipe = rng.choice(RECIPES[label])
    slots = [s.rstrip("?") for s in recipe if not s.endswith("?") or rng.random() < 0.5]
    langs = _slot_langs(slots, lang, rng)
    entities: list[dict] = []
    parts = []
    for slot, slot_lang in zip(slots, langs, strict=True):
        template = "{contact}" if slot == "contact" else rng.choice(RISKY[slot_lang][slot])
        parts.append(_fill(template, slot_lang, rng, entities))
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(_JOINERS) + part
    return text, entities


_TAILS = {"en": ["DM for details", "price negotiable", "any advice?", "serious buyers only", "thanks!"],
          "id": ["nego tipis ya", "COD aja", "makasih bun", "info lengkap japri"],
          "ru": ["пишите в лс", "торг уместен", "спасибо", "звоните"],
          "kk": ["хабарласыңыз", "жазыңыз", "рахмет"],
          "zh": ["私聊", "可小刀", "谢谢大家", "同城优先"]}  # fmt: skip


def _benign_post(lang: str, rng: random.Random) -> tuple[str, list[dict]]:
    base = lang
    other = None
    if lang == "mixed":
        base, other = rng.choice(MIXED_PAIRS)
        if rng.random() < 0.5:
            base, other = other, base
    families = [f for f, ts in BENIGN[base].items() if ts]
    weights = [3 if f in ("goods", "pet", "news", "service", "parenting") else 2 for f in families]
    family = rng.choices(families, weights=weights)[0]
    entities: list[dict] = []
    text = _fill(rng.choice(BENIGN[base][family]), base, rng, entities)
    if other is not None:
        text += rng.choice(_JOINERS) + rng.choice(_TAILS[other])
        if other == "en" and rng.random() < 0.5:
            text = rng.choice(["Hi all! ", "FYI: ", "Open order! ", "Sharing: "]) + text
    return text, entities


def generate(seed: int = 20261202, scale: float = 1.0) -> list[dict]:
    """The synthetic training posts: ``PER_LANG`` × ``scale`` per label in each of the five languages and in
    code-mixed text; unique texts; each with id, lang, label, risk, text, entities and ``source``."""
    rng = random.Random(seed)
    posts, seen = [], set()
    for lang in LANGS + ("mixed",):
        for label, count in PER_LANG.items():
            made = tries = 0
            while made < int(count * scale) and tries < count * 5:
                tries += 1
                if label == "benign":
                    text, ents = _benign_post(lang, rng)
                else:
                    text, ents = _risky_post(label, lang, rng)
                text = _obfuscate(text, rng)
                if text in seen or any(e["raw"] not in text for e in ents):
                    continue
                seen.add(text)
                made += 1
                posts.append({"id": f"gen-{len(posts) + 1:05d}", "lang": lang, "label": label,
                              "risk": label != "benign", "text": text, "entities": ents,
                              "source": "generated"})  # fmt: skip
    return posts


def load_jsonl(path: Path) -> list[dict]:
    """Read a JSON Lines file of posts; raises ValueError naming the line that is not a JSON object with text."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{no}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise ValueError(f"{path}:{no}: record has no string field 'text'")
            rows.append(row)
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write posts as UTF-8 JSON Lines."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def build_training_files(seed: int = 20261202, heldout_share: float = 0.15) -> tuple[Path, Path]:
    """Generate posts, add the hand-written ones (``data/handwritten.jsonl``), split into train and held-out
    (stratified by language and label) and write ``data/train.jsonl`` and ``data/heldout.jsonl``."""
    posts = generate(seed)
    hand = DATA_DIR / "handwritten.jsonl"
    if hand.exists():
        posts += [dict(r, source="handwritten") for r in load_jsonl(hand)]
    rng = random.Random(seed + 1)
    train, held = [], []
    groups: dict[tuple[str, str], list[dict]] = {}
    for post in posts:
        groups.setdefault((post["lang"], post["label"]), []).append(post)
    for key in sorted(groups):
        group = groups[key]
        rng.shuffle(group)
        k = max(1, round(len(group) * heldout_share)) if len(group) >= 4 else 0
        held += group[:k]
        train += group[k:]
    write_jsonl(DATA_DIR / "train.jsonl", train)
    write_jsonl(DATA_DIR / "heldout.jsonl", held)
    return DATA_DIR / "train.jsonl", DATA_DIR / "heldout.jsonl"
