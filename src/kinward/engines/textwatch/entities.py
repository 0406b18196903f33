"""Contact-identifier extraction: phone, whatsapp, telegram, wechat, line, email, handle, url.

Works on the de-obfuscated text of :mod:`.normalize` and reports each entity with its exact raw substring and a
normalised value (formats as in the ads-dev README):

- numbers → E.164 (ITU-T E.164) via libphonenumber's ``is_valid_number``, with the region taken from an explicit
  ``+CC``, then from hints in the post (other numbers' countries, cities, currencies), then from its language;
- Telegram / LINE / WeChat / other handles → lower-case name without ``@`` or ``t.me/``; e-mail → lower-case
  address (also ``name [at] domain [dot] com``); URL → lower-case host and path without scheme, ``www.`` or a
  trailing ``/``.

The type comes from the nearest channel keyword before the identifier (``WA``, ``ватсап``, ``微信``, ``tg``, ``IG``
…) within :data:`CONTEXT_WINDOW` characters of the same sentence, or one in brackets right after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from .normalize import NormalizedText

CONTEXT_WINDOW = 32
ENTITY_TYPES = ("phone", "whatsapp", "telegram", "wechat", "line", "email", "handle", "url")


@dataclass(frozen=True)
class Entity:
    """One contact identifier: its type, the exact raw substring of the post, its normalised value."""

    type: str
    raw: str
    normalized: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str]:
        """The ``{type, raw, normalized}`` record of the evaluation format."""
        return {"type": self.type, "raw": self.raw, "normalized": self.normalized}


_KEYWORDS: list[tuple[str, str]] = [
    ("phone", r"微信同号|同微信|wechat same"),
    ("whatsapp", r"whats\s?app|whatsap|watsap|wassap|wa\.me|wa|w/a|ватсап|вотсап|вацап|ватсапп|уатсап|вотсапп"),
    ("telegram", r"telegram|telegramm|tele|tg|тг|телеграм|телеграмм|телега|t\.me"),
    ("wechat", r"wechat|weixin|微信号?|vx|wx|薇信|薇|加v|v信"),
    ("line", r"line\s?id|id\s?line|line"),
    ("qq", r"qq|扣扣|企鹅号?"),
    ("handle", r"instagram|insta|ig|fb|facebook|vk|вк|вконтакте|tiktok|тикток|twitter|weibo|微博|抖音|小红书"),
    ("phone", r"tel|telp|telepon|hp|hub|call|phone|text|sms|тел|телефон|звонить|звоните|моб|电话|手机|热线|"
     r"联系电话|電話|手機|致电|kaspi|каспи|нөмір|viber|вайбер"),
]  # fmt: skip
_KW_RE = re.compile("|".join(f"(?P<k{i}>(?:{alt})(?![a-z0-9а-яё]))" for i, (_, alt) in enumerate(_KEYWORDS)))
_WORDCHAR_RE = re.compile(r"[a-z0-9а-яё]")
_LETTER_RE = re.compile(r"[a-z\u0400-\u04ff]")
_SENTENCE_BREAK_RE = re.compile(r"[.!?;。！？\n](?:\s|$)|\n")
_NUMBERISH_BEFORE_RE = re.compile(r"(?:\d|млн|мың|тыс|млрд|k)\s*$")

_EMAIL_RE = re.compile(r"(?<![\w.+-])[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")
_OB_AT = r"\s*[\[\(\{<]\s*(?:at|@|собака)\s*[\]\)\}>]\s*"
_OB_DOT = r"(?:\s*[\[\(\{<]\s*(?:dot|точка|\.)\s*[\]\)\}>]\s*|\.|\s+dot\s+)"
_OB_EMAIL_RE = re.compile(
    rf"(?<![\w.])(?P<user>[a-z0-9][a-z0-9._\-]*)(?:{_OB_AT}"
    rf"(?P<dom>[a-z0-9\-]+(?:{_OB_DOT}[a-z0-9\-]+)*?{_OB_DOT}[a-z]{{2,}})"
    rf"|\s+at\s+(?P<dom2>[a-z0-9\-]+(?:\s+dot\s+[a-z0-9\-]+)+))(?![\w])"
)
_DOT_SPLIT_RE = re.compile(_OB_DOT)
_LINK_RE = re.compile(r"(?:https?://)?(?P<kind>t\.me|telegram\.me|wa\.me)/(?P<id>\+?[a-z0-9_]{3,})")
_ID = r"[a-z0-9][a-z0-9._\-]{2,}[a-z0-9]"
_KW_ID_RE = re.compile(
    r"(?<![a-z0-9])(?P<kw>wechat|weixin|微信号?|vx|wx|薇信|line\s?id|id\s?line|line|ig|instagram|insta|fb|"
    r"vk|вк|telegram|телеграм|qq|扣扣|v(?=\s*[:：]))(?:\s*(?P<colon>[:：])\s*|\s+|(?<=[\u4e00-\u9fff])(?=[a-z]))"
    rf"(?P<id>{_ID})(?![a-z0-9_@])"
)
_HANDLE_RE = re.compile(r"(?<![\w.@/])@(?P<id>[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?)")
_TLDS = (
    "com|org|net|edu|gov|info|biz|io|co|me|asia|xyz|site|online|shop|store|app|link|top|club|example|"
    "ru|kz|id|cn|my|sg|ph|au|uk|us|in|hk|tw|su|рф|қаз"
)
_URL_RE = re.compile(
    rf"(?<![\w@.\-/])(?:https?://)?(?:www\.)?(?P<host>[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*"
    rf"[a-z0-9])?)*\.(?:{_TLDS}))(?![\w\-])(?P<path>/[^\s,;)）。，！!?\"'«»]*)?"
)
_SEP = r"[ \t\-–.()/_*·•\u00a0\u2000-\u206f\u2190-\u2bff\U0001f000-\U0001faff]"
_DIGIT_RUN_RE = re.compile(rf"(?:\+\s?)?\(?\d(?:{_SEP}{{0,3}}\d)+")
_GROUP_RE = re.compile(r"\d+")
_MONEY_AFTER_RE = re.compile(
    r"^\s*(?:jt|juta|rb|ribu|k\b|rp|руб|р\.|₽|тг|тенге|теңге|мың|тыс|т\.р|млн|元|万|块|usd|sgd|\$|rm\b|%|кг|kg|"
    r"см|cm|гр|g\b|x\d)"
)
_MONEY_BEFORE_RE = re.compile(r"(?:rp\.?|\$|¥|₽|€|usd|sgd|rm|harga|цена|бағасы|价格|售价)\s*$")

_REGION_HINTS = {
    "singapore": "SG", "sgd": "SG", "malaysia": "MY", "johor": "MY", "kuala lumpur": "MY", "petaling": "MY",
    "rm": "MY", "manila": "PH", "quezon": "PH", "cebu": "PH", "pesos": "PH", "php": "PH", "sydney": "AU",
    "melbourne": "AU", "aud": "AU", "london": "GB", "jakarta": "ID", "rp": "ID", "алматы": "KZ", "астана": "KZ",
    "шымкент": "KZ", "москва": "RU", "hong kong": "HK", "香港": "HK", "台湾": "TW",
}  # fmt: skip
_HINT_RE = re.compile(r"(?<![a-zа-яё])(" + "|".join(map(re.escape, _REGION_HINTS)) + r")(?![a-zа-яё])")
_LANG_REGIONS = {
    "id": ("ID", "MY", "SG"),
    "ru": ("RU", "KZ"),
    "kk": ("KZ", "RU"),
    "zh": ("CN", "HK", "TW", "SG"),
    "en": ("US", "SG", "MY", "PH", "AU", "GB", "ID", "IN", "CA"),
}
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_CYR_RE = re.compile(r"[\u0400-\u04ff]")


def region_candidates(lang: str, text: str) -> list[str]:
    """Regions to try, in order, for a number written without ``+CC``: hints in the text, then the language's."""
    out: list[str] = [_REGION_HINTS[m.group(1)] for m in _HINT_RE.finditer(text)]
    for m in re.finditer(r"\+\s?(\d{1,3})", text):
        for cc_len in (1, 2, 3):
            region = phonenumbers.region_code_for_country_code(int(m.group(1)[:cc_len]))
            if region != "ZZ":
                out.append(region)
                break
    if lang == "mixed":  # regions of every script present, Latin last (Indonesian first, then English)
        if _HAN_RE.search(text):
            out.append("CN")
        if _CYR_RE.search(text):
            out.extend(("KZ", "RU"))
        out.extend(("ID",) + _LANG_REGIONS["en"] + _LANG_REGIONS["zh"])
    else:
        out.extend(_LANG_REGIONS.get(lang, _LANG_REGIONS["en"]))
    return list(dict.fromkeys(out))


