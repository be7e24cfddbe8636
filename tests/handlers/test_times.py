"""The agreement is never silently wrong: times understood or asked back, each person's own calendar,
dates that mean the same to both. Signed HTTP through the whole bot, on SQLite and PostgreSQL.

The clock stands at Thursday 26 November 2026, 10:00 in Berlin — Thanksgiving in New York (UCAROL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from models import PersonCalendar, Request
from tests.slackutil import action_ids, dms_to, press, responses, text_of, wait_dms, wait_response

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def command(slack: SlackDriver, fake: FakeSlack, text: str, user: str = "UALICE") -> dict:
    before = len(responses(fake))
    assert slack.command(user, text).status == 200
    return wait_response(fake, before + 1)


def stored(sessions) -> list[Request]:
    with sessions() as session:
        return list(session.scalars(select(Request).order_by(Request.id)))


def buttons(message: dict) -> list[dict]:
    return [e for b in message.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]]


def click(slack: SlackDriver, fake: FakeSlack, user: str, element: dict, **kwargs) -> dict | None:
    """Click a button of an ephemeral answer (it came by response_url); returns the next answer there."""
    before = len(responses(fake))
    reply = slack.block_action(
        user,
        element["action_id"],
        element["value"],
        channel_id="C0001",
        message_ts="1700000000.000100",
        block_id="request_question",
        trigger_id=f"trigger-{element['action_id']}-{before}",
        **kwargs,
    )
    assert reply.status == 200
    if len(responses(fake)) > before:
        return responses(fake)[-1]
    return None


def settings_values(
    *,
    start="09:00",
    end="17:00",
    days=(0, 1, 2, 3, 4),
    country="",
    region="",
    language="auto",
    reminder="10:00",
) -> dict:
    return {
        "work_start": {"work_start": {"type": "timepicker", "selected_time": start}},
        "work_end": {"work_end": {"type": "timepicker", "selected_time": end}},
        "working_days": {
            "working_days": {"type": "checkboxes", "selected_options": [{"value": str(d)} for d in days]}
        },
        "holiday_country": {"holiday_country": {"type": "plain_text_input", "value": country}},
        "holiday_subdivision": {"holiday_subdivision": {"type": "plain_text_input", "value": region}},
        "language": {"language": {"type": "static_select", "selected_option": {"value": language}}},
        "reminder_time": {"reminder_time": {"type": "timepicker", "selected_time": reminder}},
    }


# --- urgent --------------------------------------------------------------------------------------------


def test_urgent_gets_one_working_hour_and_is_marked_everywhere(slack, fake_slack, sessions):
    confirmation = command(slack, fake_slack, "<@UBOB|bob> Urgent: the login page is down")
    [request] = stored(sessions)
    assert request.urgent and request.text == "the login page is down"
    assert request.response_due_at == datetime(2026, 11, 26, 11, 0, tzinfo=BERLIN)
    assert "Urgent" in text_of(confirmation) and "one working hour" in text_of(confirmation)
    [card] = wait_dms(fake_slack, "UBOB")
    assert ":rotating_light: *Urgent*" in text_of(card)
    assert "Urgent" in text_of(command(slack, fake_slack, "list", user="UBOB"))
    slack.event({"type": "app_home_opened", "user": "UBOB", "tab": "home"})
    [home] = fake_slack.wait_for_method("views.publish")
    assert ":rotating_light: *Urgent*" in text_of(home.args["view"])


def test_urgent_keeps_a_shorter_named_time_and_german_marks_it_dringend(slack, fake_slack, sessions):
    command(
        slack,
        fake_slack,
        "<@UBOB|bob> Bitte die Zahlen schicken innerhalb von 30 Minuten, dringend!",
        "UDIETER",
    )
    [request] = stored(sessions)
    assert request.urgent and request.response_due_at == datetime(2026, 11, 26, 10, 30, tzinfo=BERLIN)
    assert "Dringend" in text_of(command(slack, fake_slack, "liste", user="UDIETER"))


def test_not_urgent_is_not_urgent(slack, fake_slack, sessions):
    command(slack, fake_slack, "<@UBOB|bob> Review the contract, not urgent")
    [request] = stored(sessions)
    assert not request.urgent and request.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)


# --- words not read as a time ----------------------------------------------------------------------------


def test_unread_words_are_named_with_what_applies_and_the_times_can_be_set(slack, fake_slack, sessions):
    confirmation = command(slack, fake_slack, "<@UBOB|bob> Send the numbers soon")
    [request] = stored(sessions)
    shown = text_of(confirmation)
    assert "I didn't read *soon* as a time" in shown and "no due date" in shown
    assert "Thu, Nov 26, 2:00" in shown  # the default response time that applies instead
    [set_times] = [b for b in buttons(confirmation) if b["action_id"] == "request_set_times"]
    assert set_times["value"] == str(request.id)

    click(slack, fake_slack, "UCAROL", set_times)  # a stranger gets no form
    assert not fake_slack.calls_to("views.open")
    click(slack, fake_slack, "UALICE", set_times)
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_set_times_view"
    reply = slack.view_submission(
        "UALICE",
        "request_set_times_view",
        {
            "within": {"within": {"type": "plain_text_input", "value": "2h"}},
            "due_date": {"due_date": {"type": "datepicker", "selected_date": "2026-12-04"}},
            "due_time": {"due_time": {"type": "timepicker", "selected_time": None}},
        },
        private_metadata=view["private_metadata"],
    )
    assert reply.status == 200 and not reply.body
    [request] = stored(sessions)
    assert request.response_due_at == datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN) and request.due_date_only
    [notice] = wait_dms(fake_slack, "UALICE")
    assert "The times of *#1* are set" in text_of(notice)
    fake_slack.wait_for(lambda _c: "Fri, Dec 4" in text_of(dms_to(fake_slack, "UBOB")[0]))


def test_times_cannot_be_set_once_the_assignee_answered(slack, fake_slack, sessions):
    confirmation = command(slack, fake_slack, "<@UBOB|bob> Send the numbers soon")
    [card] = wait_dms(fake_slack, "UBOB")
    press(slack, fake_slack, "UBOB", "request_ack", message=card)
    [set_times] = [b for b in buttons(confirmation) if b["action_id"] == "request_set_times"]
    answer = click(slack, fake_slack, "UALICE", set_times)
    assert answer is not None and "its times are agreed" in text_of(answer)
    assert not fake_slack.calls_to("views.open")


# --- asked back, not guessed ----------------------------------------------------------------------------


def test_an_ambiguous_date_is_asked_back_and_the_choice_files_exactly_once(slack, fake_slack, sessions):
    question = command(slack, fake_slack, "<@UBOB|bob> Send the numbers by 12/04")
    assert stored(sessions) == []
    assert "could mean more than one date" in text_of(question)
    options = [b for b in buttons(question) if b["action_id"] == "request_choose"]
    assert [b["text"]["text"] for b in options] == ["Fri, Dec 4", "Mon, Apr 12"]
    assert "request_form" in action_ids(question["blocks"])

    click(slack, fake_slack, "UCAROL", options[0])  # someone else's click files nothing
    forged = dict(options[0], value=options[0]["value"].replace("12/04", "13/04"))
    click(slack, fake_slack, "UALICE", forged)  # a changed value files nothing
    assert stored(sessions) == []

    confirmation = click(slack, fake_slack, "UALICE", options[0])
    assert confirmation is not None and "is filed" in text_of(confirmation)
    assert confirmation.get("replace_original") is True  # the question gives way to the confirmation
    [request] = stored(sessions)
    assert request.text == "Send the numbers" and request.due_date_only
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN)

    again = click(slack, fake_slack, "UALICE", options[1])
    assert again is not None and "answered that already" in text_of(again)
    click(slack, fake_slack, "UALICE", options[0])
    assert len(stored(sessions)) == 1
    assert len(dms_to(fake_slack, "UBOB")) == 1


def test_an_ambiguous_time_offers_both_readings_in_german(slack, fake_slack, sessions):
    question = command(slack, fake_slack, "<@UBOB|bob> Bitte die Zahlen schicken bis um 8", "UDIETER")
    assert stored(sessions) == []
    assert "kann mehr als eine Uhrzeit bedeuten" in text_of(question)
    options = [b for b in buttons(question) if b["action_id"] == "request_choose"]
    assert [b["text"]["text"] for b in options] == ["Do., 26. Nov., 20:00", "Fr., 27. Nov., 08:00"]
    click(slack, fake_slack, "UDIETER", options[1])
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 8, 0, tzinfo=BERLIN) and not request.due_date_only
    assert request.text == "Bitte die Zahlen schicken"


def test_an_ambiguous_weekday_late_on_that_day_is_asked_back(slack, fake_slack, sessions, clock):
    clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=BERLIN))  # Friday 16:00
    question = command(slack, fake_slack, "<@UBOB|bob> Check the invoice by Friday")
    assert "today or the same day next week" in text_of(question)
    options = [b for b in buttons(question) if b["action_id"] == "request_choose"]
    assert [b["text"]["text"] for b in options] == ["Fri, Nov 27", "Fri, Dec 4"]
    click(slack, fake_slack, "UALICE", options[1])
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=BERLIN) and request.due_date_only


def test_open_the_form_is_prefilled_with_what_was_understood(slack, fake_slack, sessions):
    question = command(slack, fake_slack, "<@UBOB|bob> Send the numbers within 2h by 12/04, asap")
    [form] = [b for b in buttons(question) if b["action_id"] == "request_form"]
    click(slack, fake_slack, "UALICE", form)
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_new"
    initial = {
        block["block_id"]: block["element"].get("initial_value")
        or block["element"].get("initial_user")
        or block["element"].get("initial_options")
        for block in view["blocks"]
        if block["type"] == "input"
    }
    assert initial["assignee"] == "UBOB" and initial["text"] == "Send the numbers"
    assert initial["within"] == "2h" and initial["urgent"]
    assert "initial_date" not in next(b for b in view["blocks"] if b.get("block_id") == "due_date")["element"]
    assert stored(sessions) == []


def test_every_parse_error_is_answered_kindly_in_both_languages(slack, fake_slack, sessions):
    cases = {
        "<@UBOB|bob> Send the numbers within 0h": ("too short", "zu kurz"),
        "<@UBOB|bob> Send the numbers within 400 days": ("60 working days", "60 Werktage"),
        "<@UBOB|bob> Send the numbers by 31.02.": ("isn't a date that exists", "gibt es nicht"),
        "<@UBOB|bob> Send the numbers by 2031-01-01": ("two years", "zwei Jahre"),
        "<@UBOB|bob> Send the numbers by Friday 4.12.2027": ("different weekday", "anderer Wochentag"),
        "<@UBOB|bob>": ("Add a short description", "kurze Beschreibung"),
        "@nobody Send the numbers": ("couldn't find", "Ich finde *@nobody* nicht"),
        "Send the numbers": ("Start with an @mention", "@-Erwähnung"),
    }
    for text, (english, german) in cases.items():
        assert english in text_of(command(slack, fake_slack, text)), text
        assert german in text_of(command(slack, fake_slack, text, "UDIETER")), text
    assert stored(sessions) == []


# --- each person's own calendar ---------------------------------------------------------------------------


def test_thanksgiving_is_a_holiday_for_the_new_york_colleague_only(slack, fake_slack, sessions):
    command(slack, fake_slack, "<@UBOB|bob> Review the slides within 4h")
    question = command(slack, fake_slack, "<@UCAROL|carol> Review the slides by 2026-11-26")
    [for_bob] = stored(sessions)
    assert for_bob.response_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=BERLIN)
    # For Carol, today is Thanksgiving: asked back, with her next working day offered.
    shown = text_of(question)
    assert "Thu, Nov 26 is a public holiday for <@UCAROL> (Thanksgiving" in shown
    labels = [b["text"]["text"] for b in buttons(question)]
    assert labels == ["Keep Thu, Nov 26", "Fri, Nov 27 instead", "Open the form"]
    click(slack, fake_slack, "UALICE", buttons(question)[1])
    carol = stored(sessions)[-1]
    assert carol.due_at == datetime(2026, 11, 27, 17, 0, tzinfo=NEW_YORK) and carol.due_date_only
    # Her response time starts on Friday at 09:00 New York.
    assert carol.response_due_at == datetime(2026, 11, 27, 13, 0, tzinfo=NEW_YORK)


def test_keep_the_holiday_files_it_as_it_is(slack, fake_slack, sessions):
    question = command(slack, fake_slack, "<@UCAROL|carol> Review the slides by 2026-11-26")
    click(slack, fake_slack, "UALICE", buttons(question)[0])
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 26, 17, 0, tzinfo=NEW_YORK)


def test_a_weekend_due_date_of_the_assignee_is_asked_back(slack, fake_slack, sessions):
    question = command(slack, fake_slack, "<@UBOB|bob> Tidy the wiki by Saturday")
    assert "Sat, Nov 28 isn't a working day for <@UBOB>" in text_of(question)
    assert stored(sessions) == []
    click(slack, fake_slack, "UALICE", buttons(question)[1])  # Friday instead
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)


def test_a_bavarian_colleagues_epiphany_is_a_holiday_for_them_and_not_for_others(
    slack, fake_slack, sessions, clock
):
    slack.command("UDIETER", "einstellungen", trigger_id="trig-settings")
    [opened] = fake_slack.wait_for_method("views.open")
    assert opened.args["view"]["callback_id"] == "request_settings_view"
    wrong = slack.view_submission(
        "UDIETER", "request_settings_view", settings_values(country="DE", region="XY")
    )
    assert wrong.json()["response_action"] == "errors" and "holiday_subdivision" in wrong.json()["errors"]
    saved = slack.view_submission(
        "UDIETER", "request_settings_view", settings_values(country="de", region="by")
    )
    assert saved.status == 200 and not saved.body
    [note] = wait_dms(fake_slack, "UDIETER")
    assert "Gespeichert" in text_of(note) and "Deutschland (BY)" in text_of(note)

    clock.set(datetime(2027, 1, 5, 16, 0, tzinfo=BERLIN))  # Tuesday; Wednesday 6 January is Epiphany
    command(slack, fake_slack, "<@UDIETER|dieter> Check the figures within 2h")
    command(slack, fake_slack, "<@UBOB|bob> Check the figures within 2h")
    for_dieter, for_bob = stored(sessions)
    assert for_dieter.response_due_at == datetime(2027, 1, 7, 10, 0, tzinfo=BERLIN)
    assert for_bob.response_due_at == datetime(2027, 1, 6, 10, 0, tzinfo=BERLIN)
    question = command(slack, fake_slack, "<@UDIETER|dieter> Check the figures by 2027-01-06")
    assert "public holiday for <@UDIETER> (Epiphany)" in text_of(question)
    command(slack, fake_slack, "<@UBOB|bob> Check the figures by 2027-01-06")
    assert stored(sessions)[-1].assignee_id == "UBOB"


def test_a_tokyo_colleague_gets_japanese_holidays_by_default(fake_slack, slack, sessions, clock):
    fake_slack.add_user("UTARO", "taro", real_name="Taro Tanaka", tz="Asia/Tokyo", locale="en-US")
    clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN))  # Friday; Monday 23 Nov is a holiday in Japan
    command(slack, fake_slack, "<@UTARO|taro> Translate the flyer within 4h")
    [request] = stored(sessions)
    # Friday 18:00 Tokyo when filed: the clock starts on Tuesday 24 November at 09:00 Tokyo.
    assert request.response_due_at == datetime(2026, 11, 24, 13, 0, tzinfo=TOKYO)


def test_settings_change_the_clocks_of_open_requests_as_documented(slack, fake_slack, sessions, clock, bot):
    from bot.jobs.sweep import run_sweep

    command(slack, fake_slack, "<@UBOB|bob> Review the contract within 1h")
    [before] = stored(sessions)
    assert before.response_due_at == datetime(2026, 11, 26, 11, 0, tzinfo=BERLIN)

    # Bob works 07:00-15:00 Monday to Thursday, and likes reminders from 07:30.
    slack.command("UBOB", "settings", trigger_id="trig-bob")
    fake_slack.wait_for_method("views.open")
    values = settings_values(start="07:00", end="15:00", days=(0, 1, 2, 3), reminder="07:30")
    assert slack.view_submission("UBOB", "request_settings_view", values).status == 200
    with sessions() as session:
        row = session.get(PersonCalendar, ("T0001", "UBOB"))
        assert (row.work_start.hour, row.work_end.hour, row.working_days) == (7, 15, "mon,tue,wed,thu")
        assert row.holiday_country is None  # the default region is stored as "the default"
    [after] = stored(sessions)
    assert after.response_due_at == before.response_due_at  # an agreed time is an agreement

    def sweep(moment: datetime) -> list[str]:
        clock.set(moment)
        report = run_sweep(bot.deps, moment, deliver=True)
        bot.settle()
        return [line.recipient_id for line in report.lines]

    assert sweep(datetime(2026, 11, 26, 15, 30, tzinfo=BERLIN)) == []  # after his new day ends
    assert sweep(datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN)) == []  # Friday: not his working day
    assert sweep(datetime(2026, 11, 30, 7, 29, tzinfo=BERLIN)) == []
    assert sweep(datetime(2026, 11, 30, 7, 30, tzinfo=BERLIN)) == ["UBOB"]  # Monday, his reminder time

    # A request filed now counts his new working time: Thursday 14:30 + 1h is Monday 07:30.
    clock.set(datetime(2026, 12, 3, 14, 30, tzinfo=BERLIN))
    command(slack, fake_slack, "<@UBOB|bob> Sign the form within 1h")
    assert stored(sessions)[-1].response_due_at == datetime(2026, 12, 7, 7, 30, tzinfo=BERLIN)


def test_app_home_has_the_settings_button_and_it_opens_the_form(slack, fake_slack, sessions):
    slack.event({"type": "app_home_opened", "user": "UALICE", "tab": "home"})
    [published] = fake_slack.wait_for_method("views.publish")
    [settings] = [b for b in buttons(published.args["view"]) if b["action_id"] == "request_settings"]
    slack.block_action("UALICE", "request_settings", settings["value"], view=published.args["view"])
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "request_settings_view"
    assert "Europe/Berlin" in text_of(view) and "Germany (BE)" in text_of(view)


def test_settings_form_explains_what_it_cannot_take(slack, fake_slack):
    for values, field in (
        (settings_values(start="17:00", end="09:00"), "work_end"),
        (settings_values(days=()), "working_days"),
        (settings_values(country="XX"), "holiday_country"),
        (settings_values(region="BY"), "holiday_country"),
    ):
        reply = slack.view_submission("UALICE", "request_settings_view", values)
        assert reply.json()["response_action"] == "errors" and field in reply.json()["errors"], values


def test_the_language_chosen_in_the_settings_is_used(slack, fake_slack):
    slack.view_submission("UALICE", "request_settings_view", settings_values(language="de"))
    [note] = wait_dms(fake_slack, "UALICE")
    assert "Gespeichert" in text_of(note)
    assert "So funktioniert /request" in text_of(command(slack, fake_slack, "help"))


# --- dates that mean the same to both ---------------------------------------------------------------------


def test_a_date_is_the_end_of_the_assignees_working_day_and_shown_without_a_clock(
    slack, fake_slack, sessions
):
    confirmation = command(slack, fake_slack, "<@UCAROL|carol> Send the contract by Friday")
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 17, 0, tzinfo=NEW_YORK) and request.due_date_only
    [card] = wait_dms(fake_slack, "UCAROL")
    due_field = [f["text"] for b in card["blocks"] for f in b.get("fields", []) if "*Due*" in f["text"]]
    assert due_field == ["*Due*\nFri, Nov 27"]
    mine = [f["text"] for b in confirmation["blocks"] for f in b.get("fields", []) if "*Due*" in f["text"]]
    assert mine == ["*Due*\nFri, Nov 27"]  # 23:00 in Berlin, but the date is the same for both


def test_a_named_time_shows_the_other_persons_clock_beside_it(slack, fake_slack, sessions):
    confirmation = command(slack, fake_slack, "<@UCAROL|carol> Call the supplier by Friday 5pm")
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN)
    assert "Fri, Nov 27, 5:00\u202fPM (in 31 hours; 11:00\u202fAM for <@UCAROL> in New York)" in text_of(
        confirmation
    )
    [card] = wait_dms(fake_slack, "UCAROL")
    assert "Fri, Nov 27, 11:00\u202fAM (5:00\u202fPM for <@UALICE> in Berlin)" in text_of(card)


def test_a_tokyo_colleague_sees_tokyo_time_and_the_german_requester_both(slack, fake_slack, sessions):
    fake_slack.add_user("UTARO", "taro", real_name="Taro Tanaka", tz="Asia/Tokyo", locale="en-US")
    confirmation = command(
        slack, fake_slack, "<@UTARO|taro> Bitte die Folien prüfen bis morgen 9 Uhr", "UDIETER"
    )
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 11, 27, 9, 0, tzinfo=BERLIN)
    assert "Fr., 27. Nov., 09:00 (in 23 Stunden; 17:00 bei <@UTARO> in Tokio)" in text_of(confirmation)
    [card] = wait_dms(fake_slack, "UTARO")
    assert "Fri, Nov 27, 5:00\u202fPM (9:00\u202fAM for <@UDIETER> in Berlin)" in text_of(card)
    # A date for Taro is the end of his day in Tokyo: the same date for both, without a clock time.
    command(slack, fake_slack, "<@UTARO|taro> Bitte die Folien drucken bis Freitag", "UDIETER")
    dated = stored(sessions)[-1]
    assert dated.due_at == datetime(2026, 11, 27, 17, 0, tzinfo=TOKYO) and dated.due_date_only
    assert '*Fällig*\\nFr., 27. Nov."' in text_of(responses(fake_slack)[-1])


def test_the_form_files_a_date_for_the_assignees_end_of_day(slack, fake_slack, sessions):
    slack.command("UALICE", "", trigger_id="trig-form")
    [opened] = fake_slack.wait_for_method("views.open")
    view = opened.args["view"]
    values = {
        "assignee": {"assignee": {"type": "users_select", "selected_user": "UCAROL"}},
        "text": {"text": {"type": "plain_text_input", "value": "Send the deck"}},
        "kind": {"kind": {"type": "static_select", "selected_option": {"value": "task"}}},
        "urgent": {"urgent": {"type": "checkboxes", "selected_options": [{"value": "urgent"}]}},
        "due_date": {"due_date": {"type": "datepicker", "selected_date": "2026-12-04"}},
    }
    assert (
        slack.view_submission(
            "UALICE", "request_new", values, private_metadata=view["private_metadata"]
        ).status
        == 200
    )
    wait_dms(fake_slack, "UCAROL")
    [request] = stored(sessions)
    assert request.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=NEW_YORK) and request.due_date_only
    assert request.urgent and request.response_due_at == datetime(2026, 11, 27, 10, 0, tzinfo=NEW_YORK)


def test_stored_times_are_utc(sessions, slack, fake_slack):
    command(slack, fake_slack, "<@UBOB|bob> Send the numbers by Friday")
    [request] = stored(sessions)
    assert request.due_at.tzinfo is not None and request.due_at.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize("user", ["UALICE", "UDIETER"])
def test_help_mentions_urgent_and_settings(slack, fake_slack, user):
    shown = text_of(command(slack, fake_slack, "help", user=user))
    if user == "UDIETER":
        assert "einstellungen" in shown and "Dringend" in shown
    else:
        assert "settings" in shown and "Urgent" in shown
