"""Settings from the environment: defaults, validation with clear messages, documentation complete."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import yaml

from bot.cli.common import SecretFilter
from bot.config import DOCUMENTED_KEYS, ConfigError, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_any_environment():
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///kundenfokus.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000 and settings.language == "en" and not settings.socket_mode
    assert settings.health_port is None and settings.log_format == "text"
    assert (settings.holiday_country, settings.holiday_subdivision) == ("DE", None)
    assert settings.max_reminders == 5


def test_values_are_read_and_normalised():
    settings = Settings.from_env(
        {
            "SLACK_API_URL": "https://slack-gov.com/api",
            "PORT": "8080",
            "KUNDENFOKUS_HOLIDAYS": "de-by",
            "KUNDENFOKUS_LANGUAGE": "DE",
            "SLACK_APP_TOKEN": "xapp-1",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "KUNDENFOKUS_HEALTH_PORT": "9000",
        }
    )
    assert settings.log_format == "json" and settings.health_port == 9000
    assert settings.slack_api_url == "https://slack-gov.com/api/"
    assert settings.port == 8080 and settings.language == "de" and settings.log_level == "DEBUG"
    assert (settings.holiday_country, settings.holiday_subdivision) == ("DE", "BY")
    assert settings.socket_mode


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"KUNDENFOKUS_TIMEZONE": "Mars/Olympus"}, "not a time zone name"),
        ({"KUNDENFOKUS_LANGUAGE": "fr"}, "must be 'en' or 'de'"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL must be"),
        ({"KUNDENFOKUS_REMINDER_HOUR": "ten"}, "must be a time like 10:00"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be 'text' or 'json'"),
        ({"KUNDENFOKUS_HEALTH_PORT": "nine thousand"}, "KUNDENFOKUS_HEALTH_PORT must be a whole number"),
        ({"KUNDENFOKUS_HEALTH_PORT": "70000"}, "KUNDENFOKUS_HEALTH_PORT must be a port number"),
        ({"KUNDENFOKUS_MAX_REMINDERS": "five"}, "KUNDENFOKUS_MAX_REMINDERS must be a whole number"),
        ({"KUNDENFOKUS_MAX_REMINDERS": "0"}, "KUNDENFOKUS_MAX_REMINDERS must be between 1 and 50"),
        ({"KUNDENFOKUS_DELIVERY_PROCESSES": "two"}, "KUNDENFOKUS_DELIVERY_PROCESSES must be a whole number"),
        ({"KUNDENFOKUS_DELIVERY_PROCESSES": "-1"}, "KUNDENFOKUS_DELIVERY_PROCESSES must be at least 0"),
        ({"KUNDENFOKUS_DELIVERY_PROCESSES": "17"}, "KUNDENFOKUS_DELIVERY_PROCESSES must be at most 16"),
    ],
)
def test_malformed_values_are_explained(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_missing_slack_credentials_say_which_where_and_suggest_the_shell():
    with pytest.raises(ConfigError) as missing_token:
        Settings.from_env({}).validate_slack()
    assert "SLACK_BOT_TOKEN" in str(missing_token.value) and "kundenfokus shell" in str(missing_token.value)
    with pytest.raises(ConfigError) as missing_secret:
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).validate_slack()
    assert "SLACK_SIGNING_SECRET" in str(missing_secret.value) and "Basic Information" in str(
        missing_secret.value
    )
    with pytest.raises(ConfigError, match="xapp-"):
        Settings.from_env(
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xoxb-2"}
        ).validate_slack()


def test_env_example_documents_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text()
    keys = set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))
    assert keys == set(DOCUMENTED_KEYS)


def test_readme_configuration_table_lists_every_setting():
    readme = (ROOT / "README.md").read_text()
    for key in DOCUMENTED_KEYS:
        assert f"`{key}`" in readme, key


def test_manifest_creates_the_app_in_one_step():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/request" and command["should_escape"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read", "im:history"} <= scopes
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_secrets_never_reach_a_log_line(caplog):
    logger = logging.getLogger("test.secrets")
    handler_filter = SecretFilter(["s3cr3t-signing-value"])
    record = logger.makeRecord(
        "test",
        logging.INFO,
        __file__,
        1,
        "token %s secret %s app %s",
        ("xoxb-123-456-abcdef", "s3cr3t-signing-value", "xapp-1-A1-xyz"),
        None,
    )
    handler_filter.filter(record)
    assert record.getMessage() == "token [redacted] secret [redacted] app [redacted]"


def test_oauth_mode_needs_client_id_secret_and_a_token_key_but_no_bot_token():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cr3t", "SLACK_SIGNING_SECRET": "s"}
    settings = Settings.from_env({**oauth, "KUNDENFOKUS_TOKEN_KEY": key})
    settings.validate_slack()  # no SLACK_BOT_TOKEN needed
    assert settings.oauth and not Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}).oauth
    with pytest.raises(ConfigError, match=r"(?s)KUNDENFOKUS_TOKEN_KEY is not set.*Fernet.generate_key"):
        Settings.from_env(oauth).validate_slack()
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Settings.from_env({**oauth, "KUNDENFOKUS_TOKEN_KEY": "secret"}).validate_slack()
    with pytest.raises(ConfigError, match="SLACK_CLIENT_SECRET is not set"):
        Settings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_SIGNING_SECRET": "s"}).validate_slack()
    with pytest.raises(ConfigError, match="need HTTP mode"):
        Settings.from_env(
            {**oauth, "KUNDENFOKUS_TOKEN_KEY": key, "SLACK_APP_TOKEN": "xapp-1"}
        ).validate_slack()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env(
            {**oauth, "KUNDENFOKUS_TOKEN_KEY": key, "SLACK_SIGNING_SECRET": ""}
        ).validate_slack()


def test_the_manifest_allows_org_wide_installs_and_the_install_asks_for_its_scopes():
    from bot.slack import BOT_SCOPES

    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert {"app_uninstalled", "tokens_revoked"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    assert set(BOT_SCOPES) == set(manifest["oauth_config"]["scopes"]["bot"])


def test_the_manifest_reads_statuses_for_absences():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert "users.profile:read" in manifest["oauth_config"]["scopes"]["bot"]
    assert "user_status_changed" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_closed_days_are_month_day_pairs():
    settings = Settings.from_env({"KUNDENFOKUS_CLOSED_DAYS": "12-24, 12-31,02-29"})
    assert settings.closed_day_set == {(12, 24), (12, 31), (2, 29)}
    assert Settings.from_env({}).closed_day_set == frozenset()


@pytest.mark.parametrize("raw", ["24.12.", "12-32", "13-01", "christmas", "12/24"])
def test_malformed_closed_days_are_explained(raw):
    with pytest.raises(ConfigError, match="KUNDENFOKUS_CLOSED_DAYS must list month-day pairs"):
        Settings.from_env({"KUNDENFOKUS_CLOSED_DAYS": raw})
