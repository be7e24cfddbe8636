"""Translations: the German catalogue is complete and well-formed, it compiles, plurals and dates are right
in both languages, and the main flows reach each person in their own language.

The completeness test extracts afresh from the source, so it fails whenever someone adds a string
without German — run ``python scripts/i18n.py extract && python scripts/i18n.py update`` and translate.
"""

from __future__ import annotations

import gettext
import importlib.util
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface

from bot.i18n import language_for, translator
from tests.slackutil import dms_to, press, responses, text_of, wait_dms, wait_response

ROOT = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")


def _load_script():
    spec = importlib.util.spec_from_file_location("kundenfokus_i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n_script = _load_script()


@pytest.fixture(scope="module")
def template() -> Catalog:
    return i18n_script.fresh_template()


@pytest.fixture(scope="module")
def german() -> Catalog:
    return i18n_script.load("de")


# --- the catalogue -------------------------------------------------------------------------------


def test_every_string_in_the_source_has_a_reviewed_german_translation(template, german):
    problems = i18n_script.problems(template, german)
    assert not problems, (
        "German catalogue incomplete — run `python scripts/i18n.py extract && python scripts/i18n.py update`, "
        "then translate bot/locale/de/LC_MESSAGES/messages.po:\n" + "\n".join(problems)
    )


def test_extraction_finds_attribute_calls_plurals_and_constants(template):
    ids = {message.id for message in template}
    assert "Got it" in ids  # tr._("…") in handlers/blocks.py
    assert "How to use /request" in ids  # reader.tr._("…") in handlers/commands/request.py
    assert ("{n} request", "{n} requests") in ids  # tr.n_(singular, plural, n)
    assert "I can't find that request any more." in ids  # N_("…") in handlers/common.ERRORS
    assert len(ids) > 80


def test_the_parser_cross_check_agrees_with_babel(template):
    """Every string Babel extracts is also found by the AST scan, so the scan can be trusted to fill gaps."""
    babel_ids = {message.id for message in template if message.id}
    assert babel_ids == set(i18n_script.marked_in_source())


def test_strings_babel_cannot_see_still_reach_the_template(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "9"\n')
    (tmp_path / "babel.cfg").write_text("[ignore: app/skip/**]\n[python: app/**.py]\n")
    (tmp_path / "app" / "skip").mkdir(parents=True)
    (tmp_path / "app" / "skip" / "fake.py").write_text('tr._("Not for users")\n')
    (tmp_path / "app" / "views.py").write_text(
        "def view(tr, reader):\n"
        '    outer = tr._("Outer {text}", text=(tr._("Nested in brackets") if reader else "-"))\n'
        '    return outer, reader.tr.n_("one {n}", "{n} many", 2), N_("constant")\n'
    )
    monkeypatch.setattr(i18n_script, "ROOT", tmp_path)
    monkeypatch.setattr(i18n_script, "MAPPING", tmp_path / "babel.cfg")
    template = i18n_script.fresh_template()
    ids = {message.id for message in template if message.id}
    assert ids == {"Outer {text}", "Nested in brackets", ("one {n}", "{n} many"), "constant"}
    assert template.get("Nested in brackets").locations == [("app/views.py", None)]


def _entry(msgid, msgstr, *, fuzzy: bool = False) -> Catalog:
    catalog = Catalog(locale="de")
    catalog.add(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])
    return catalog


@pytest.mark.parametrize(
    ("msgid", "msgstr", "fuzzy", "expected"),
    [
        ("Got it", None, False, "missing"),
        ("Got it", "", False, "untranslated"),
        ("Got it", "Verstanden", True, "fuzzy"),
        ("Hi <@{user}>", "Hallo <@{nutzer}>", False, "placeholders"),
        ("Hi <@{user}>", "Hallo {user}", False, "Slack tokens"),
        (":tada: Done", "Erledigt", False, "emoji codes"),
        ("*#{number}*", "#{number}", False, "bold markers"),
        ("Try `4h`", "Versuch 4h", False, "backticks"),
        ("*Due*\n{when}", "*Fällig* {when}", False, "line breaks"),
        ("{n} more", "{n weitere", False, "broken braces"),
        (("one {x}", "{n} {x}s"), ("eins {x}", ""), False, "untranslated"),
        (("one {x}", "{n} {x}s"), ("eins", "{n} {x}"), False, "placeholders"),
    ],
)
def test_the_check_catches_what_would_hurt_a_reader(msgid, msgstr, fuzzy, expected):
    template = Catalog()
    template.add(msgid, locations=[("handlers/example.py", 1)])
    catalog = Catalog(locale="de") if msgstr is None else _entry(msgid, msgstr, fuzzy=fuzzy)
    problems = i18n_script.problems(template, catalog)
    assert len(problems) >= 1 and expected in " ".join(problems), problems
    assert "handlers/example.py" in problems[0]


def test_the_check_accepts_a_singular_that_spells_out_one():
    template = Catalog()
    template.add(("…and {n} more", "…and {n} more"))
    catalog = _entry(("…and {n} more", "…and {n} more"), ("…und eine weitere", "…und {n} weitere"))
    assert i18n_script.problems(template, catalog) == []


def test_pybabel_compile_succeeds_and_the_mo_file_agrees_with_the_bot(tmp_path, german):
    target = tmp_path / "messages.mo"
    source = i18n_script.catalogue_path("de")
    cli = ["pybabel", "--quiet", "compile", "-i", str(source), "-o", str(target), "-l", "de", "--statistics"]
    assert CommandLineInterface().run(cli) == 0
    with target.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    bot_german = translator("de")
    for message in german:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for n in (1, 2, 5):
                singular, plural = message.id
                assert compiled.ngettext(singular, plural, n) == bot_german._translations.ngettext(
                    singular, plural, n
                )
        else:
            assert compiled.gettext(message.id) == bot_german._(message.id) != ""
    assert compiled.gettext("Got it") == "Verstanden"


# --- plurals, dates, whose language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("en", 1, "1 request"),
        ("en", 2, "2 requests"),
        ("de", 1, "eine Anfrage"),
        ("de", 2, "2 Anfragen"),
    ],
)
def test_plural_forms_in_both_languages(language, n, expected):
    assert translator(language).n_("{n} request", "{n} requests", n) == expected


