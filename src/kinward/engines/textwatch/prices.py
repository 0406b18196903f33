"""Price mentions with their currency (ISO 4217 codes) and magnitude words (``20jt``, ``1,5 млн тг``, ``8万``).

Prices are reported separately from contact entities: they are evidence for the classifier's reasons and for
analysts, never part of the evaluated ``entities`` list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalize import NormalizedText

_MULT = {
    "jt": 1e6, "juta": 1e6, "rb": 1e3, "ribu": 1e3, "k": 1e3, "млн": 1e6, "миллион": 1e6, "тыс": 1e3,
    "т.р": 1e3, "т.р.": 1e3, "тр": 1e3, "мың": 1e3, "мыңнан": 1e3, "万": 1e4, "千": 1e3, "mn": 1e6,
    "million": 1e6, "m": 1e6,
}  # fmt: skip
_MULT_CURRENCY = {"jt": "IDR", "juta": "IDR", "rb": "IDR", "ribu": "IDR", "т.р": "RUB", "т.р.": "RUB",
                  "тр": "RUB", "мың": "KZT", "мыңнан": "KZT", "万": "CNY", "千": "CNY"}  # fmt: skip
_CUR_BEFORE = {"rp": "IDR", "rp.": "IDR", "$": "USD", "us$": "USD", "usd": "USD", "sgd": "SGD", "s$": "SGD",
               "rm": "MYR", "¥": "CNY", "₽": "RUB", "€": "EUR", "₸": "KZT", "php": "PHP", "₱": "PHP"}  # fmt: skip
_CUR_AFTER = {
    "руб": "RUB", "руб.": "RUB", "рублей": "RUB", "р.": "RUB", "р": "RUB", "₽": "RUB", "тг": "KZT",
    "тенге": "KZT", "теңге": "KZT", "₸": "KZT", "元": "CNY", "块": "CNY", "usd": "USD", "sgd": "SGD",
    "dollars": "USD", "долларов": "USD", "доллар": "USD", "долларға": "USD", "pesos": "PHP", "rm": "MYR",
    "rupiah": "IDR", "idr": "IDR", "kzt": "KZT", "rub": "RUB", "cny": "CNY", "rmb": "CNY",
}  # fmt: skip
_PRICE_WORDS = (
    r"harga|mahar|biaya|bayaran|imbalan|fee|price|цена|стоимость|оплата|бағасы|төлемі|价格|价|费|报酬"
)
_LANG_CURRENCY = {"id": "IDR", "ru": "RUB", "kk": "KZT", "zh": "CNY", "en": "USD"}


def _alt(keys) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_NUM = r"\d{1,3}(?:[ .,\u00a0]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_PRICE_RE = re.compile(
    rf"(?:(?P<cur1>{_alt(_CUR_BEFORE)})\s?)?(?P<num>{_NUM})(?:\s?[-–~]\s?(?P<num2>{_NUM}))?"
    rf"(?:\s?(?P<mult>{_alt(_MULT)})(?![a-zа-яё]))?(?:\s?(?P<cur2>{_alt(_CUR_AFTER)})(?![a-zа-яё]))?"
)
_WORD_BEFORE_RE = re.compile(r"[a-zа-яёәғқңөұүһі0-9]")
_PRICE_WORD_RE = re.compile(rf"(?:{_PRICE_WORDS})\s*[:：]?\s*$")


@dataclass(frozen=True)
class Price:
    """A price mention: raw substring, amount (upper bound of a range), ISO 4217 currency or ``None``."""

    raw: str
    amount: float
    currency: str | None

    def as_dict(self) -> dict:
        """Plain record for the output file."""
        return {"raw": self.raw, "amount": self.amount, "currency": self.currency}


def _number(text: str) -> float:
    text = text.replace("\u00a0", " ")
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", text):
        return float(re.sub(r"[ .,]", "", text))
    return float(text.replace(" ", "").replace(",", "."))


def extract_prices(nt: NormalizedText, lang: str, taken: list[tuple[int, int]] = ()) -> list[Price]:
    """Price mentions in a normalised post, skipping spans in ``taken`` (contact entities). A bare number counts
    only with a currency, a magnitude word or a price word (``harga``, ``цена``, ``价格`` …) right before it."""
    out = []
    for m in _PRICE_RE.finditer(nt.text):
        if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
            continue
        if m.start() and _WORD_BEFORE_RE.match(nt.text, m.start() - 1) and not m.group("cur1"):
            continue
        cur = _CUR_BEFORE.get(m.group("cur1") or "") or _CUR_AFTER.get(m.group("cur2") or "")
        mult = m.group("mult")
        priced = _PRICE_WORD_RE.search(nt.text, max(0, m.start() - 16), m.start())
        if not (cur or mult or priced):
            continue
        if mult in ("m", "k") and not (cur or priced):
            continue
        cur = cur or _MULT_CURRENCY.get(mult or "") or _LANG_CURRENCY.get(lang)
        try:
            amount = _number(m.group("num2") or m.group("num")) * _MULT.get(mult or "", 1.0)
        except ValueError:
            continue
        out.append(Price(nt.raw_substring(m.start(), m.end()), amount, cur))
    return out