_GOOD_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def parse_phone(digits: str, plus: bool, regions: list[str]) -> str | None:
    """E.164 form of a digit string (``plus`` if written with ``+``) valid in one of ``regions``; mobile numbers
    are preferred over other valid readings; ``None`` when no reading is valid."""
    if not 7 <= len(digits) <= 15:
        return None
    tries = [("+" + digits, None)] if plus else [(digits, r) for r in regions]
    if not plus and len(digits) >= 10 and digits[0] != "0":
        tries.append(("+" + digits, None))  # country code written without "+" (6281…, 7701…)
    fallback = None
    for number, region in tries:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.number_type(parsed) in _GOOD_TYPES:
                return e164
            fallback = fallback or e164
    return fallback


def _keywords(text: str) -> list[tuple[int, int, str]]:
    found = []
    for m in _KW_RE.finditer(text):
        if m.start() and _WORDCHAR_RE.match(text, m.start() - 1):
            continue  # not at the start of a word
        kind = _KEYWORDS[int(m.lastgroup[1:])][0]
        if m.group() in ("тг", "tg") and _NUMBERISH_BEFORE_RE.search(
            text[max(0, m.start() - 12) : m.start()]
        ):
            continue  # "1,5 млн тг" is tenge, not Telegram
        found.append((m.start(), m.end(), kind))
    return found


