"""Installing by OAuth: the Add-to-Slack page, the return from Slack, the state that works once."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import yaml
from sqlalchemy import func, select, text

from bot.installations import make_state_store
from models import Workspace, slack_bots, slack_installations, slack_oauth_states
from models.db import reading
from tests.conftest import RunningBot
from tests.oauth.conftest import CLIENT_ID, ONE, TWO, dms, driver, finish_install, install, start_install

ROOT = Path(__file__).resolve().parents[2]


def count(bot: RunningBot, table) -> int:
    with reading(bot.deps.sessions) as session:
        return session.scalar(select(func.count()).select_from(table))


def test_the_install_page_links_to_slack_with_the_manifests_scopes_and_a_one_time_state(oauth_bot, fake):
    started = start_install(oauth_bot)
    assert started.authorize_url.startswith(fake.base_url.removesuffix("api/") + "oauth/v2/authorize?")
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert started.query["client_id"] == CLIENT_ID
    assert set(started.query["scope"].split(",")) == set(manifest["oauth_config"]["scopes"]["bot"])
    assert started.cookie == f"slack-app-oauth-state={started.state}"
    assert count(oauth_bot, slack_oauth_states) == 1
    assert start_install(oauth_bot).state != started.state  # a fresh one each time


def test_an_install_stores_the_workspace_and_its_people_can_file_requests(oauth_bot, fake):
    page = install(oauth_bot, fake, TWO, user_id="UERIN")
    assert "Thank you" in page.body or "success" in page.body.lower()
    with reading(oauth_bot.deps.sessions) as session:
        [row] = session.execute(select(slack_installations)).mappings().all()
        workspace = session.get(Workspace, TWO)
    assert (row["team_id"], row["user_id"], row["is_enterprise_install"]) == (TWO, "UERIN", False)
    assert workspace is not None and workspace.uninstalled_at is None
    assert count(oauth_bot, slack_oauth_states) == 0  # the state was used up

    reply = driver(oauth_bot, fake, TWO).command("UERIN", "<@UFRANK|frank> Bitte die Zahlen prüfen within 4h")
    assert reply.status == 200
    [card] = dms(fake, TWO, "UFRANK")
    assert "Bitte die Zahlen prüfen" in card["text"] + str(card.get("blocks"))
    token = fake.workspace(TWO).bot_token
    assert {call.team_id for call in fake.calls if call.token == token} == {TWO}


def test_a_forged_state_is_refused(oauth_bot, fake):
    started = start_install(oauth_bot)
    code = fake.authorize(TWO, user_id="UERIN")
    forged = "0" * len(started.state)
    page = finish_install(oauth_bot, code=code, state=forged, cookie=f"slack-app-oauth-state={forged}")
    assert page.status == 401
    assert count(oauth_bot, slack_bots) == 0


def test_a_state_from_another_browser_is_refused(oauth_bot, fake):
    started = start_install(oauth_bot)
    code = fake.authorize(TWO, user_id="UERIN")
    page = finish_install(oauth_bot, code=code, state=started.state, cookie=None)
    assert page.status == 400
    assert count(oauth_bot, slack_bots) == 0


def test_a_used_state_is_refused_the_second_time(oauth_bot, fake):
    started = start_install(oauth_bot)
    first = finish_install(
        oauth_bot, code=fake.authorize(TWO, user_id="UERIN"), state=started.state, cookie=started.cookie
    )
    assert first.status == 200
    again = finish_install(
        oauth_bot, code=fake.authorize(TWO, user_id="UERIN"), state=started.state, cookie=started.cookie
    )
    assert again.status == 401
    assert count(oauth_bot, slack_bots) == 1


def test_requests_from_a_workspace_that_never_installed_the_app_change_nothing(oauth_bot, fake):
    install(oauth_bot, fake, ONE, user_id="UALICE")
    driver(oauth_bot, fake, TWO).command("UERIN", "<@UFRANK|frank> Zahlen bitte")
    with reading(oauth_bot.deps.sessions) as session:
        assert session.execute(text("SELECT count(*) FROM requests")).scalar() == 0
    [answer] = [c.args for c in fake.calls if c.method == "response_url" and c.team_id == TWO]
    assert "isn't installed in this workspace" in answer["text"]
    assert "nicht mehr) installiert" in answer["text"]


def test_a_state_is_consumed_though_another_connection_writes_meanwhile(engine, sessions):
    """The install page's state is read, then deleted, in one transaction. Another connection writes
    while that one waits (here: it holds the write lock and commits a moment later). Begun as a reader,
    the delete then failed at once on SQLite and the admin's install came back "invalid_state"."""
    store = make_state_store(sessions, expiration_seconds=600)
    state, other = store.issue(), str(uuid.uuid4())
    holder = engine.raw_connection()
    try:
        cursor = holder.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        # Another state issued meanwhile, in a transaction still open when the consume begins.
        cursor.execute(
            f"INSERT INTO slack_oauth_states (state, expire_at) VALUES ('{other}', '2999-01-01 00:00:00')"
        )
        consumed: list[bool] = []
        consuming = threading.Thread(target=lambda: consumed.append(store.consume(state)))
        consuming.start()
        time.sleep(0.3)  # the consume has begun (and waits for the lock, or has read)
        holder.commit()
        consuming.join(timeout=30)
    finally:
        holder.close()
    assert consumed == [True]
    with reading(sessions) as session:
        left = set(session.scalars(select(slack_oauth_states.c.state)))
    assert left == {other}  # consumed once, and the other state is still there
