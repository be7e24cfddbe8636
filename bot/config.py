"""Settings: one object built from the environment, validated once at start.

Only the CLI reads the environment (``Settings.from_env``); everything else gets a ``Settings``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DATABASE_URL = "sqlite:///kundenfokus.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

#: Every setting: environment key, default, one-line meaning. ``.env.example`` and the README mirror this.
DOCUMENTED_KEYS: dict[str, tuple[str, str]] = {
    "SLACK_BOT_TOKEN": ("", "Bot token (xoxb-…) from your app's OAuth & Permissions page."),
    "SLACK_SIGNING_SECRET": ("", "Signing secret from your app's Basic Information page."),
    "SLACK_APP_TOKEN": ("", "App-level token (xapp-…, scope connections:write); set it for Socket Mode."),
    # --- OAuth: install into many workspaces and Enterprise Grid orgs (instead of SLACK_BOT_TOKEN) ---
    "SLACK_CLIENT_ID": (
        "",
        "OAuth: Client ID from Basic Information; with the secret, run serves /slack/install.",
    ),
    "SLACK_CLIENT_SECRET": ("", "OAuth: Client Secret from Basic Information (App Credentials)."),
    "KUNDENFOKUS_TOKEN_KEY": (
        "",
        "OAuth: Fernet key that encrypts the workspaces' tokens in the database (required with OAuth).",
    ),
    "SLACK_API_URL": (DEFAULT_SLACK_API_URL, "Web API base URL (GovSlack: https://slack-gov.com/api/)."),
    "DATABASE_URL": (DEFAULT_DATABASE_URL, "SQLAlchemy URL; PostgreSQL: postgresql+psycopg://user@host/db."),
    "PORT": ("3000", "HTTP port in HTTP mode (POST /slack/events, GET /healthz, /readyz, /metrics)."),
    "LOG_LEVEL": ("INFO", "DEBUG, INFO, WARNING or ERROR."),
    # --- operating (health port, log format) ---
    "KUNDENFOKUS_HEALTH_PORT": (
        "",
        "Port for GET /healthz, /readyz and /metrics beside Socket Mode (or a second port in HTTP mode).",
    ),
    "LOG_FORMAT": ("text", "text (one readable line per event) or json (one JSON object per line)."),
    "KUNDENFOKUS_TIMEZONE": ("Europe/Berlin", "Workspace time zone, used when a person's own is unknown."),
    "KUNDENFOKUS_LANGUAGE": ("en", "Default language (en or de) for people whose Slack locale is unknown."),
    "KUNDENFOKUS_WORKING_HOURS": ("09:00-17:00", "Working hours, in each person's own time zone."),
    "KUNDENFOKUS_WORKING_DAYS": ("mon-fri", "Working days, e.g. mon-fri or mon,tue,wed,thu."),
    "KUNDENFOKUS_HOLIDAYS": (
        "DE",
        "Public holidays: country code, optionally with region, e.g. DE or DE-BY.",
    ),
    "KUNDENFOKUS_CLOSED_DAYS": (
        "",
        "Company-wide closing days every year (month-day), e.g. 12-24,12-31; added to everyone's holidays.",
    ),
    "KUNDENFOKUS_DEFAULT_RESPONSE": ("4h", "Response time when the requester names none (business time)."),
    "KUNDENFOKUS_REMINDER_HOUR": ("10:00", "Earliest local time for reminders on a working day."),
    "KUNDENFOKUS_ESCALATE_AFTER_DAYS": (
        "3",
        "Silent business days before the requester is offered to escalate.",
    ),
    "KUNDENFOKUS_HEADS_UP_DAYS": ("1", "Business days before a due date for the one heads-up."),
    "KUNDENFOKUS_MAX_REMINDERS": (
        "5",
        "Reminders about one request before the bot stops and asks the requester what to do.",
    ),
    "KUNDENFOKUS_DIGEST_SCHEDULE": ("mon 09:00", "Default digest time in the channel's time zone."),
    "KUNDENFOKUS_POST_RATE": (
        "",
        "Messages per minute the bot may post in one workspace, shared by all replicas (empty: as fast "
        "as Slack allows; the bot always keeps Slack's 1 per second per channel and its Retry-After).",
    ),
    "KUNDENFOKUS_DELIVERY_PROCESSES": (
        "0",
        "Processes of their own that deliver the outbox's messages beside `kundenfokus run` (0: its own "
        "threads do; 1 lets a machine with two cores or more file and deliver on two).",
    ),
    "KUNDENFOKUS_RETENTION_DAYS": (
        "",
        "Days after a request closed until its texts are removed (numbers stay); empty keeps them.",
    ),
    "KUNDENFOKUS_DIGEST_MIN_GROUP": (
        "5",
        "A digest figure is hidden when fewer people than this are behind it (kudos stay).",
    ),
    # --- absences: a Slack status that says "away" pauses the person's clocks and reminders ---
    "KUNDENFOKUS_AWAY_WORDS": (
        "urlaub,vacation,holiday,ooo,out of office,abwesend,krank,sick,elternzeit,parental leave,"
        "mutterschutz,maternity leave,paternity leave",
        "Words in a Slack status text that mean the person is away (comma-separated; any case, a word's "
        "beginning matches: vacation also finds Vacationing).",
    ),
    "KUNDENFOKUS_AWAY_EMOJI": (
        ":palm_tree:,:airplane:,:face_with_thermometer:,:baby:,:beach_with_umbrella:,:desert_island:,"
        ":sneezing_face:,:face_with_head_bandage:",
        "Slack status emoji that mean the person is away (comma-separated).",
    ),
}

DEFAULT_AWAY_WORDS = DOCUMENTED_KEYS["KUNDENFOKUS_AWAY_WORDS"][0]
DEFAULT_AWAY_EMOJI = DOCUMENTED_KEYS["KUNDENFOKUS_AWAY_EMOJI"][0]


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_client_id: str = ""
    slack_client_secret: str = ""
    #: Fernet key (urlsafe base64, 32 bytes) for the tokens at rest; only used in OAuth mode.
    token_key: str = ""
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    log_level: str = "INFO"
    health_port: int | None = None
    log_format: str = "text"
    timezone: str = "Europe/Berlin"
    language: str = "en"
    working_hours: str = "09:00-17:00"
    working_days: str = "mon-fri"
    holidays: str = "DE"
    #: Company-wide closing days, "MM-DD" separated by commas (``closed_day_set`` reads them).
    closed_days: str = ""
    default_response: str = "4h"
    reminder_hour: time = field(default_factory=lambda: time(10, 0))
    escalate_after_days: int = 3
    heads_up_days: int = 1
    #: Reminders about one request before the ladder stops and the requester is asked once what to do.
    max_reminders: int = 5
    digest_schedule: str = "mon 09:00"
    #: Proactive workspace budget for chat.postMessage (per minute); None follows Slack's 429s alone.
    post_rate: int | None = None
    #: ``kundenfokus run`` starts this many ``kundenfokus deliver`` processes (0: delivers in its threads).
    delivery_processes: int = 0
    #: None keeps texts forever; else the retention job removes them this many days after closing.
    retention_days: int | None = None
    digest_min_group: int = 5
    #: Status words and emoji that mean "away" (``away_word_list`` / ``away_emoji_set`` read them).
    away_words: str = DEFAULT_AWAY_WORDS
    away_emoji: str = DEFAULT_AWAY_EMOJI

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(key: str) -> str:
            value = env.get(key, "").strip()
            return value or DOCUMENTED_KEYS[key][0]

        api_url = get("SLACK_API_URL")
        raw_health = get("KUNDENFOKUS_HEALTH_PORT")
        if not api_url.endswith("/"):
            api_url += "/"
        settings = cls(
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=api_url,
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            token_key=get("KUNDENFOKUS_TOKEN_KEY"),
            database_url=get("DATABASE_URL"),
            port=_int(get("PORT"), "PORT", minimum=1),
            log_level=get("LOG_LEVEL").upper(),
            health_port=_int(raw_health, "KUNDENFOKUS_HEALTH_PORT", minimum=1) if raw_health else None,
            log_format=get("LOG_FORMAT").lower(),
            timezone=get("KUNDENFOKUS_TIMEZONE"),
            language=get("KUNDENFOKUS_LANGUAGE").lower()[:2],
            working_hours=get("KUNDENFOKUS_WORKING_HOURS"),
            working_days=get("KUNDENFOKUS_WORKING_DAYS"),
            holidays=get("KUNDENFOKUS_HOLIDAYS"),
            closed_days=get("KUNDENFOKUS_CLOSED_DAYS"),
            default_response=get("KUNDENFOKUS_DEFAULT_RESPONSE"),
            reminder_hour=_clock(get("KUNDENFOKUS_REMINDER_HOUR"), "KUNDENFOKUS_REMINDER_HOUR"),
            escalate_after_days=_int(
                get("KUNDENFOKUS_ESCALATE_AFTER_DAYS"), "KUNDENFOKUS_ESCALATE_AFTER_DAYS"
            ),
            heads_up_days=_int(get("KUNDENFOKUS_HEADS_UP_DAYS"), "KUNDENFOKUS_HEADS_UP_DAYS"),
            max_reminders=_max_reminders(get("KUNDENFOKUS_MAX_REMINDERS")),
            digest_schedule=get("KUNDENFOKUS_DIGEST_SCHEDULE"),
            post_rate=_int(get("KUNDENFOKUS_POST_RATE"), "KUNDENFOKUS_POST_RATE", minimum=1)
            if get("KUNDENFOKUS_POST_RATE")
            else None,
            delivery_processes=_int(
                get("KUNDENFOKUS_DELIVERY_PROCESSES"), "KUNDENFOKUS_DELIVERY_PROCESSES", maximum=16
            ),
            retention_days=_optional_days(get("KUNDENFOKUS_RETENTION_DAYS"), "KUNDENFOKUS_RETENTION_DAYS"),
            digest_min_group=_int(
                get("KUNDENFOKUS_DIGEST_MIN_GROUP"), "KUNDENFOKUS_DIGEST_MIN_GROUP", minimum=1
            ),
            away_words=get("KUNDENFOKUS_AWAY_WORDS"),
            away_emoji=get("KUNDENFOKUS_AWAY_EMOJI"),
        )
        settings.validate_defaults()
        return settings

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def oauth(self) -> bool:
        """Installed by OAuth into any number of workspaces (tokens in the database), not one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def holiday_country(self) -> str | None:
        country = self.holidays.split("-", 1)[0].strip().upper()
        return country or None

    @property
    def holiday_subdivision(self) -> str | None:
        parts = self.holidays.split("-", 1)
        return parts[1].strip().upper() if len(parts) == 2 and parts[1].strip() else None

    @property
    def closed_day_set(self) -> frozenset[tuple[int, int]]:
        """``KUNDENFOKUS_CLOSED_DAYS`` as (month, day) pairs; raises ConfigError for a malformed entry."""
        return parse_closed_days(self.closed_days)

    @property
    def away_word_list(self) -> tuple[str, ...]:
        """``KUNDENFOKUS_AWAY_WORDS``, lower-cased; raises ConfigError for an entry that is no word."""
        return parse_away_words(self.away_words)

    @property
    def away_emoji_set(self) -> frozenset[str]:
        """``KUNDENFOKUS_AWAY_EMOJI`` as ``:name:`` codes; raises ConfigError for one that is no emoji."""
        return parse_away_emoji(self.away_emoji)

    def validate_defaults(self) -> None:
        """Check the product defaults (not the Slack credentials, see ``validate_slack``)."""
        if self.log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {self.log_level!r}.")
        if self.log_format not in {"text", "json"}:
            raise ConfigError(f"LOG_FORMAT must be 'text' or 'json', not {self.log_format!r}.")
        if self.health_port is not None and not 0 < self.health_port < 65536:
            raise ConfigError(f"KUNDENFOKUS_HEALTH_PORT must be a port number, not {self.health_port}.")
        if self.language not in {"en", "de"}:
            raise ConfigError(f"KUNDENFOKUS_LANGUAGE must be 'en' or 'de', not {self.language!r}.")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"KUNDENFOKUS_TIMEZONE {self.timezone!r} is not a time zone name; use one like Europe/Berlin."
            ) from None
        self.closed_day_set  # noqa: B018 - raises ConfigError with the entry not understood
        self.away_word_list  # noqa: B018 - likewise
        self.away_emoji_set  # noqa: B018 - likewise
        if self.retention_days is not None and self.retention_days < 1:
            raise ConfigError(
                f"KUNDENFOKUS_RETENTION_DAYS must be at least 1 day, not {self.retention_days}."
            )
        if not self.database_url.split(":", 1)[0].startswith(("sqlite", "postgresql")):
            raise ConfigError(
                "DATABASE_URL must be sqlite:///path.db or postgresql+psycopg://user@host/db, "
                f"not {self.database_url.split(':', 1)[0]}:…"
            )

    def validate_slack(self) -> None:
        """What ``run`` needs: say which variable is missing, where to get it, and what to try instead."""
        hint = (
            "Put it in a .env file next to where you start the bot (see .env.example), or export it.\n"
            "No Slack app yet? Try the bot without Slack first: kundenfokus shell"
        )
        if self.oauth:
            self._validate_oauth(hint)
        elif self.slack_client_id or self.slack_client_secret:
            missing = "SLACK_CLIENT_SECRET" if self.slack_client_id else "SLACK_CLIENT_ID"
            raise ConfigError(
                f"{missing} is not set. For installing by OAuth both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
                "are needed (your app's Basic Information page, App Credentials); for one workspace leave "
                "both empty and set SLACK_BOT_TOKEN instead.\n" + hint
            )
        elif not self.slack_bot_token:
            raise ConfigError(
                "SLACK_BOT_TOKEN is not set. Create the app from manifest.yml at https://api.slack.com/apps, "
                "install it to your workspace and copy the Bot User OAuth Token (xoxb-…) — or, to install "
                "it into many workspaces, set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET instead.\n" + hint
            )
        elif not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN should start with xoxb- (the Bot User OAuth Token).\n" + hint)
        if not self.slack_signing_secret:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set. Copy it from your app's Basic Information page "
                "(App Credentials → Signing Secret).\n" + hint
            )
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN should start with xapp- (an app-level token with connections:write). "
                "Leave it empty to serve HTTP instead of Socket Mode.\n" + hint
            )

    def _validate_oauth(self, hint: str) -> None:
        if self.slack_app_token:
            raise ConfigError(
                "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth) need HTTP mode: Slack sends people to "
                "/slack/install and /slack/oauth_redirect on your public URL. Leave SLACK_APP_TOKEN empty.\n"
                + hint
            )
        if not self.token_key:
            raise ConfigError(
                "KUNDENFOKUS_TOKEN_KEY is not set. With OAuth the workspaces' tokens are kept encrypted in "
                "the database; create a key once and keep it safe (without it the stored tokens are lost):\n"
                "  python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'\n"
                + hint
            )
        try:
            from cryptography.fernet import Fernet

            Fernet(self.token_key.encode())
        except (ValueError, TypeError):
            raise ConfigError(
                "KUNDENFOKUS_TOKEN_KEY is not a Fernet key (44 characters of URL-safe base64). Create one "
                "with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            ) from None


def _int(raw: str, key: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{key} must be at least {minimum}, not {value}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{key} must be at most {maximum}, not {value}.")
    return value


def _max_reminders(raw: str, key: str = "KUNDENFOKUS_MAX_REMINDERS") -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{key} must be a whole number of reminders about one request (e.g. 5), not {raw!r}."
        ) from None
    if not 1 <= value <= 50:
        raise ConfigError(
            f"{key} must be between 1 and 50 (the bot stops after that many reminders about one "
            f"request and asks the requester), not {value}."
        )
    return value


def _optional_days(raw: str, key: str) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{key} must be a whole number of days (e.g. 365), or empty to keep texts, not {raw!r}."
        ) from None
    if value < 1:
        raise ConfigError(f"{key} must be at least 1 day, or empty to keep texts, not {value}.")
    return value


