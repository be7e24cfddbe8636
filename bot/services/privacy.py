"""What the bot stores about people, and how it forgets: the privacy registry, erasure, retention.

``REGISTRY`` says, for every table and for every String/Text/JSON column, how the column is treated:

- ``PERSON``  a Slack user ID. ``forget`` replaces the person's ID with their pseudonym.
- ``NAME``    the person's name in their own row (``TableRule.owner``): replaced by the placeholder.
- ``PROFILE`` another personal setting in their own row (locale, language): cleared.
- ``TEXT``    words somebody wrote. ``forget`` replaces the person's own words (``author``) with the
              placeholder and, in everybody else's words, their ID, their name and copies of their
              words; retention replaces words of long-closed requests (``retention=True``).
- ``JSON``    structured detail: keys named in ``facts`` hold ids, times and states; every other string
              counts as words and is treated like ``TEXT``.
- ``KEEP``    technical values that say nothing about a person: workspace and channel IDs, states,
              time zones, message timestamps.

A new table or column fails ``tests/privacy/test_registry.py`` until it is entered here, and the data
inventory in ``docs/privacy.md`` is rendered from this registry (``render_inventory``), so the
documentation the works council reads stays true.

Pseudonyms are ``UFORGOTTEN-`` and ten hex digits of an HMAC of the user ID under a random salt that
exists only while one ``forget`` runs: the same person becomes the same pseudonym in every row (so
team figures stay exactly the same), and nobody can later recompute which ID it was.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    ColumnElement,
    MetaData,
    String,
    Table,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from models import ACTIVE_STATES, CLOSED_STATES, Base

#: What stands where words or a name were.
PLACEHOLDER = "[removed]"
PSEUDONYM_PREFIX = "UFORGOTTEN-"
#: Copies of somebody's words elsewhere are looked for only from this length on: a copy of "ok" or
#: "Danke" says nothing about its author, and replacing it would mangle other people's words.
MIN_COPY_LENGTH = 12
#: An excerpt ("Send the Q3 numbers…") counts as a copy from this many characters on.
MIN_EXCERPT_LENGTH = 20
#: Slack user IDs (people and Enterprise Grid users).
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
#: Rows read per query while scanning a table.
BATCH = 1000
#: Distinguishes the retention job's PostgreSQL advisory lock from any other.
RETENTION_LOCK = 0x4B46_5254  # "KFRT"


class Treatment(enum.StrEnum):
    PERSON = "person"
    NAME = "name"
    PROFILE = "profile"
    TEXT = "text"
    JSON = "json"
    KEEP = "keep"


@dataclass(frozen=True)
class Field:
    treatment: Treatment
    #: TEXT/JSON: the PERSON column of the same row that names who wrote the words (None: the bot).
    author: str | None = None
    #: TEXT/JSON: removed ``KUNDENFOKUS_RETENTION_DAYS`` after the request closed.
    retention: bool = False
    #: JSON: keys whose values are facts (ids, times, states, numbers), not words.
    facts: frozenset[str] = frozenset()


PERSON = Field(Treatment.PERSON)
NAME = Field(Treatment.NAME)
PROFILE = Field(Treatment.PROFILE)
KEEP = Field(Treatment.KEEP)


def text(*, author: str | None, retention: bool = False) -> Field:
    return Field(Treatment.TEXT, author=author, retention=retention)


def structured(*, author: str | None, facts: Iterable[str], retention: bool = False) -> Field:
    return Field(Treatment.JSON, author=author, retention=retention, facts=frozenset(facts))


@dataclass(frozen=True)
class Words:
    """A sentence for docs/privacy.md, in both languages."""

    de: str
    en: str


@dataclass(frozen=True)
class TableRule:
    purpose: Words
    #: How long rows stay (the retention of ``retention`` fields is added by ``render_inventory``).
    kept: Words
    visible_to: Words
    #: Every String/Text/JSON column; other columns (numbers, times, flags) are kept as they are.
    fields: Mapping[str, Field]
    #: The column with the workspace (team) ID, if the table has one.
    team: str | None = "team_id"
    #: A foreign-key column to the row this one belongs to; its team (and request) come from there.
    parent: str | None = None
    #: The PERSON column of a table whose rows are *about* one person (their own row).
    owner: str | None = None
    #: What ``forget`` does with the person's own rows: keep them pseudonymised, or delete them.
    erase: Literal["pseudonymise", "delete"] = "pseudonymise"


_ADMINS = Words(
    de="Administratoren mit Datenbankzugriff und `kundenfokus export`",
    en="administrators with database access and `kundenfokus export`",
)
_UNTIL_FORGET = Words(
    de="ohne Frist (die Kennzahlen); `forget --user` pseudonymisiert die Person und entfernt ihre Texte, "
    "`forget --team` löscht alles des Arbeitsbereichs",
    en="no limit (the figures); `forget --user` pseudonymises the person and removes their words, "
    "`forget --team` deletes everything of the workspace",
)

#: Every table the bot has, and how each of its text columns is treated. See the module docstring.
REGISTRY: dict[str, TableRule] = {
    "workspaces": TableRule(
        purpose=Words(
            de="Je Slack-Arbeitsbereich: Zähler der Anfragenummern, Zeitzone und Sprache.",
            en="Per Slack workspace: the request number counter, time zone and language.",
        ),
        kept=Words(
            de="bis `kundenfokus forget --team` den Arbeitsbereich löscht (nach einer Deinstallation "
            "pausiert)",
            en="until `kundenfokus forget --team` erases the workspace (paused after an uninstall)",
        ),
        visible_to=_ADMINS,
        fields={"team_id": KEEP, "timezone": KEEP, "language": KEEP, "enterprise_id": KEEP},
    ),
    "people": TableRule(
        purpose=Words(
            de="Zwischenspeicher von Slacks `users.info`: Anzeigename, Zeitzone (für Arbeitszeiten), "
            "Sprache, ob Bot oder deaktiviert.",
            en="Cache of Slack's `users.info`: display name, time zone (for working hours), language, "
            "whether a bot or deactivated.",
        ),
        kept=Words(
            de="alle 12 Stunden aus Slack aufgefrischt; nach `forget` bleibt nur die Zeitzone unter dem "
            "Pseudonym (die Arbeitszeit-Kennzahlen hängen daran)",
            en="refreshed from Slack every 12 hours; after `forget` only the time zone stays, under the "
            "pseudonym (working-time figures depend on it)",
        ),
        visible_to=Words(
            de="niemand direkt; der Name erscheint in Nachrichten an Beteiligte",
            en="nobody directly; the name appears in messages to the people involved",
        ),
        fields={
            "team_id": KEEP,
            "user_id": PERSON,
            "name": NAME,
            "tz": KEEP,
            "locale": PROFILE,
            "language_override": PROFILE,
            "dm_channel_id": PROFILE,
        },
        owner="user_id",
    ),
    "person_calendars": TableRule(
        purpose=Words(
            de="Der eigene Arbeitskalender einer Person aus `/request settings`: Arbeitszeiten und -tage, "
            "Feiertagsregion, früheste Uhrzeit für Erinnerungen. Leere Felder folgen den Vorgaben des "
            "Workspace.",
            en="A person's own working calendar from `/request settings`: working hours and days, holiday "
            "region, earliest time for reminders. Empty fields follow the workspace defaults.",
        ),
        kept=Words(
            de="bis die Person ihn ändert; nach `forget` bleibt er unter dem Pseudonym (die "
            "Arbeitszeit-Kennzahlen hängen daran)",
            en="until the person changes it; after `forget` it stays under the pseudonym (working-time "
            "figures depend on it)",
        ),
        visible_to=Words(de="nur die Person selbst (im Formular)", en="only the person (in the form)"),
        fields={
            "team_id": KEEP,
            "user_id": PERSON,
            "working_days": KEEP,
            "holiday_country": KEEP,
            "holiday_subdivision": KEEP,
        },
        owner="user_id",
    ),
    "absences": TableRule(
        purpose=Words(
            de="Abwesenheiten: aus dem Slack-Status (nur ob er Abwesenheit bedeutet und bis wann, nicht "
            "der Statustext) oder mit `/request away` angekündigt, mit optionaler Vertretung. Solange "
            "jemand abwesend ist, ruhen die Uhren seiner Anfragen und Erinnerungen gehen an die Vertretung.",
            en="Absences: from the Slack status (only whether it means absence and until when, not the "
            "status text) or announced with `/request away`, with an optional deputy. While someone is "
            "away, the clocks of their requests pause and reminders go to the deputy.",
        ),
        kept=Words(
            de="ohne Frist (die verschobenen Uhren hängen daran); `forget` pseudonymisiert die Person",
            en="no limit (the moved clocks depend on them); `forget` pseudonymises the person",
        ),
        visible_to=Words(
            de="die Person (App Home) und wer ihr eine Anfrage stellt (nur „abwesend bis …“ und die "
            "Vertretung)",
            en='the person (App Home) and whoever asks them something (only "away until …" and the deputy)',
        ),
        fields={"team_id": KEEP, "user_id": PERSON, "source": KEEP, "deputy_id": PERSON},
        owner="user_id",
    ),
    "status_checks": TableRule(
        purpose=Words(
            de="Wann der Slack-Status einer Person zuletzt gelesen wurde und ob er Abwesenheit bedeutete.",
            en="When a person's Slack status was last read and whether it meant absence.",
        ),
        kept=Words(
            de="bis zum nächsten Lesen; `forget` pseudonymisiert die Person",
            en="until the next read; `forget` pseudonymises the person",
        ),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"team_id": KEEP, "user_id": PERSON},
        owner="user_id",
    ),
    "paused_clocks": TableRule(
        purpose=Words(
            de="Die vereinbarten und die wegen einer Abwesenheit verschobenen Uhren einer Anfrage.",
            en="The agreed clocks of a request and those an absence of its assignee moved.",
        ),
        kept=Words(de="solange die Anfrage besteht", en="as long as the request exists"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"assignee_id": PERSON},
        team=None,
        parent="request_id",
    ),
    "requests": TableRule(
        purpose=Words(
            de="Die Anfragen: wer wen worum bittet, vereinbarte Zeiten, Zustand, Ablehnungsgrund.",
            en="The requests: who asks whom for what, agreed times, state, decline reason.",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(
            de="Anfragende und Gefragte (DM, App Home); Kanäle nur als Team-Kennzahlen im Digest",
            en="the requester and the assignee (DMs, App Home); channels only as team figures in the digest",
        ),
        fields={
            "team_id": KEEP,
            "requester_id": PERSON,
            "assignee_id": PERSON,
            "text": text(author="requester_id", retention=True),
            "kind": KEEP,
            "channel_id": KEEP,
            "state": KEEP,
            "decline_reason": text(author="assignee_id", retention=True),
            "assignee_channel_id": KEEP,
            "assignee_message_ts": KEEP,
            "thread_channel_id": KEEP,
            "thread_ts": KEEP,
            "requester_channel_id": KEEP,
            "requester_message_ts": KEEP,
            "group_id": KEEP,
        },
    ),
    "teams": TableRule(
        purpose=Words(
            de="Die Einstellungen einer Slack-Benutzergruppe, die man fragen kann (`/request team`): wie "
            "Anfragen übernommen werden, Eingangskanal, Antwortzeit, Arbeitszeiten, Feiertagsregion.",
            en="The settings of a Slack user group people can ask (`/request team`): how requests are "
            "taken, intake channel, response time, working hours, holiday region.",
        ),
        kept=Words(de="solange der Bot läuft", en="as long as the bot runs"),
        visible_to=Words(
            de="die Mitglieder des Teams und wer es fragt (in Nachrichten)",
            en="the team's members and whoever asks it (in messages)",
        ),
        fields={
            "team_id": KEEP,
            "usergroup_id": KEEP,
            "handle": KEEP,
            "mode": KEEP,
            "intake_channel_id": KEEP,
            "holiday_country": KEEP,
            "holiday_subdivision": KEEP,
        },
    ),
    "team_members": TableRule(
        purpose=Words(
            de="Wer zu einer Benutzergruppe gehört, wie Slacks `usergroups.users.list` es zuletzt sagte "
            "(für App Home und die Erinnerungen an das Team).",
            en="Who belongs to a user group, as Slack's `usergroups.users.list` last said (for App Home and "
            "the reminders to the team).",
        ),
        kept=Words(
            de="bei jeder Team-Anfrage aus Slack aufgefrischt; bei `forget` gelöscht",
            en="refreshed from Slack with every team request; deleted by `forget`",
        ),
        visible_to=Words(de="niemand direkt", en="nobody directly"),
        fields={"team_id": KEEP, "usergroup_id": KEEP, "user_id": PERSON},
        owner="user_id",
        erase="delete",
    ),
    "team_cards": TableRule(
        purpose=Words(
            de="Wo die Karte „Übernehme ich“ einer Team-Anfrage liegt (DM eines Mitglieds oder der "
            "Eingangskanal), damit sie nach der Übernahme angepasst wird.",
            en="Where the *I'll take it* card of a team request was posted (a member's DM or the intake "
            "channel), so it can be updated once someone takes it.",
        ),
        kept=Words(de="solange die Anfrage besteht", en="as long as the request exists"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"recipient_id": PERSON, "channel_id": KEEP, "message_ts": KEEP},
        team=None,
        parent="request_id",
    ),
    "request_events": TableRule(
        purpose=Words(
            de="Verlauf jeder Anfrage: wer wann was getan hat, mit den geänderten Werten.",
            en="Each request's history: who did what when, with the values that changed.",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(
            de="Anfragende und Gefragte (in Nachrichten über ihre Anfrage); Export",
            en="the requester and the assignee (in messages about their request); the export",
        ),
        fields={
            "actor_id": PERSON,
            "kind": KEEP,
            "detail": structured(
                author="actor_id",
                retention=True,
                facts={
                    "assignee_id",
                    "from_assignee_id",
                    "to_assignee_id",
                    "recipient_id",
                    "target_id",
                    "to_id",
                    "to",
                    "previous_state",
                    "via",
                    "step",
                    "response_due_at",
                    "due_at",
                    "until",
                    "before",
                    "after",
                    "proposal_id",
                    "score",
                    "tone_respectful",
                    # the requester's card: what an undo restores, which change it took back, which
                    # thread a relayed message came from, whether an edit changed the words
                    "restore",
                    "state",
                    "acknowledged_at",
                    "closed_at",
                    "snoozed_until",
                    "waiting_since",
                    "undid",
                    "change",
                    "side",
                    "text_changed",
                    "rating_removed",
                    "since",
                    "posted_channel",
                    "posted_ts",
                },
            ),
        },
        team=None,
        parent="request_id",
    ),
    "proposals": TableRule(
        purpose=Words(
            de="Gegenvorschläge für Zeiten, mit optionaler Notiz des Gefragten.",
            en="Counter-proposals of times, with the assignee's optional note.",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(de="Anfragende und Gefragte", en="the requester and the assignee"),
        fields={"proposed_by": PERSON, "note": text(author="proposed_by", retention=True), "state": KEEP},
        team=None,
        parent="request_id",
    ),
    "reminders": TableRule(
        purpose=Words(
            de="Gesendete und geplante Erinnerungen (höchstens eine pro Anfrage und Arbeitstag).",
            en="Reminders sent and planned (at most one per request and working day).",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(de="nur die Person, die erinnert wird (DM)", en="only the person reminded (DM)"),
        fields={
            "team_id": KEEP,
            "recipient_id": PERSON,
            "audience": KEEP,
            "step": KEEP,
            "key": KEEP,
            "day_key": KEEP,
            "state": KEEP,
            "claimed_by": KEEP,
            "error": text(author=None),
            "channel_id": KEEP,
            "message_ts": KEEP,
        },
        parent="request_id",
    ),
    "nudge_schedule": TableRule(
        purpose=Words(
            de="Wann der Erinnerungslauf eine aktive Anfrage wieder ansieht.",
            en="When the reminder sweep looks at an active request again.",
        ),
        kept=Words(de="solange die Anfrage besteht", en="as long as the request exists"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={},
        team=None,
        parent="request_id",
    ),
    "ratings": TableRule(
        purpose=Words(
            de="Bewertung einer erledigten Anfrage durch die anfragende Person: 1–5, Ton, Kommentar.",
            en="The requester's rating of a done request: 1–5, tone, comment.",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(
            de="die bewertende Person; die bewertete nur ihren eigenen Monatsschnitt (App Home); der "
            "Digest nur den Team-Durchschnitt",
            en="the person who rated; the person rated only their own monthly average (App Home); the "
            "digest only the team average",
        ),
        fields={"team_id": KEEP, "rater_id": PERSON, "comment": text(author="rater_id", retention=True)},
        parent="request_id",
    ),
    "kudos": TableRule(
        purpose=Words(
            de="Dankeschöns von Anfragenden an die Person, die geholfen hat.",
            en="Thank-yous from requesters to the person who helped.",
        ),
        kept=_UNTIL_FORGET,
        visible_to=Words(
            de="Empfänger; im Digest mit Namen (das einzige, wofür der Digest Personen nennt)",
            en="the recipient; in the digest by name (the only thing the digest names people for)",
        ),
        fields={"team_id": KEEP, "from_id": PERSON, "to_id": PERSON},
        parent="request_id",
    ),
    "digest_subscriptions": TableRule(
        purpose=Words(
            de="Welche Kanäle den Wochen-Digest erhalten, wann, und wer ihn eingerichtet hat.",
            en="Which channels get the weekly digest, when, and who set it up.",
        ),
        kept=Words(
            de="bis der Kanal abbestellt wird (danach inaktiv)", en="until unsubscribed (then inactive)"
        ),
        visible_to=Words(de="der Kanal", en="the channel"),
        fields={
            "team_id": KEEP,
            "channel_id": KEEP,
            "timezone": KEEP,
            "language": KEEP,
            "scope": KEEP,
            "usergroup_id": KEEP,
            "created_by": PERSON,
        },
    ),
    "digest_runs": TableRule(
        purpose=Words(
            de="Welche Woche in welchem Kanal gepostet wurde (damit nie doppelt).",
            en="Which week was posted to which channel (so never twice).",
        ),
        kept=Words(de="solange das Abonnement besteht", en="as long as the subscription exists"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"week_key": KEEP, "state": KEEP, "message_ts": KEEP, "error": text(author=None)},
        team=None,
        parent="subscription_id",
    ),
    "home_visits": TableRule(
        purpose=Words(
            de="Nur der Zeitpunkt, zu dem die Person App Home zuletzt geöffnet hat — damit der Bot die "
            "Ansicht nur für Menschen auffrischt, die sie nutzen. Keine Lesebestätigungen, kein "
            "Online-Status.",
            en="Only when the person last opened App Home — so the bot refreshes it only for people who "
            "use it. No read receipts, no online status.",
        ),
        kept=Words(de="bei `forget` gelöscht", en="deleted by `forget`"),
        visible_to=Words(de="niemand", en="nobody"),
        fields={"team_id": KEEP, "user_id": PERSON},
        owner="user_id",
        erase="delete",
    ),
    "outbox": TableRule(
        purpose=Words(
            de="Nachrichten, die der Bot nach einer Änderung senden wird oder gesendet hat (Karte, "
            "Neuigkeit, Erinnerung, Aktualisierung): wem, was für eine, und ob sie angekommen ist. Der "
            "Text wird erst beim Senden aus der Anfrage erzeugt und nicht hier gespeichert.",
            en="Messages the bot will send or has sent after a change (card, news, reminder, redraw): to "
            "whom, which kind, and whether it arrived. The wording is rendered from the request when it "
            "is sent and is not stored here.",
        ),
        kept=Words(de="7 Tage nach dem Senden gelöscht", en="deleted 7 days after it was sent"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={
            "team_id": KEEP,
            "kind": KEEP,
            "recipient": PERSON,
            "dedupe_key": text(author=None),
            "collapse_key": text(author=None),
            "sequence_key": text(author=None),
            "payload": structured(
                author=None,
                facts={
                    "reminders",
                    "event",
                    "from_assignee_id",
                    "channel",
                    "ts",
                    "response_url",
                    "proposal_id",
                    "accepted",
                    "requester_id",
                    "person",
                    "code",
                    "params",
                    "replace_original",
                },
            ),
            "state": KEEP,
            "claimed_by": KEEP,
            "error": text(author=None),
            "channel_id": KEEP,
            "message_ts": KEEP,
        },
    ),
    "outbox_workers": TableRule(
        purpose=Words(
            de="Welche Prozesse gerade Nachrichten zustellen (Herzschlag), damit ein anderer übernimmt, "
            "wenn einer ausfällt.",
            en="Which processes are delivering messages (a heartbeat), so another takes over when one stops.",
        ),
        kept=Words(
            de="solange der Prozess läuft, danach höchstens 7 Tage",
            en="while the process runs, then 7 days at most",
        ),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"worker_id": KEEP, "hostname": KEEP},
        team=None,
    ),
    "seen_deliveries": TableRule(
        purpose=Words(
            de="Kennungen eingegangener Slack-Ereignisse und -Befehle, damit eine Wiederholung durch Slack "
            "nur einmal wirkt.",
            en="Ids of incoming Slack events and commands, so that a repeat by Slack takes effect once.",
        ),
        kept=Words(de="1 Tag", en="1 day"),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"team_id": KEEP, "key": KEEP},
    ),
    "slack_installations": TableRule(
        purpose=Words(
            de="Nur mit OAuth: je Installation in einem Arbeitsbereich oder einer Enterprise-Grid-Organisation "
            "Slacks Antwort darauf — wer installiert hat, die Berechtigungen und die Token (verschlüsselt "
            "mit `KUNDENFOKUS_TOKEN_KEY`).",
            en="OAuth only: per install into a workspace or Enterprise Grid org, Slack's answer to it — who "
            "installed the app, the scopes and the tokens (encrypted with `KUNDENFOKUS_TOKEN_KEY`).",
        ),
        kept=Words(
            de="bis die App deinstalliert wird oder ihre Token widerrufen werden, oder bis "
            "`kundenfokus forget --team`",
            en="until the app is uninstalled or its tokens are revoked, or `kundenfokus forget --team`",
        ),
        visible_to=Words(
            de="niemand (technisch); Token nur mit dem Schlüssel lesbar",
            en="nobody (technical); tokens readable only with the key",
        ),
        fields={
            "client_id": KEEP,
            "app_id": KEEP,
            "enterprise_id": KEEP,
            "enterprise_name": KEEP,
            "enterprise_url": KEEP,
            "team_id": KEEP,
            "team_name": KEEP,
            "bot_token": KEEP,
            "bot_id": KEEP,
            "bot_user_id": KEEP,
            "bot_scopes": KEEP,
            "bot_refresh_token": KEEP,
            "user_id": PERSON,
            "user_token": KEEP,
            "user_scopes": KEEP,
            "user_refresh_token": KEEP,
            "incoming_webhook_url": KEEP,
            "incoming_webhook_channel": KEEP,
            "incoming_webhook_channel_id": KEEP,
            "incoming_webhook_configuration_url": KEEP,
            "token_type": KEEP,
        },
    ),
    "slack_bots": TableRule(
        purpose=Words(
            de="Nur mit OAuth: der Bot-Token je Arbeitsbereich oder Organisation (verschlüsselt), mit dem der "
            "Bot dort schreibt und erinnert.",
            en="OAuth only: the bot token per workspace or org (encrypted) the bot writes and reminds with.",
        ),
        kept=Words(
            de="bis die App deinstalliert wird oder ihre Token widerrufen werden",
            en="until the app is uninstalled or its tokens are revoked",
        ),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={
            "client_id": KEEP,
            "app_id": KEEP,
            "enterprise_id": KEEP,
            "enterprise_name": KEEP,
            "team_id": KEEP,
            "team_name": KEEP,
            "bot_token": KEEP,
            "bot_id": KEEP,
            "bot_user_id": KEEP,
            "bot_scopes": KEEP,
            "bot_refresh_token": KEEP,
        },
    ),
    "slack_oauth_states": TableRule(
        purpose=Words(
            de="Nur mit OAuth: einmalige Zufallswerte, die eine begonnene Installation mit ihrer Rückkehr von "
            "Slack verbinden.",
            en="OAuth only: one-time random values that tie an install that was started to its return from "
            "Slack.",
        ),
        kept=Words(
            de="bis zur Rückkehr, höchstens 10 Minuten gültig", en="until the return; valid 10 minutes"
        ),
        visible_to=Words(de="niemand (technisch)", en="nobody (technical)"),
        fields={"state": KEEP},
        team=None,
    ),
}


# --- the registry's own checks --------------------------------------------------------------------


def base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def is_textual(column: Any) -> bool:
    """Columns that can hold words or IDs: every String (Text, Unicode, Enum …) and every JSON."""
    return isinstance(base_type(column.type), String | JSON)


def _parent_table(table: Table, rule: TableRule) -> Table | None:
    if rule.parent is None or rule.parent not in table.c:
        return None
    keys = list(table.c[rule.parent].foreign_keys)
    return keys[0].column.table if len(keys) == 1 else None


def _has_team(table: Table, registry: Mapping[str, TableRule], depth: int = 0) -> bool:
    rule = registry.get(table.name)
    if rule is None or depth > 5:
        return False
    if rule.team is not None:
        return rule.team in table.c
    parent = _parent_table(table, rule)
    return parent is not None and _has_team(parent, registry, depth + 1)


def _request_column(table: Table, rule: TableRule) -> Any:
    """The column that holds the request a row belongs to (``requests.id`` for requests themselves)."""
    if table.name == "requests":
        return table.c.id
    parent = _parent_table(table, rule)
    return table.c[rule.parent] if parent is not None and parent.name == "requests" else None


def registry_problems(
    metadata: MetaData = Base.metadata, registry: Mapping[str, TableRule] = REGISTRY
) -> list[str]:
    """Everything the registry fails to decide or decides inconsistently; empty when all is well."""
    problems: list[str] = []
    for name in sorted(set(registry) - set(metadata.tables)):
        problems.append(f"{name}: registered, but there is no such table")
    for table in metadata.sorted_tables:
        rule = registry.get(table.name)
        if rule is None:
            problems.append(
                f"{table.name}: table not in bot.services.privacy.REGISTRY — decide how forget and "
                "retention treat each of its columns"
            )
            continue
        for column in table.columns:
            if is_textual(column) and column.name not in rule.fields:
                problems.append(
                    f"{table.name}.{column.name}: text column not in the registry — PERSON, NAME, "
                    "PROFILE, TEXT, JSON or KEEP?"
                )
        for name, spec in rule.fields.items():
            where = f"{table.name}.{name}"
            if name not in table.c:
                problems.append(f"{where}: registered, but there is no such column")
                continue
            column = table.c[name]
            base = base_type(column.type)
            if spec.treatment is Treatment.JSON and not isinstance(base, JSON):
                problems.append(f"{where}: JSON treatment on a column that is not JSON")
            if spec.treatment not in (Treatment.JSON, Treatment.KEEP) and not isinstance(base, String):
                problems.append(f"{where}: {spec.treatment} treatment on a column that is not a string")
            if spec.treatment is Treatment.PERSON:
                length = getattr(base, "length", None)
                if length is not None and length < len(PSEUDONYM_PREFIX) + 10:
                    problems.append(f"{where}: too short for a pseudonym ({length} characters)")
            if spec.author is not None and rule.fields.get(spec.author) != PERSON:
                problems.append(f"{where}: its author {spec.author!r} is not a PERSON column of the table")
            if spec.treatment in (Treatment.NAME, Treatment.PROFILE) and rule.owner is None:
                problems.append(f"{where}: {spec.treatment} needs the table's owner column")
            if spec.retention and _request_column(table, rule) is None:
                problems.append(f"{where}: retention needs the table to belong to a request (parent)")
        if rule.owner is not None and rule.fields.get(rule.owner) != PERSON:
            problems.append(f"{table.name}: owner {rule.owner!r} is not a PERSON column")
        if rule.erase == "delete" and rule.owner is None:
            problems.append(f"{table.name}: erase='delete' needs an owner column")
        if rule.parent is not None and _parent_table(table, rule) is None:
            problems.append(f"{table.name}: parent {rule.parent!r} is not a foreign key to one table")
        personal = any(spec.treatment is not Treatment.KEEP for spec in rule.fields.values())
        if personal and not _has_team(table, registry):
            problems.append(
                f"{table.name}: holds personal data but has no way to its workspace (team/parent)"
            )
    return problems


def check_registry(metadata: MetaData = Base.metadata, registry: Mapping[str, TableRule] = REGISTRY) -> None:
    problems = registry_problems(metadata, registry)
    if problems:
        raise RegistryError("\n".join(problems))


class RegistryError(RuntimeError):
    """The models have a table or column the privacy registry does not decide about."""


def unknown_tables(names: Iterable[str], registry: Mapping[str, TableRule] = REGISTRY) -> list[str]:
    """Tables in a live database that this code does not know (a newer schema): forget refuses then."""
    return sorted(set(names) - set(registry) - {"alembic_version"})


# --- finding and replacing a person in words ------------------------------------------------------

_ESCAPED = {"&": "(?:&|&amp;)", "<": "(?:<|&lt;)", ">": "(?:>|&gt;)", "@": "@\u2060?"}


def _pattern_words(value: str) -> list[str]:
    """The words of ``value`` as regex pieces that also match the value as Slack messages show it
    (``&`` ``<`` ``>`` escaped)."""
    return ["".join(_ESCAPED.get(ch, re.escape(ch)) for ch in word) for word in value.split()]


def _bounded(value: str, pattern: str) -> str:
    """Whole words only where the value begins or ends with a word character ("Ann" ≠ "Anna")."""
    start = r"(?<!\w)" if re.match(r"\w", value) else ""
    end = r"(?!\w)" if re.search(r"\w$", value) else ""
    return start + pattern + end


def _copy_patterns(value: str) -> list[str]:
    """The words as written (whitespace may differ), and any excerpt of them ending in an ellipsis."""
    words = _pattern_words(value)
    if not words:
        return []
    patterns = [_bounded(value, r"\s+".join(words))]
    plain = value.split()
    first = next(
        (count for count in range(1, len(plain) + 1) if len(" ".join(plain[:count])) >= MIN_EXCERPT_LENGTH),
        None,
    )
    if first is not None and first < len(plain):
        tail = ""
        for piece in reversed(words[first : first + 80]):
            tail = rf"(?:\s+{piece}{tail})?"
        start = r"(?<!\w)" if re.match(r"\w", value) else ""
        patterns.append(start + r"\s+".join(words[:first]) + tail + r"\s*…")
    return patterns


_TOKEN = re.compile(r"\w+")


def _normal(value: str) -> str:
    """How words are compared when looking for copies: Slack's escapes undone, case folded."""
    return (
        value.replace("\u2060", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").casefold()
    )


def _anchor(value: str) -> str | None:
    """The longest word among those every copy and excerpt of ``value`` contains (rare words first)."""
    words: list[str] = []
    for word in value.split():
        words.append(word)
        if len(" ".join(words)) >= MIN_EXCERPT_LENGTH:
            break
    tokens = _TOKEN.findall(_normal(" ".join(words)))
    return max(tokens, key=len) if tokens else None


class Mentions:
    """Finds one person in any string — their ID, their name, copies of their words — and replaces
    them: words and name by the placeholder, the ID by the pseudonym (``<@U…|label>`` loses its label).

    Copies are looked up through one rare word each (``_anchor``), so a person who wrote thousands of
    texts does not make every string pay for thousands of patterns.
    """

    def __init__(self, user_id: str, *, names: Iterable[str] = (), texts: Iterable[str] = ()) -> None:
        self.user_id = user_id
        self._copies: dict[str | None, list[re.Pattern[str]]] = defaultdict(list)
        for value in sorted({t.strip() for t in texts}, key=len, reverse=True):
            if len(value) >= MIN_COPY_LENGTH and value != PLACEHOLDER:
                pattern = re.compile("|".join(_copy_patterns(value)), re.IGNORECASE)
                self._copies[_anchor(value)].append(pattern)
        pieces = [
            _bounded(name, r"\s+".join(_pattern_words(name)))
            for name in sorted({n.strip() for n in names}, key=len, reverse=True)
            if len(name) >= 2 and name != PLACEHOLDER and name.upper() != user_id
        ]
        self._names = re.compile("|".join(pieces), re.IGNORECASE) if pieces else None
        escaped = re.escape(user_id)
        self._mention = re.compile(rf"<@{escaped}(?:\|[^<>]*)?>", re.IGNORECASE)
        self._id = re.compile(rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])", re.IGNORECASE)

    def _copy_patterns_for(self, value: str) -> list[re.Pattern[str]]:
        if not self._copies:
            return []
        tokens = set(_TOKEN.findall(_normal(value)))
        found = list(self._copies.get(None, ()))
        for token in tokens & self._copies.keys():
            found += self._copies[token]
        return sorted(found, key=lambda p: len(p.pattern), reverse=True)

    def found_in(self, value: str) -> bool:
        if self._id.search(value) or (self._names is not None and self._names.search(value)):
            return True
        return any(p.search(value) for p in self._copy_patterns_for(value))

    def replace(self, value: str, pseudonym: str) -> str:
        for pattern in self._copy_patterns_for(value):
            value = pattern.sub(PLACEHOLDER, value)
        if self._names is not None:
            value = self._names.sub(PLACEHOLDER, value)
        value = self._mention.sub(f"<@{pseudonym}>", value)
        return self._id.sub(pseudonym, value)