def test_every_german_plural_uses_its_singular_for_one_and_plural_for_two(german):
    assert german.plural_forms == "nplurals=2; plural=(n != 1);"
    tr = translator("de")
    for message in german:
        if message.id and isinstance(message.id, tuple):
            singular, plural = message.id
            one, many = message.string
            params = {name: "X" for name in i18n_script.placeholders(singular + plural) - {"n"}}
            assert tr.n_(singular, plural, 1, **params) == one.format(n=1, **params)
            assert tr.n_(singular, plural, 2, **params) == many.format(n=2, **params)


def test_dates_and_times_follow_the_reader():
    moment = datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    assert translator("de").datetime(moment, "Europe/Berlin") == "Do., 26. Nov., 14:00"
    # CLDR puts a narrow no-break space before AM/PM, so "2:00 PM" never breaks across lines.
    assert translator("en").datetime(moment, "Europe/Berlin") == "Thu, Nov 26, 2:00\u202fPM"
    assert translator("en").datetime(moment, "America/New_York") == "Thu, Nov 26, 8:00\u202fAM"


@pytest.mark.parametrize(
    ("locale", "override", "default", "expected"),
    [
        ("de-DE", None, "en", "de"),
        ("de-AT", None, "en", "de"),
        ("en-US", None, "de", "en"),
        ("fr-FR", None, "de", "en"),
        (None, None, "de", "de"),
        ("de-DE", "en", "de", "en"),
        ("en-GB", "de", "en", "de"),
    ],
)
def test_whose_language(locale, override, default, expected):
    assert language_for(locale, override, default) == expected


# --- the main flows, end to end ------------------------------------------------------------------


def _command(slack, fake, user: str, text: str) -> dict:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    return wait_response(fake, before + 1)