_CLOSED_DAY = re.compile(r"^(?P<month>\d{1,2})-(?P<day>\d{1,2})$")


def parse_closed_days(raw: str) -> frozenset[tuple[int, int]]:
    """ "12-24,12-31" -> {(12, 24), (12, 31)}: month-day, the same every year (29 February allowed)."""
    days: set[tuple[int, int]] = set()
    for entry in (part.strip() for part in (raw or "").split(",")):
        if not entry:
            continue
        match = _CLOSED_DAY.match(entry)
        try:
            if match is None:
                raise ValueError(entry)
            month, day = int(match["month"]), int(match["day"])
            date(2024, month, day)  # a leap year: 02-29 is a day that exists
        except ValueError:
            raise ConfigError(
                f"KUNDENFOKUS_CLOSED_DAYS must list month-day pairs like 12-24,12-31; {entry!r} is not one."
            ) from None
        days.add((month, day))
    return frozenset(days)


_AWAY_WORD = re.compile(r"^\w[\w' .\-]*$")
_EMOJI_CODE = re.compile(r"^:?(?P<name>[a-z0-9_+\-']+)(?:::skin-tone-\d)?:?$")


def parse_away_words(raw: str) -> tuple[str, ...]:
    """ "Urlaub, out of office" -> ("urlaub", "out of office")."""
    words: list[str] = []
    for entry in (part.strip() for part in (raw or "").split(",")):
        if not entry:
            continue
        if len(entry) < 2 or len(entry) > 60 or not _AWAY_WORD.match(entry):
            raise ConfigError(
                "KUNDENFOKUS_AWAY_WORDS must list words or short phrases separated by commas, like "
                f"urlaub,vacation,out of office; {entry!r} is not one."
            )
        words.append(" ".join(entry.casefold().split()))
    return tuple(dict.fromkeys(words))


def parse_away_emoji(raw: str) -> frozenset[str]:
    """ ":palm_tree:, airplane" -> {":palm_tree:", ":airplane:"}."""
    codes: set[str] = set()
    for entry in (part.strip().lower() for part in (raw or "").split(",")):
        if not entry:
            continue
        match = _EMOJI_CODE.match(entry)
        if match is None:
            raise ConfigError(
                "KUNDENFOKUS_AWAY_EMOJI must list Slack emoji codes separated by commas, like "
                f":palm_tree:,:airplane:; {entry!r} is not one."
            )
        codes.add(f":{match['name']}:")
    return frozenset(codes)


def _clock(raw: str, key: str) -> time:
    try:
        hour, minute = raw.split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise ConfigError(f"{key} must be a time like 10:00, not {raw!r}.") from None
