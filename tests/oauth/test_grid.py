"""Enterprise Grid: one org-wide install acts in every workspace of the org; a request filed in one
workspace may go to a person of a sibling workspace, looked up and written to with the org's token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Request, Workspace, slack_installations
from models.db import reading
from tests.oauth.conftest import dms, driver, install

ORG = "E0001"


@pytest.fixture
def org(fake):
    fake.add_workspace("T0003", name="Konzern Vertrieb", enterprise_id=ORG, enterprise_name="Konzern")
    fake.add_workspace("T0004", name="Konzern Technik", enterprise_id=ORG)
    fake.workspace("T0003").add_user("UGRETA", "greta", tz="Europe/Berlin", locale="de-DE")
    fake.workspace("T0004").add_user("UHANS", "hans", tz="Europe/Vienna", locale="de-AT")
    return fake


def test_an_org_wide_install_files_requests_across_the_workspaces_of_the_org(oauth_bot, org):
    install(oauth_bot, org, ORG, user_id="UGRETA", enterprise_install=True)
    with reading(oauth_bot.deps.sessions) as session:
        [row] = session.execute(select(slack_installations)).mappings().all()
    assert (row["enterprise_id"], row["team_id"], row["is_enterprise_install"]) == (ORG, None, True)

    sales = driver(oauth_bot, org, "T0003")
    assert sales.is_enterprise_install
    sales.command("UGRETA", "<@UHANS|hans> Bitte das Angebot prüfen within 4h")

    with reading(oauth_bot.deps.sessions) as session:
        [request] = session.scalars(select(Request)).all()
        workspace = session.get(Workspace, "T0003")
    assert (request.team_id, request.assignee_id, request.number) == ("T0003", "UHANS", 1)
    assert workspace is not None and workspace.enterprise_id == ORG
    [card] = dms(org, "T0004", "UHANS")  # the DM is in Hans's own workspace
    assert "Angebot" in str(card)

    # A process that starts later finds the org's token for T0003 through the table.
    installations = oauth_bot.deps.installations
    installations._orgs.clear()
    installations.invalidate()
    assert (
        oauth_bot.deps.client_for("T0003").token
        == org.token_info(oauth_bot.deps.client_for("T0003").token).token
    )


def test_uninstalling_the_org_pauses_every_workspace_of_it(oauth_bot, org):
    install(oauth_bot, org, ORG, user_id="UGRETA", enterprise_install=True)
    sales = driver(oauth_bot, org, "T0003")
    sales.command("UGRETA", "<@UHANS|hans> Bitte das Angebot prüfen within 4h")
    sales.uninstall()
    assert oauth_bot.settle()
    assert "T0003" in oauth_bot.deps.paused_teams()
    with reading(oauth_bot.deps.sessions) as session:
        assert session.execute(select(slack_installations)).first() is None
