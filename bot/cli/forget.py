"""``kundenfokus forget --user U… [--team T…] [--yes]``: erase one person (Art. 17 GDPR).
``kundenfokus forget --team T… [--yes] [--force]``: erase a whole workspace.

A person: their words and name become a placeholder, their ID a pseudonym in every row, their App Home
visits go; states, times, scores and counts stay, so team figures do not change.

A workspace (``--team`` without ``--user``): every row the bot stores about it is deleted — requests
and their history, reminders, ratings, kudos, digests, people, calendars, the outbox, its installation
and tokens, the workspace itself — in one transaction. It refuses (exit 2) while the workspace is still
installed (tokens stored for it, or never marked uninstalled — in single-workspace token mode Slack
never tells the bot), unless ``--force``: uninstall first, so that nothing is written again behind it.

Without ``--yes`` both show what they would change and ask on a terminal; without a terminal they
refuse (exit 2). See docs/privacy.md.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.services.privacy import ForgetReport, TeamForgetReport

NAME = "forget"
HELP = (
    "erase one person (their texts and name removed, their ID pseudonymised, team figures unchanged), "
    "or with --team alone a whole workspace"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="USER_ID", help="the person's Slack user ID (U…)")
    parser.add_argument(
        "--team",
        metavar="TEAM_ID",
        help="with --user: only in this workspace (default: all); alone: erase the whole workspace",
    )
    parser.add_argument("--yes", action="store_true", help="erase without asking first")
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --team alone: erase the workspace even though the app is still installed there",
    )


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


def _database_problem(engine: Any) -> str | None:
    from sqlalchemy import inspect

    from bot import migrate
    from bot.services import privacy

    if not migrate.is_up_to_date(engine):
        return "The database schema is not up to date. Run: kundenfokus migrate"
    unknown = privacy.unknown_tables(inspect(engine).get_table_names())
    if unknown:
        return (
            f"The database has tables this version does not know ({', '.join(unknown)}); "
            "forget with the version that created them."
        )
    return None


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import privacy
    from models.db import make_engine, make_session_factory

    if args.user is None:
        if args.team is None:
            print(
                "Say whom to forget: --user U… (one person) or --team T… (a whole workspace).",
                file=sys.stderr,
            )
            return 2
        return run_team(settings, args)
    if args.force:
        print(
            "--force only applies to forgetting a whole workspace (--team without --user); "
            "a person is forgotten without it.",
            file=sys.stderr,
        )
        return 2
    user_id = privacy.normalise_user_id(args.user)
    if not privacy.USER_ID.match(user_id):
        print(f"{args.user!r} is not a Slack user ID (like U012AB3CD).", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        problem = _database_problem(engine)
        if problem:
            print(problem, file=sys.stderr)
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


# --- a whole workspace ------------------------------------------------------------------------------


def team_table(report: TeamForgetReport) -> list[str]:
    lines = [f"  {'table':<24} {'deleted':>8}"]
    for name, deleted in sorted(report.tables.items()):
        lines.append(f"  {name:<24} {deleted:>8}")
    lines.append(f"  {'total':<24} {report.deleted:>8}")
    return lines


class _StillInstalled(Exception):
    def __init__(self, report: TeamForgetReport) -> None:
        super().__init__(report.team_id)
        self.report = report


def erase_team(
    sessions: sessionmaker[Session], *, team_id: str, commit: bool, force: bool = False
) -> TeamForgetReport:
    """One transaction; rolled back unless ``commit`` (so the plan shows exactly what would happen),
    and rolled back while the workspace is installed unless ``force``. Erasing takes SQLite's write
    lock up front (``transaction()``), so a bot writing at the same time makes it wait, not fail."""
    from bot.services.privacy import forget_team
    from models.db import transaction

    if not commit:
        with sessions() as session:
            session.begin()
            try:
                return forget_team(session, team_id=team_id)
            finally:
                session.rollback()
    try:
        with transaction(sessions) as session:
            report = forget_team(session, team_id=team_id)
            if report.installed and not force:
                raise _StillInstalled(report)  # rolls the transaction back
    except _StillInstalled as refused:
        return refused.report
    return report


def _still_installed(team_id: str) -> str:
    return (
        f"Not erasing: Kundenfokus is still installed in {team_id} (its tokens are stored, or Slack has "
        "not told the bot of an uninstall — in single-workspace mode it never does), so the bot would "
        "start storing again with the next request from there. Uninstall the app from the workspace "
        "first (or stop the bot that serves it), then run this again — or add --force to erase it anyway."
    )


def run_team(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services import privacy
    from models.db import make_engine, make_session_factory

    team_id = args.team.strip().upper()
    if not privacy.TEAM_ID.match(team_id):
        print(f"{args.team!r} is not a Slack workspace ID (like T012AB3CD).", file=sys.stderr)
        return 2
    engine = make_engine(settings.database_url)
    try:
        problem = _database_problem(engine)
        if problem:
            print(problem, file=sys.stderr)
            return 2
        sessions = make_session_factory(engine)
        plan = erase_team(sessions, team_id=team_id, commit=False)
        if plan.empty:
            print(f"Nothing is stored about workspace {team_id}; nothing to change.")
            return 0
        if plan.installed and not args.force:
            print(f"Forgetting workspace {team_id} would delete these rows:")
            print("\n".join(team_table(plan)))
            print(_still_installed(team_id), file=sys.stderr)
            return 2
        if not args.yes:
            print(f"Forgetting workspace {team_id} would delete these rows:")
            print("\n".join(team_table(plan)))
            print(
                "Everything the bot stores about this workspace goes: its requests and their history, "
                "reminders, ratings, kudos, digests, people, calendars, messages not yet sent and its "
                "installation. This cannot be undone."
            )
            if plan.still_open:
                print(f"{plan.still_open} of its requests are still open; they go too.")
            if plan.installed:
                print(f"The app is still installed in {team_id} (--force).")
            if not sys.stdin.isatty():
                print(
                    "Not erasing: there is no terminal to confirm on. "
                    "Check the list above, then run the same command with --yes.",
                    file=sys.stderr,
                )
                return 2
            try:
                answer = input(f"Type {team_id} to erase the workspace, anything else to stop: ")
            except EOFError:
                answer = ""
            if answer.strip().upper() != team_id:
                print("Stopped; nothing changed.")
                return 1
        report = erase_team(sessions, team_id=team_id, commit=True, force=args.force)
    finally:
        engine.dispose()
    if report.empty:
        print(f"Nothing is stored about workspace {team_id}; nothing changed.")
        return 0
    if report.installed and not args.force:  # installed again between the plan and now: rolled back
        print(_still_installed(team_id), file=sys.stderr)
        return 2
    print(f"Forgot workspace {team_id}:")
    print("\n".join(team_table(report)))
    if report.installed:
        print(
            "The app is still installed there: a request from that workspace starts it afresh, "
            "with nothing from before."
        )
    return 0
