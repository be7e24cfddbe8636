"""Slack's OAuth tables, exactly as slack_sdk's SQLAlchemy stores define them, on our metadata.

``SQLAlchemyInstallationStore`` and ``SQLAlchemyOAuthStateStore`` read and write these tables; our Alembic
migration (0006) creates them — never the stores' ``create_tables()``. The columns come from slack_sdk's
own ``build_*_table`` so they cannot drift, with one deliberate difference: the four token columns are
wider (``TOKEN_COLUMN_LENGTH``), because they hold Fernet ciphertext, not the token itself
(``bot.installations``).
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, String, Table

from models.base import Base

INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.default_installations_table_name  # slack_installations
BOTS_TABLE = SQLAlchemyInstallationStore.default_bots_table_name  # slack_bots
STATES_TABLE = SQLAlchemyOAuthStateStore.default_table_name  # slack_oauth_states

#: Fernet ciphertext of a token up to 200 characters (slack_sdk's width) is 356 characters long.
TOKEN_COLUMN_LENGTH = 500
#: The columns that hold tokens (encrypted at rest).
TOKEN_COLUMNS = {
    INSTALLATIONS_TABLE: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
    BOTS_TABLE: ("bot_token", "bot_refresh_token"),
}


def widen_token_columns(table: Table) -> Table:
    for name in TOKEN_COLUMNS.get(table.name, ()):
        table.c[name].type = String(TOKEN_COLUMN_LENGTH)
    return table


def installation_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """(installations, bots, states) as slack_sdk builds them, token columns widened."""
    installations = widen_token_columns(
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    )
    bots = widen_token_columns(SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE))
    states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE)
    return installations, bots, states


slack_installations, slack_bots, slack_oauth_states = installation_tables(Base.metadata)