def _button_labels(message: dict) -> list[str]:
    return [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_german_assignee_reads_german_and_the_english_requester_english(slack, fake_slack):
    confirmation = _command(slack, fake_slack, "UALICE", "<@UDIETER|dieter> Send the Q3 numbers within 4h")
    assert "is filed" in text_of(confirmation) and "Thu, Nov 26, 2:00\u202fPM" in text_of(confirmation)

    [card] = wait_dms(fake_slack, "UDIETER")
    assert "<@UALICE> bittet dich" in text_of(card) and "Send the Q3 numbers" in text_of(card)
    assert "*Erste Antwort bis*\\nDo., 26. Nov., 14:00" in text_of(card)
    assert "*Status*\\nOffen" in text_of(card)
    labels = _button_labels(card)
    assert labels[0] == "Verstanden" and {"Erledigt", "Später erinnern", "Weitergeben", "Ablehnen"} <= set(
        labels
    )
    assert not {"Got it", "Done", "Snooze", "Reassign", "Decline"} & set(labels)
    assert card["text"].startswith("Anfrage #1 von <@UALICE>")

    press(slack, fake_slack, "UDIETER", "request_ack", message=card)
    [news] = wait_dms(fake_slack, "UALICE")
    assert "<@UDIETER> has seen your request *#1* and is on it." in text_of(news)
    fake_slack.wait_for(lambda _calls: "Angenommen" in text_of(dms_to(fake_slack, "UDIETER")[0]))
    labels = _button_labels(dms_to(fake_slack, "UDIETER")[0])
    assert labels[0] == "Erledigt" and "Verstanden" not in labels and "Done" not in labels
    assert "Du hast geantwortet" in text_of(dms_to(fake_slack, "UDIETER")[0])


def test_a_german_requester_files_in_german_and_reads_the_news_in_german(slack, fake_slack):
    confirmation = _command(slack, fake_slack, "UDIETER", "<@UALICE|alice> Angebot prüfen bis Freitag")
    assert "Deine Anfrage *#1* an <@UALICE> ist verschickt" in text_of(confirmation)
    assert '*Fällig*\\nFr., 27. Nov."' in text_of(confirmation)  # a date, without a clock time
    assert "Anfrage zurückziehen" in _button_labels(confirmation)

    [card] = wait_dms(fake_slack, "UALICE")
    assert "<@UDIETER> asks you" in text_of(card) and '*Due*\\nFri, Nov 27"' in text_of(card)
    assert _button_labels(card)[0] == "Got it"

    press(slack, fake_slack, "UALICE", "request_done", message=card)
    [news] = wait_dms(fake_slack, "UDIETER")
    assert "<@UALICE> hat deine Anfrage *#1* erledigt." in text_of(news)
    assert "Angebot prüfen" in text_of(news) and "has finished" not in text_of(news)


def test_german_help_list_and_errors(slack, fake_slack):
    help_text = text_of(_command(slack, fake_slack, "UDIETER", "hilfe"))
    assert "So funktioniert /request" in help_text and "innerhalb von 2 Werktagen bis Freitag" in help_text
    assert "Nichts offen" in text_of(_command(slack, fake_slack, "UDIETER", "liste"))
    assert "Wen soll ich fragen?" in text_of(_command(slack, fake_slack, "UDIETER", "Zahlen schicken"))
    assert "Dieser Zeitpunkt ist schon vorbei" in text_of(
        _command(slack, fake_slack, "UDIETER", "<@UBOB|bob> Zahlen schicken bis 01.01.2020")
    )
    assert "ist ein Bot" in text_of(_command(slack, fake_slack, "UDIETER", "<@UROBOT|deploybot> deploy"))


def test_german_forms(slack, fake_slack):
    slack.command("UDIETER", "", trigger_id="trig-de")
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["title"]["text"] == "Neue Anfrage" and view["submit"]["text"] == "Senden"
    assert view["close"]["text"] == "Abbrechen"
    labels = [block["label"]["text"] for block in view["blocks"] if block["type"] == "input"]
    assert "Was brauchst du?" in labels

    _command(slack, fake_slack, "UALICE", "<@UDIETER|dieter> Review the contract")
    [card] = wait_dms(fake_slack, "UDIETER")
    press(slack, fake_slack, "UDIETER", "request_decline", message=card)
    decline = fake_slack.wait_for_method("views.open", count=2)[-1].args["view"]
    assert decline["title"]["text"] == "Anfrage ablehnen"
    assert "Warum kannst du sie nicht übernehmen?" in text_of(decline)