def _context_type(text: str, keywords: list[tuple[int, int, str]], start: int, end: int) -> str:
    """The channel keyword governing an identifier at ``[start, end)``: one in brackets right after it wins,
    else the nearest one before it in the same sentence and within :data:`CONTEXT_WINDOW` characters."""
    for ks, _ke, kind in keywords:
        if end < ks <= end + 3 and kind in ("whatsapp", "telegram", "wechat", "line") and "(" in text[end:ks]:
            return kind
    best = ""
    for _ks, ke, kind in keywords:
        if ke > start:
            break
        if start - ke <= CONTEXT_WINDOW and not _SENTENCE_BREAK_RE.search(text, ke, start):
            if kind == "qq" and any(c.isdigit() for c in text[ke:start]):
                continue  # a QQ number does not pass its type on to a later number
            best = kind
    return best


class _Claims:
    """Normalised-text spans already taken by an entity, so later patterns do not re-read them."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps no claimed span."""
        return all(end <= a or start >= b for a, b in self.spans)

    def take(self, start: int, end: int) -> None:
        """Claim ``[start, end)``."""
        self.spans.append((start, end))


def _phone_type(context: str) -> str:
    return context if context in ("whatsapp", "telegram", "wechat", "line") else "phone"


def _digit_runs(nt: NormalizedText, claims: _Claims, keywords, regions: list[str]) -> list[Entity]:
    text, out = nt.text, []
    for m in _DIGIT_RUN_RE.finditer(text):
        if not claims.free(m.start(), m.end()) or _MONEY_BEFORE_RE.search(
            text[max(0, m.start() - 10) : m.start()]
        ):
            continue
        if _MONEY_AFTER_RE.match(text, m.end()) or (m.start() and text[m.start() - 1].isalpha()):
            continue
        if _LETTER_RE.match(text, m.end()):
            continue  # digits glued to a Latin or Cyrillic word are not a phone number
        groups = [(g.start(), g.end()) for g in _GROUP_RE.finditer(text, m.start(), m.end())]
        i = 0
        while i < len(groups):
            found = None
            for j in range(len(groups) - 1, i - 1, -1):
                digits = "".join(text[a:b] for a, b in groups[i : j + 1])
                if len(digits) < 7:
                    break
                value = parse_phone(digits, i == 0 and text[m.start()] == "+", regions)
                if value:
                    found = (j, value, digits)
                    break
            if found is None:
                i += 1
                continue
            j, value, digits = found
            start, end = (m.start() if i == 0 else groups[i][0]), groups[j][1]
            context = _context_type(text, keywords, start, end)
            if context == "qq":
                out.append(Entity("handle", nt.raw_substring(start, end), digits, start, end))
            else:
                out.append(Entity(_phone_type(context), nt.raw_substring(start, end), value, start, end))
            claims.take(start, end)
            i = j + 1
    return out


