"""The 14-day scenario of issue 10 through the real sweep: how many reminder DMs each person receives.

Five colleagues, five requests nobody answers (``tests/ladder_scenario.py`` describes them), a sweep
every hour for fourteen calendar days, a fresh SQLite file and the loopback fake Slack. Before the ladder
knew when to stop, the scenario sent 43 DMs. Run:  python bench/reminder_ladder.py [--max-reminders N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import migrate  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.sandbox.fake_slack import FakeSlack  # noqa: E402
from bot.slack import make_web_client  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from tests.ladder_scenario import BEFORE, FILED, PEOPLE, TEAM, play, reminded_events  # noqa: E402

TOKEN = "xoxb-bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-reminders", type=int, default=5, help="KUNDENFOKUS_MAX_REMINDERS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ladder.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with FakeSlack(team_id=TEAM, bot_token=TOKEN) as fake:
                settings = Settings(
                    slack_bot_token=TOKEN,
                    slack_api_url=fake.base_url,
                    database_url=url,
                    timezone="Europe/Berlin",
                    holidays="DE-BE",
                    max_reminders=args.max_reminders,
                )
                deps = Deps(
                    settings,
                    make_session_factory(engine),
                    ManualClock(FILED),
                    make_web_client(TOKEN, fake.base_url),
                )
                started = time.perf_counter()
                received = play(deps, fake)
                seconds = time.perf_counter() - started
                reminded = reminded_events(deps.sessions)
        finally:
            engine.dispose()
    total = sum(received.values())
    print(f"14 days, 5 people, KUNDENFOKUS_MAX_REMINDERS={args.max_reminders} ({seconds:.1f} s)")
    for name in PEOPLE.values():
        print(f"  {name:<8} {received[name]:>3} DM(s)")
    print(f"  total    {total:>3} DM(s) (before: {BEFORE}); {reminded} reminder item(s) in them")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
