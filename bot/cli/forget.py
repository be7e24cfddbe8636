"""``kundenfokus forget --user U… [--team T…] [--yes]``: erase one person (Art. 17 GDPR).

Their words and name become a placeholder, their ID a pseudonym in every row, their App Home visits
go; states, times, scores and counts stay, so team figures do not change. Without ``--yes`` it shows
what it would change and asks on a terminal; without a terminal it refuses (exit 2). See
docs/privacy.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.services.privacy import ForgetReport

NAME = "forget"
HELP = "erase one person: their texts and name removed, their ID pseudonymised, team figures unchanged"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, metavar="USER_ID", help="the person's Slack user ID (U…)")
    parser.add_argument("--team", metavar="TEAM_ID", help="only in this workspace (team ID); default: all")
    parser.add_argument("--yes", action="store_true", help="erase without asking first")


def table(report: ForgetReport) -> list[str]:
    lines = [f"  {'table':<24} {'changed':>8} {'deleted':>8}"]
    for name, change in sorted(report.tables.items()):
        lines.append(f"  {name:<24} {change.changed:>8} {change.deleted:>8}")
    lines.append(f"  {'total':<24} {report.changed:>8} {report.deleted:>8}")
    return lines


def where(team_id: str | None) -> str:
    return f"in workspace {team_id}" if team_id else "in all workspaces"


def erase(
    sessions: sessionmaker[Session], *, user_id: str, team_id: str | None, salt: bytes, commit: bool
) -> ForgetReport:
    """One transaction; rolled back unless ``commit`` (so the plan shows exactly what would happen)."""
    from bot.services.privacy import forget

    with sessions() as session:
        session.begin()
        try:
            report = forget(session, user_id=user_id, team_id=team_id, salt=salt)
            if commit:
                session.commit()
        finally:
            if session.in_transaction():
                session.rollback()
    return report


def run(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import inspect

    from bot import migrate
    from bot.services import privacy
    from models.db import make_engine, make_session_factory

    user_id = privacy.normalise_user_id(args.user)
    if not privacy.USER_ID.match(user_id):
        print(f"{args.user!r} is not a Slack user ID (like U012AB3CD).", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        if not migrate.is_up_to_date(engine):
            print("The database schema is not up to date. Run: kundenfokus migrate", file=sys.stderr)
            return 2
        unknown = privacy.unknown_tables(inspect(engine).get_table_names())
        if unknown:
            print(
                f"The database has tables this version does not know ({', '.join(unknown)}); "
                "forget with the version that created them.",
                file=sys.stderr,
            )
            return 2
        sessions = make_session_factory(engine)
        salt = privacy.new_salt()  # one run, one pseudonym; never stored
        if not args.yes:
            plan = erase(sessions, user_id=user_id, team_id=args.team, salt=salt, commit=False)
            if plan.empty:
                print(f"Nothing is stored about {user_id} {where(args.team)}; nothing to change.")
                return 0
            print(f"Forgetting {user_id} {where(args.team)} would change these rows:")
            print("\n".join(table(plan)))
            print(
                f'Their texts and name become "{privacy.PLACEHOLDER}", their ID a pseudonym '
                f"({privacy.PSEUDONYM_PREFIX}…) in every row; states, times, scores and counts stay, so "
                "team figures do not change. This cannot be undone."
            )
            if plan.still_open:
                print(
                    f"{plan.still_open} of their requests are still open; they stay open under the pseudonym."
                )
            if not sys.stdin.isatty():
                print(
                    "Not erasing: there is no terminal to confirm on. "
                    "Check the list above, then run the same command with --yes.",
                    file=sys.stderr,
                )
                return 2
            try:
                answer = input(f"Type {user_id} to erase, anything else to stop: ")
            except EOFError:
                answer = ""
            if answer.strip().upper() != user_id:
                print("Stopped; nothing changed.")
                return 1
        report = erase(sessions, user_id=user_id, team_id=args.team, salt=salt, commit=True)
    finally:
        engine.dispose()
    if report.empty:
        print(f"Nothing is stored about {user_id} {where(args.team)}; nothing changed.")
        return 0
    print(f"Forgot {user_id} {where(args.team)}:")
    print("\n".join(table(report)))
    print("If they still use Slack, the bot will look them up again the next time they appear in a request.")
    return 0