def walk_json(
    value: Any, *, facts: frozenset[str], strings: Callable[[str, bool], str], key: str | None = None
) -> Any:
    """``value`` with every string passed through ``strings(s, is_words)`` (dict keys too, as facts);
    a string is words unless the nearest key above it is one of ``facts``."""
    if isinstance(value, str):
        return strings(value, key not in facts)
    if isinstance(value, dict):
        return {
            strings(k, False): walk_json(v, facts=facts, strings=strings, key=k) for k, v in value.items()
        }
    if isinstance(value, list):
        return [walk_json(item, facts=facts, strings=strings, key=key) for item in value]
    return value


def json_words(value: Any, facts: frozenset[str]) -> list[str]:
    found: list[str] = []

    def collect(string: str, is_words: bool) -> str:
        if is_words:
            found.append(string)
        return string

    walk_json(value, facts=facts, strings=collect)
    return found


def _fit(value: str, column: Any) -> str:
    length = getattr(base_type(column.type), "length", None)
    return value[:length] if length else value


def _blank(value: str | None) -> bool:
    return value is None or not value.strip() or value == PLACEHOLDER


# --- reading tables generically -------------------------------------------------------------------


def _team_expression(table: Table, registry: Mapping[str, TableRule]) -> ColumnElement[Any] | None:
    """The workspace of each row of ``table``: its own column, or its parent's (a correlated subquery)."""
    rule = registry[table.name]
    if rule.team is not None:
        return table.c[rule.team]
    parent = _parent_table(table, rule)
    if parent is None:
        return None
    inner = _team_expression(parent, registry)
    if inner is None:
        return None
    [key] = table.c[rule.parent].foreign_keys  # type: ignore[index]
    return select(inner).where(key.column == table.c[rule.parent]).scalar_subquery()