def _emails_and_links(nt: NormalizedText, claims: _Claims) -> list[Entity]:
    text, out = nt.text, []
    for m in _EMAIL_RE.finditer(text):
        out.append(Entity("email", nt.raw_substring(m.start(), m.end()), m.group(), m.start(), m.end()))
        claims.take(m.start(), m.end())
    for m in _OB_EMAIL_RE.finditer(text):
        if claims.free(m.start(), m.end()):
            domain = ".".join(p for p in _DOT_SPLIT_RE.split(m.group("dom") or m.group("dom2")) if p)
            value = f"{m.group('user')}@{domain}"
            out.append(Entity("email", nt.raw_substring(m.start(), m.end()), value, m.start(), m.end()))
            claims.take(m.start(), m.end())
    for m in _LINK_RE.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        ident = m.group("id")
        if m.group("kind") == "wa.me":
            value = parse_phone(ident.lstrip("+"), True, [])
            if value is None:
                continue
            out.append(Entity("whatsapp", nt.raw_substring(m.start(), m.end()), value, m.start(), m.end()))
        else:
            out.append(Entity("telegram", nt.raw_substring(m.start(), m.end()), ident, m.start(), m.end()))
        claims.take(m.start(), m.end())
    return out


_KW_ID_TYPES = {"line": "line", "ig": "handle", "instagram": "handle", "insta": "handle", "fb": "handle",
                "vk": "handle", "вк": "handle", "qq": "handle", "扣扣": "handle", "telegram": "telegram",
                "телеграм": "telegram"}  # fmt: skip


def _named_ids(nt: NormalizedText, claims: _Claims, keywords) -> list[Entity]:
    text, out = nt.text, []
    for m in _KW_ID_RE.finditer(text):
        ident, start, end = m.group("id"), m.start("id"), m.end("id")
        kw = m.group("kw")
        if not claims.free(start, end):
            continue
        if ident.replace("-", "").replace(".", "").isdigit():
            if kw in ("qq", "扣扣"):  # QQ account numbers are handles, not phone numbers
                out.append(Entity("handle", nt.raw_substring(start, end), ident, start, end))
                claims.take(start, end)
            continue
        if not (m.group("colon") or re.search(r"[._\d]", ident) or not kw.isascii()):
            continue
        kind = _KW_ID_TYPES.get(kw, "line" if "line" in kw else "wechat")
        out.append(Entity(kind, nt.raw_substring(start, end), ident, start, end))
        claims.take(start, end)
    for m in _HANDLE_RE.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        context = _context_type(text, keywords, m.start(), m.end())
        kind = context if context in ("telegram", "line", "wechat") else "handle"
        out.append(Entity(kind, nt.raw_substring(m.start(), m.end()), m.group("id"), m.start(), m.end()))
        claims.take(m.start(), m.end())
    return out


def _urls(nt: NormalizedText, claims: _Claims) -> list[Entity]:
    out = []
    for m in _URL_RE.finditer(nt.text):
        path = (m.group("path") or "").rstrip("./")
        end = m.end("path") - (len(m.group("path")) - len(path)) if m.group("path") else m.end()
        if not claims.free(m.start(), end):
            continue
        value = m.group("host") + path
        out.append(Entity("url", nt.raw_substring(m.start(), end), value, m.start(), end))
        claims.take(m.start(), end)
    return out


def extract_entities(nt: NormalizedText, lang: str) -> list[Entity]:
    """All contact identifiers of a normalised post, in text order, one per normalised value (the first)."""
    claims = _Claims()
    keywords = _keywords(nt.text)
    found = _emails_and_links(nt, claims)
    found += _named_ids(nt, claims, keywords)
    found += _urls(nt, claims)
    found += _digit_runs(nt, claims, keywords, region_candidates(lang, nt.text))
    seen: set[str] = set()
    out = []
    for ent in sorted(found, key=lambda e: e.start):
        if ent.normalized not in seen:
            seen.add(ent.normalized)
            out.append(ent)
    return out
