"""The container files, checked without a Docker engine: the Dockerfile and compose.yaml parse, what they
copy exists, the commands they call exist and work the same in a plain virtualenv (with compose's settings,
against the local PostgreSQL), and the image's HEALTHCHECK command passes against a running bot."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.cli import COMMANDS, build_parser
from bot.config import DOCUMENTED_KEYS
from tests.conftest import POSTGRES_ENV
from tests.ops.processes import ROOT, bot_process, clean_env, free_port, get, kundenfokus


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined, current = [], ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") and not current:
            continue
        current += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            if current.strip():
                joined.append(current.strip())
            current = ""
    return [(entry.split(None, 1)[0].upper(), entry.split(None, 1)[1]) for entry in joined]


def instruction(name: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == name]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in instruction("ENV"):
        for pair in shlex.split(arguments):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck_command() -> list[str]:
    [arguments] = instruction("HEALTHCHECK")
    return json.loads(arguments[arguments.index("CMD") + 3 :].strip())


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


# --- what can be read ------------------------------------------------------------------------------


def test_the_dockerfile_builds_a_slim_non_root_image_that_runs_the_bot():
    [base] = instruction("FROM")
    assert re.fullmatch(r"python:3\.1[12]-slim", base)
    [user] = instruction("USER")
    assert user not in ("root", "0")
    assert any("pip install ." in run for run in instruction("RUN"))
    for arguments in instruction("COPY"):
        *sources, _target = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert json.loads(instruction("CMD")[0]) == ["kundenfokus", "run"]
    assert instruction("EXPOSE") == [image_env()["PORT"]]
    assert healthcheck_command()[0] == "python"
    assert set(image_env()) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"} - {
        k for k in image_env() if k.startswith("PIP_")
    } <= set(DOCUMENTED_KEYS)


def test_dockerignore_keeps_secrets_databases_and_the_virtualenv_out():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", "*.db", ".git"} <= ignored
    for needed in ("bot", "handlers", "models", "migrations", "pyproject.toml", "README.md", "LICENSE"):
        assert needed not in ignored


def test_compose_has_postgres_a_one_shot_migrate_and_two_bot_replicas():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "bot"}
    assert services["db"]["image"].startswith("postgres:") and "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["kundenfokus", "migrate"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"
    assert services["bot"]["command"] == ["kundenfokus", "run"]
    assert services["bot"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["bot"]["deploy"]["replicas"] == 2
    for name in ("migrate", "bot"):
        assert services[name]["build"] == "." and services[name]["image"] == services["bot"]["image"]


@pytest.mark.parametrize("service", ["migrate", "bot"])
def test_compose_calls_only_commands_and_settings_that_exist(service):
    spec = compose()["services"][service]
    program, *argv = spec["command"]
    assert program == "kundenfokus" and argv[0] in {command.NAME for command in COMMANDS}
    build_parser().parse_args(argv)  # exits on an unknown option
    assert set(spec["environment"]) <= set(DOCUMENTED_KEYS), set(spec["environment"]) - set(DOCUMENTED_KEYS)


# --- what can be run -------------------------------------------------------------------------------


def compose_environment(service: str, database_url: str) -> dict[str, str]:
    """The service's settings as compose would pass them, with its database (host db) replaced by ours."""
    environment = {
        key: re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m.group(1), m.group(2)), str(value))
        for key, value in compose()["services"][service]["environment"].items()
    }
    assert make_url(environment["DATABASE_URL"]).host == "db"
    environment["DATABASE_URL"] = database_url
    return environment


@pytest.fixture
def throwaway_postgres() -> Iterator[str]:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(f"PostgreSQL not configured ({POSTGRES_ENV})")
    name = f"kf_compose_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_compose_commands_work_in_a_plain_virtualenv(throwaway_postgres, fake_slack, tmp_path):
    """`migrate` once, then `run` with the bot's settings: the bots start on the migrated database."""
    migrate_env = compose_environment("migrate", throwaway_postgres)
    process = kundenfokus(*compose()["services"]["migrate"]["command"][1:], cwd=tmp_path, env=migrate_env)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "is at revision" in stdout
    assert all(json.loads(line)["level"] for line in stderr.splitlines())  # LOG_FORMAT=json

    bot_env = compose_environment("bot", throwaway_postgres)
    help_run = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--help"], env=clean_env(bot_env), capture_output=True, text=True
    )
    assert help_run.returncode == 0 and "--health-port" in help_run.stdout
    port = str(free_port())
    bot_env.update(
        PORT=port,
        KUNDENFOKUS_HEALTH_PORT=port,
        SLACK_BOT_TOKEN=fake_slack.bot_token,
        SLACK_SIGNING_SECRET="compose-secret",
        SLACK_API_URL=fake_slack.base_url,
    )
    with bot_process(*compose()["services"]["bot"]["command"][2:], cwd=tmp_path, env=bot_env) as bot:
        bot.wait_for_line("is running:")
        status, body = get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200, body
        assert bot.stop()[0] == 0


def test_the_images_healthcheck_passes_against_a_running_bot_and_fails_without_one(
    fake_slack, tmp_path, migrated_sqlite_template
):
    shutil.copy(migrated_sqlite_template, tmp_path / "kundenfokus.db")
    port = str(free_port())
    env = {
        **image_env(),
        "PORT": port,
        "KUNDENFOKUS_HEALTH_PORT": port,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kundenfokus.db'}",  # the image's /data, here
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": "image-secret",
        "SLACK_API_URL": fake_slack.base_url,
    }
    check = [sys.executable, *healthcheck_command()[1:]]
    with bot_process(*json.loads(instruction("CMD")[0])[2:], cwd=tmp_path, env=env) as bot:
        bot.wait_for_line("is running:")
        assert subprocess.run(check, env=clean_env(env), timeout=10).returncode == 0
        assert bot.stop()[0] == 0
    failed = subprocess.run(check, env=clean_env(env), capture_output=True, timeout=10)
    assert failed.returncode != 0
