"""Staff pages come out in the reader's language, and every translation file keeps the English text's
placeholders, HTML and plural forms and is compiled as it stands."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import signed_in_client

LOCALE = Path(__file__).resolve().parent.parent / "src" / "kinward" / "locale"
LANGUAGES = ("id", "ru", "kk", "zh_Hans")
PERCENT = re.compile(r"%\([^)]+\)[sdif]|%[sdif]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*")
KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def _po_entries(language: str) -> tuple[int, list[dict]]:
    """(nplurals, entries) of a .po file; an entry maps msgctxt/msgid/msgid_plural/msgstr/msgstr[n] to text."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
    entries = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue  # comments, references and obsolete (#~) entries
            elif match := KEYWORD.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(f'"{match.group(2)}"')
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if "msgid" in entry:
            entries.append(entry)
    header = next(e for e in entries if e["msgid"] == "")
    nplurals = int(re.search(r"nplurals=(\d+)", header["msgstr"]).group(1))
    return nplurals, [e for e in entries if e["msgid"] != ""]


def _translations(entry: dict) -> list[str]:
    return [v for k, v in sorted(entry.items()) if k == "msgstr" or k.startswith("msgstr[")]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_the_placeholders_html_and_plural_forms_of_the_english_text(language):
    nplurals, entries = _po_entries(language)
    wrong = []
    for e in entries:
        english = e["msgid"] + e.get("msgid_plural", "")
        if "msgid_plural" in e and len(_translations(e)) != nplurals:
            wrong.append((e["msgid"], f"{len(_translations(e))} plural forms, the header says {nplurals}"))
        for text in _translations(e):
            for pattern, flag in ((PERCENT, "python-format"), (BRACES, "python-brace-format")):
                if flag in e["flags"] and set(pattern.findall(text)) != set(pattern.findall(english)):
                    wrong.append((e["msgid"], text))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(e["msgid"])):
                wrong.append((e["msgid"], text))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_translation_is_the_po_file_as_it_stands(language):
    _, entries = _po_entries(language)
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalog = dict(gettext.GNUTranslations(mo)._catalog)
    catalog.pop("", None)  # the header
    expected = {}
    for e in entries:
        if "fuzzy" in e["flags"]:
            continue
        key = f"{e['msgctxt']}\x04{e['msgid']}" if "msgctxt" in e else e["msgid"]
        if "msgid_plural" in e:
            expected.update({(key, i): text for i, text in enumerate(_translations(e))})
        else:
            expected[key] = e["msgstr"]
    stale = {k for k in expected.keys() | catalog.keys() if expected.get(k) != catalog.get(k)}
    assert stale == set(), f"{language}: django.mo differs from django.po (compile it again)"


def test_a_staff_page_is_in_russian_for_a_user_who_chose_russian(world):
    clerk = world.people["clerk"]
    clerk.preferred_language = "ru"
    clerk.save(update_fields=["preferred_language"])
    page = signed_in_client(clerk).get(reverse("registry:pregnancies")).content.decode()
    assert "Беременности под дородовым наблюдением" in page and "Поставить беременность на учёт" in page
    assert "Pregnancies in antenatal care" not in page


def test_a_staff_page_is_in_chinese_when_the_browser_asks_for_chinese(world):
    client = signed_in_client(world.people["clerk"])
    page = client.get(reverse("reporting:reports"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert "<h1>遗弃报告</h1>" in page and "报告被遗弃的新生儿" in page
    assert "Abandonment reports" not in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("kk", "Босануға дейінгі бақылаудағы жүктіліктер"), ("id", "Kehamilan dalam pemeriksaan antenatal")],
)
def test_the_language_switch_turns_a_staff_page_into_the_chosen_language(world, language, heading):
    client = signed_in_client(world.people["facility_supervisor"])
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert heading in client.get(reverse("registry:pregnancies")).content.decode()
