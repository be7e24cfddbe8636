"""docs/privacy.md stays true: its data inventory is the registry's, every table in both languages;
the README points to it and lists the commands.

After changing the registry: ``KUNDENFOKUS_UPDATE_DOCS=1 pytest tests/privacy/test_docs.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.services.privacy import REGISTRY, render_inventory

ROOT = Path(__file__).resolve().parents[2]
PRIVACY = ROOT / "docs" / "privacy.md"


def section(text: str, language: str) -> str:
    match = re.search(
        rf"<!-- inventory:{language}:start -->\n(.*?)<!-- inventory:{language}:end -->", text, re.S
    )
    assert match, f"docs/privacy.md has no inventory:{language} markers"
    return match.group(1)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_inventory_in_docs_privacy_is_the_registry(language):
    text = PRIVACY.read_text(encoding="utf-8")
    expected = render_inventory(language)
    if os.environ.get("KUNDENFOKUS_UPDATE_DOCS") and section(text, language) != expected:
        text = text.replace(section(text, language), expected)
        PRIVACY.write_text(text, encoding="utf-8")
    assert section(text, language) == expected, (
        "docs/privacy.md's data inventory is out of date; run KUNDENFOKUS_UPDATE_DOCS=1 pytest "
        "tests/privacy/test_docs.py and review the change"
    )


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_registered_table_is_in_the_inventory(language):
    inventory = section(PRIVACY.read_text(encoding="utf-8"), language)
    for table in REGISTRY:
        assert f"| `{table}` |" in inventory, table


def test_german_first_then_english_and_every_topic_in_both():
    text = PRIVACY.read_text(encoding="utf-8")
    german, english = text.split("\n## Deutsch\n", 1)[1].split("\n## English\n", 1)
    for part in (german, english):
        for needle in (
            "kundenfokus export --user",
            "kundenfokus forget --user",
            "kundenfokus forget --team",
            "KUNDENFOKUS_RETENTION_DAYS",
            "KUNDENFOKUS_DIGEST_MIN_GROUP",
            "UFORGOTTEN-",
            "> **",  # the paragraph for a works agreement
        ):
            assert needle in part, needle
    assert "Betriebsvereinbarung" in german and "works agreement" in english


def test_the_readme_points_to_privacy_and_lists_the_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Privacy" in readme and "docs/privacy.md" in readme
    assert "`kundenfokus forget --user U… [--team T…] [--yes]`" in readme
    assert "`kundenfokus forget --team T… [--yes] [--force]`" in readme
    assert "`kundenfokus export --user U… [--team T…]`" in readme