def _in_scope(table: Table, registry: Mapping[str, TableRule], team_id: str | None) -> ColumnElement[bool]:
    if team_id is None:
        return true()
    team = _team_expression(table, registry)
    return team == team_id if team is not None else false()


def _scan(
    session: Session, table: Table, columns: list[Any], where: ColumnElement[bool], batch: int = BATCH
) -> Iterator[Any]:
    """Rows of ``table`` (primary key first, then ``columns``) in primary-key order, ``batch`` at a time."""
    key = list(table.primary_key.columns)
    wanted = key + [c for c in columns if c not in key]
    last: tuple[Any, ...] | None = None
    while True:
        query = select(*wanted).where(where).order_by(*key).limit(batch)
        if last is not None:
            query = query.where(tuple_(*key) > tuple_(*last) if len(key) > 1 else key[0] > last[0])
        rows = session.execute(query).all()
        yield from rows
        if len(rows) < batch:
            return
        last = tuple(getattr(rows[-1], c.name) for c in key)


def _by_key(table: Table, row: Any) -> ColumnElement[bool]:
    return and_(*(c == getattr(row, c.name) for c in table.primary_key.columns))


def _ordered(metadata: MetaData, registry: Mapping[str, TableRule]) -> list[tuple[Table, TableRule]]:
    return [(t, registry[t.name]) for t in metadata.sorted_tables if t.name in registry]


