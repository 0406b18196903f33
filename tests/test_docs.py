"""The documentation stays true: generated pages are fresh and every setting is documented."""

import re
from pathlib import Path

from kinward.apps.accounts.roles import render_roles_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_the_roles_and_permissions_page_is_generated_from_the_role_data():
    page = (ROOT / "docs" / "roles-and-permissions.md").read_text(encoding="utf-8")
    assert page == render_roles_markdown(), "docs/roles-and-permissions.md is stale: run `kinward docs roles`"


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "src" / "kinward" / "config" / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'"((?:KINWARD_[A-Z_]+)|DATABASE_URL)"', settings_source))
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(v for v in variables if f"`{v}`" not in documented)
    assert variables and missing == []


def test_every_translation_of_the_public_pages_is_filled_in():
    for language in ("id", "ru", "kk", "zh_Hans"):
        po = (ROOT / "src" / "kinward" / "locale" / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
        entries = po.split("\n\n")[1:]  # the first block is the header
        empty = [e for e in entries if re.search(r'^msgstr(\[0\])? ""$', e, re.M) and
                 not re.search(r'^msgstr(\[0\])? ""\n"', e, re.M)]
        assert empty == [], f"{language}: untranslated entries"
        assert "#, fuzzy" not in "\n\n".join(entries)
        assert (ROOT / "src" / "kinward" / "locale" / language / "LC_MESSAGES" / "django.mo").exists()


def test_the_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