def _fields(table: Table, rule: TableRule, *treatments: Treatment) -> list[tuple[Any, Field]]:
    return [(table.c[name], spec) for name, spec in rule.fields.items() if spec.treatment in treatments]


def normalise_user_id(user_id: str) -> str:
    return user_id.strip().upper()


def person_names(
    session: Session,
    user_id: str,
    team_id: str | None = None,
    *,
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> list[str]:
    """The person's names as stored in their own rows (the ``people`` cache and any NAME column)."""
    names: list[str] = []
    for table, rule in _ordered(metadata, registry):
        name_columns = [c for c, _spec in _fields(table, rule, Treatment.NAME)]
        if rule.owner is None or not name_columns:
            continue
        where = and_(table.c[rule.owner] == user_id, _in_scope(table, registry, team_id))
        for row in session.execute(select(*name_columns).where(where)):
            names += [value for value in row if isinstance(value, str) and not _blank(value)]
    return names


def authored_texts(
    session: Session,
    user_id: str,
    team_id: str | None = None,
    *,
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> list[str]:
    """Everything the person wrote: TEXT columns and the words of JSON columns they are the author of."""
    texts: list[str] = []
    for table, rule in _ordered(metadata, registry):
        for column, spec in _fields(table, rule, Treatment.TEXT, Treatment.JSON):
            if spec.author is None:
                continue
            where = and_(table.c[spec.author] == user_id, _in_scope(table, registry, team_id))
            for (value,) in session.execute(select(column).where(where)):
                values = [value] if spec.treatment is Treatment.TEXT else json_words(value, spec.facts)
                texts += [v for v in values if isinstance(v, str) and not _blank(v)]
    return texts


def rows_mentioning(
    session: Session,
    user_id: str,
    team_id: str | None = None,
    *,
    names: Iterable[str] = (),
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that holds the person's ID in a PERSON column, or their ID or name in
    any words or structured detail — whole rows, by table (the right of access)."""
    mentions = Mentions(user_id, names=names)
    found: dict[str, list[dict[str, Any]]] = {}
    for table, rule in _ordered(metadata, registry):
        people = [c for c, _spec in _fields(table, rule, Treatment.PERSON)]
        words = _fields(table, rule, Treatment.TEXT, Treatment.JSON)
        if not people and not words:
            continue
        where = _in_scope(table, registry, team_id)
        if not words:
            where = and_(where, or_(*(c == user_id for c in people)))
        rows = []
        for row in _scan(session, table, list(table.columns), where):
            record = row._asdict()
            hit = any(record[c.name] == user_id for c in people)
            for column, spec in words:
                value = record[column.name]
                if hit or value is None:
                    continue
                strings = [value] if spec.treatment is Treatment.TEXT else _all_strings(value)
                hit = any(isinstance(s, str) and mentions.found_in(s) for s in strings)
            if hit:
                rows.append(record)
        if rows:
            found[table.name] = rows
    return found


def _all_strings(value: Any) -> list[str]:
    found: list[str] = []

    def collect(string: str, _is_words: bool) -> str:
        found.append(string)
        return string

    walk_json(value, facts=frozenset(), strings=collect)
    return found


# --- forget ---------------------------------------------------------------------------------------


def new_salt() -> bytes:
    """A fresh secret for one run of ``forget``; it is never stored."""
    return secrets.token_bytes(32)


def pseudonym(user_id: str, salt: bytes) -> str:
    digest = hmac.new(salt, normalise_user_id(user_id).encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:10].upper()


@dataclass
class TableChange:
    changed: int = 0
    deleted: int = 0


@dataclass
class ForgetReport:
    user_id: str
    team_id: str | None
    tables: dict[str, TableChange] = field(default_factory=dict)
    #: Requests involving the person that are still open: they stay open, under the pseudonym.
    still_open: int = 0

    @property
    def changed(self) -> int:
        return sum(change.changed for change in self.tables.values())

    @property
    def deleted(self) -> int:
        return sum(change.deleted for change in self.tables.values())

    @property
    def empty(self) -> bool:
        return not self.changed and not self.deleted


def forget(
    session: Session,
    *,
    user_id: str,
    salt: bytes,
    team_id: str | None = None,
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
    batch: int = BATCH,
) -> ForgetReport:
    """Erase one person in one transaction (all workspaces, or ``team_id``'s): their words and name
    become the placeholder, their ID the pseudonym, their own rows of ``erase="delete"`` tables go.
    States, times, scores and counts stay, so every team figure is the same afterwards."""
    check_registry(metadata, registry)
    user_id = normalise_user_id(user_id)
    alias = pseudonym(user_id, salt)
    mentions = Mentions(
        user_id,
        names=person_names(session, user_id, team_id, metadata=metadata, registry=registry),
        texts=authored_texts(session, user_id, team_id, metadata=metadata, registry=registry),
    )
    report = ForgetReport(user_id=user_id, team_id=team_id)
    for table, rule in reversed(_ordered(metadata, registry)):
        if rule.erase == "delete" and rule.owner is not None:
            result = session.execute(
                delete(table).where(table.c[rule.owner] == user_id, _in_scope(table, registry, team_id))
            )
            if result.rowcount:
                report.tables.setdefault(table.name, TableChange()).deleted += result.rowcount
    for table, rule in _ordered(metadata, registry):
        changed = _forget_in_table(session, table, rule, registry, user_id, alias, mentions, team_id, batch)
        if changed:
            report.tables.setdefault(table.name, TableChange()).changed += changed
    report.still_open = _still_open(session, metadata, alias, team_id)
    return report


def _forget_in_table(
    session: Session,
    table: Table,
    rule: TableRule,
    registry: Mapping[str, TableRule],
    user_id: str,
    alias: str,
    mentions: Mentions,
    team_id: str | None,
    batch: int,
) -> int:
    people = _fields(table, rule, Treatment.PERSON)
    own = _fields(table, rule, Treatment.NAME, Treatment.PROFILE)
    words = _fields(table, rule, Treatment.TEXT, Treatment.JSON)
    if not people and not words:
        return 0
    where = _in_scope(table, registry, team_id)
    if not words:
        where = and_(where, or_(*(c == user_id for c, _spec in people)))
    columns = [c for c, _spec in people + own + words]
    changed = 0
    for row in _scan(session, table, columns, where, batch):
        values = row._asdict()
        is_own = rule.owner is not None and values[rule.owner] == user_id
        changes: dict[str, Any] = {}
        for column, _spec in people:
            if values[column.name] == user_id:
                changes[column.name] = alias
        for column, spec in own if is_own else []:
            if values[column.name] is None:
                continue
            if spec.treatment is Treatment.NAME:
                replacement = _fit(PLACEHOLDER, column)
            else:
                replacement = None if column.nullable else ""
            if values[column.name] != replacement:
                changes[column.name] = replacement
        for column, spec in words:
            value = values[column.name]
            if value is None:
                continue
            by_them = spec.author is not None and values[spec.author] == user_id
            if spec.treatment is Treatment.TEXT:
                new = PLACEHOLDER if by_them and not _blank(value) else mentions.replace(value, alias)
                new = _fit(new, column)
            else:

                def strings(string: str, is_words: bool, by_them: bool = by_them) -> str:
                    if by_them and is_words and not _blank(string):
                        return PLACEHOLDER
                    return mentions.replace(string, alias)

                new = walk_json(value, facts=spec.facts, strings=strings)
            if new != value:
                changes[column.name] = new
        if changes:
            session.execute(update(table).where(_by_key(table, row)).values(changes))
            changed += 1
    return changed


def _still_open(session: Session, metadata: MetaData, alias: str, team_id: str | None) -> int:
    requests = metadata.tables.get("requests")
    if requests is None:
        return 0
    where = and_(
        requests.c.state.in_(ACTIVE_STATES),
        or_(requests.c.requester_id == alias, requests.c.assignee_id == alias),
    )
    if team_id is not None:
        where = and_(where, requests.c.team_id == team_id)
    return int(session.scalar(select(func.count()).select_from(requests).where(where)) or 0)


# --- retention ------------------------------------------------------------------------------------


@dataclass
class RetentionBatch:
    """One transaction's worth of retention: which requests it looked at and what it changed."""

    #: The last request ID looked at, or None when there was nothing (left) to look at.
    last_id: int | None
    requests: int = 0
    changed: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def retention_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def claim_retention(session: Session) -> bool:
    """One retention pass at a time across processes: a PostgreSQL advisory lock held until the
    transaction ends. SQLite has a single writer anyway, and every change is idempotent."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(RETENTION_LOCK))))


def remove_expired_texts(
    session: Session,
    *,
    now: datetime,
    days: int,
    after_id: int = 0,
    batch: int = 500,
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> RetentionBatch:
    """Replace the words of requests closed more than ``days`` before ``now`` — the next ``batch`` of
    them after ``after_id`` — with the placeholder: every ``retention`` field in every table. States,
    times, scores and counts stay. Idempotent: a second pass changes nothing."""
    requests = metadata.tables["requests"]
    ids = list(
        session.scalars(
            select(requests.c.id)
            .where(
                requests.c.state.in_([state.value for state in CLOSED_STATES]),
                requests.c.closed_at < retention_cutoff(now, days),
                requests.c.id > after_id,
            )
            .order_by(requests.c.id)
            .limit(batch)
        )
    )
    if not ids:
        return RetentionBatch(last_id=None)
    result = RetentionBatch(last_id=ids[-1], requests=len(ids))
    tables = [(t, r, _request_column(t, r)) for t, r in _ordered(metadata, registry)]
    # Plain columns first: on SQLite the first UPDATE takes the write lock before anything is read.
    for table, rule, link in tables:
        for column, spec in _fields(table, rule, Treatment.TEXT):
            if not spec.retention or link is None:
                continue
            placeholder = _fit(PLACEHOLDER, column)
            changed = session.execute(
                update(table)
                .where(link.in_(ids), column.is_not(None), column != placeholder, column != "")
                .values({column.name: placeholder})
                .execution_options(synchronize_session=False)
            ).rowcount
            if changed:
                result.changed[f"{table.name}.{column.name}"] += changed
    for table, rule, link in tables:
        for column, spec in _fields(table, rule, Treatment.JSON):
            if not spec.retention or link is None:
                continue
            for row in _scan(session, table, [column], link.in_(ids)):
                value = getattr(row, column.name)

                def strings(string: str, is_words: bool) -> str:
                    return PLACEHOLDER if is_words and not _blank(string) else string

                new = walk_json(value, facts=spec.facts, strings=strings)
                if new != value:
                    session.execute(update(table).where(_by_key(table, row)).values({column.name: new}))
                    result.changed[f"{table.name}.{column.name}"] += 1
    return result


# --- the data inventory in docs/privacy.md --------------------------------------------------------

_LABELS = {
    "de": {
        "header": "| Tabelle | Felder | Zweck | Aufbewahrung | Wer sieht es |",
        Treatment.PERSON: "Personen-IDs",
        Treatment.NAME: "Name",
        Treatment.PROFILE: "Einstellungen",
        Treatment.TEXT: "Texte",
        Treatment.JSON: "Details",
        "other": "sonst",
        "retention": "Texte ({fields}) werden `KUNDENFOKUS_RETENTION_DAYS` Tage nach Abschluss der "
        "Anfrage entfernt, wenn gesetzt",
    },
    "en": {
        "header": "| Table | Fields | Purpose | Kept | Who sees it |",
        Treatment.PERSON: "person IDs",
        Treatment.NAME: "name",
        Treatment.PROFILE: "settings",
        Treatment.TEXT: "texts",
        Treatment.JSON: "details",
        "other": "other",
        "retention": "texts ({fields}) are removed `KUNDENFOKUS_RETENTION_DAYS` days after the request "
        "closed, when set",
    },
}
_ORDER = (Treatment.PERSON, Treatment.NAME, Treatment.PROFILE, Treatment.TEXT, Treatment.JSON)


def inventory_rows(
    language: str, metadata: MetaData = Base.metadata, registry: Mapping[str, TableRule] = REGISTRY
) -> Iterator[str]:
    labels = _LABELS[language]
    yield str(labels["header"])
    yield "|---|---|---|---|---|"
    for name, rule in registry.items():
        table = metadata.tables.get(name)
        if table is None:
            continue
        groups: dict[Any, list[str]] = defaultdict(list)
        for column in table.columns:
            spec = rule.fields.get(column.name, KEEP)
            groups[spec.treatment if spec.treatment in _ORDER else "other"].append(f"`{column.name}`")
        fields = " · ".join(
            f"{labels[kind]}: {', '.join(groups[kind])}" for kind in (*_ORDER, "other") if groups.get(kind)
        )
        kept = getattr(rule.kept, language)
        expiring = [f"`{name}`" for name, spec in rule.fields.items() if spec.retention]
        if expiring:
            kept += "; " + str(labels["retention"]).format(fields=", ".join(expiring))
        cells = (
            f"`{table.name}`",
            fields,
            getattr(rule.purpose, language),
            kept,
            getattr(rule.visible_to, language),
        )
        yield "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def render_inventory(language: str) -> str:
    """The data inventory table for docs/privacy.md (``de`` or ``en``), straight from the registry."""
    return "\n".join(inventory_rows(language)) + "\n"


# --- forgetting a whole workspace -----------------------------------------------------------------

#: Slack workspace (team) IDs.
TEAM_ID = re.compile(r"^T[A-Z0-9]{2,31}$")


@dataclass
class TeamForgetReport:
    team_id: str
    #: Rows deleted per table (only tables that had some).
    tables: dict[str, int] = field(default_factory=dict)
    #: Whether the bot still serves the workspace: tokens stored for it (OAuth mode), or it was never
    #: marked uninstalled (token mode never is: Slack tells the bot of an uninstall only in OAuth mode).
    installed: bool = False
    #: Its requests that were still open (they go with everything else).
    still_open: int = 0

    @property
    def deleted(self) -> int:
        return sum(self.tables.values())

    @property
    def empty(self) -> bool:
        return not self.deleted


def team_tables(
    metadata: MetaData = Base.metadata, registry: Mapping[str, TableRule] = REGISTRY
) -> list[Table]:
    """Every table whose rows belong to a workspace (its own team column, or a parent's), parents first."""
    return [table for table, _rule in _ordered(metadata, registry) if _has_team(table, registry)]


def team_rows(
    table: Table, team_id: str, registry: Mapping[str, TableRule] = REGISTRY
) -> ColumnElement[bool]:
    """The rows of ``table`` that belong to ``team_id``."""
    return _in_scope(table, registry, team_id)


def is_installed(session: Session, team_id: str, metadata: MetaData = Base.metadata) -> bool:
    """Tokens are stored for the workspace itself, or its ``workspaces`` row is not marked uninstalled."""
    for name in ("slack_bots", "slack_installations"):
        table = metadata.tables.get(name)
        if table is not None and session.scalar(
            select(func.count()).select_from(table).where(table.c.team_id == team_id)
        ):
            return True
    workspaces = metadata.tables.get("workspaces")
    if workspaces is None:
        return False
    found = session.execute(
        select(workspaces.c.uninstalled_at).where(workspaces.c.team_id == team_id)
    ).first()
    return found is not None and found.uninstalled_at is None


def forget_team(
    session: Session,
    *,
    team_id: str,
    metadata: MetaData = Base.metadata,
    registry: Mapping[str, TableRule] = REGISTRY,
) -> TeamForgetReport:
    """Delete every row the bot stores about one workspace, in the caller's transaction: its requests
    and all that hangs on them, people, calendars, subscriptions and their runs, the outbox, seen
    deliveries, its own installation and tokens, the ``workspaces`` row itself. Children go before
    their parents, so it works without relying on ``ON DELETE CASCADE``. An Enterprise Grid org-wide
    installation belongs to the org, not to one workspace, and stays."""
    check_registry(metadata, registry)
    team_id = team_id.strip().upper()
    report = TeamForgetReport(team_id=team_id, installed=is_installed(session, team_id, metadata))
    requests = metadata.tables.get("requests")
    if requests is not None:
        report.still_open = int(
            session.scalar(
                select(func.count())
                .select_from(requests)
                .where(requests.c.team_id == team_id, requests.c.state.in_(ACTIVE_STATES))
            )
            or 0
        )
    for table in reversed(team_tables(metadata, registry)):
        result = session.execute(delete(table).where(team_rows(table, team_id, registry)))
        if result.rowcount:
            report.tables[table.name] = result.rowcount
    return report
