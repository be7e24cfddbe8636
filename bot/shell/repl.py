"""The shell's conversation loop: read a line, act as the current person, print what the bot did.

Everything a person does goes to the real bot as Slack would send it (signed HTTP through Bolt);
everything the bot does is read back from the fake Slack's record of Web API calls, in order.
"""

from __future__ import annotations

import difflib
import itertools
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.blocks.requests import MESSAGE_SHORTCUT as SHORTCUT_CALLBACK
from bot.sandbox.driver import Reply
from bot.sandbox.fake_slack import Call
from bot.sandbox.workspace import (
    CHANNELS,
    PEOPLE,
    TEAM_ID,
    TEAMS,
    Channel,
    Person,
    channel_named,
    channels_of,
    people_of,
    person_named,
    person_with_id,
)
from bot.shell.render import Names, Renderer, button_elements, button_matches
from bot.shell.sandbox import Sandbox
from models import Request

logger = logging.getLogger(__name__)

#: How often the scheduler runs while time passes (``kundenfokus run`` ticks every minute; reminders
#: and digests are at most this late in the sandbox).
TICK_EVERY = timedelta(minutes=15)
MAX_WAIT = timedelta(days=90)

HELP = """\
You type as the current person (alice at the start). Commands:
  /request @bob Send the Q3 numbers within 4h
                     any slash command, as typed in Slack (@name and #channel work)
  as NAME            switch person (users lists everyone)
  as NAME COMMAND    one command as NAME: "as carol press Done #2" is carol clicking Done on
                     your message (a stranger's click); "as bob reply #2 Thanks" replies as bob
  press LABEL [#N]   press a button on your latest message that has it, by its label
                     ("press Got it") or action id; #N picks request #N's button, also in a
                     message that lists several requests
  reply [#N] TEXT    answer in the thread of your card for request #N (or of your latest
                     direct message from the bot)
  say TEXT           post TEXT in the current channel as you
  shortcut [@NAME]   "Make this a request" on the latest message of NAME (default: you) in the
                     current channel
  wait DURATION      let time pass (30m, 5h, 2d, 1d4h, or "until 2026-11-30 09:00" in your
                     time zone); reminders and digests go out as it passes
  home               open your App Home
  group @it-support @bob @carol
                     create (or change) a Slack user group; then /request @it-support … asks the team
  status [@NAME] [:EMOJI:] TEXT [until 2026-12-28]
                     set a Slack status (yours, or @NAME's) and send user_status_changed, e.g.
                     status @bob :palm_tree: Urlaub until 2026-12-28; "status @bob clear" clears it
  in #CHANNEL        type slash commands in another channel (#general, #team)
  users              who is here, and their local time
  team [T0002]       switch to the other workspace (the same bot, other people); team alone lists them
  help               this help
  quit               leave (the sandbox forgets everything unless started with --db)
In a form, answer each field; Enter keeps the default or skips an optional field, /cancel closes it."""

COMMAND_NAMES = (
    "as", "press", "reply", "say", "shortcut", "wait", "home", "status", "in", "users", "team", "group",
    "help", "quit", "exit",
)  # fmt: skip
_QUIET_METHODS = {
    "auth.test",
    "oauth.v2.access",
    "api.test",
    "team.info",
    "users.info",
    "users.list",
    "users.lookupByEmail",
    "users.profile.get",
    "conversations.open",
    "conversations.info",
    "conversations.members",
    "chat.getPermalink",
    "usergroups.list",
    "usergroups.users.list",
}
_MENTION = re.compile(r"(?<![\w@<])@([A-Za-z][\w-]*(?:\.[\w-]+)*)")
_CHANNEL = re.compile(r"(?<![\w#<&])#([A-Za-z][\w-]*)")
_DURATION = re.compile(r"(\d+)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])", re.IGNORECASE)
_REQUEST_NUMBER = re.compile(r"\s+#(\d+)$")
_STATUS_UNTIL = re.compile(r"\s*\buntil\s+(\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?)\s*$", re.IGNORECASE)


def slack_escape(text: str, team_id: str = TEAM_ID, groups: dict[str, str] | None = None) -> str:
    """What Slack sends for typed text with escaping on: ``& < >`` escaped, ``@bob`` as ``<@UBOB|bob>``,
    ``@it-support`` (a user group, handle -> id in ``groups``) as ``<!subteam^S…|@it-support>``,
    ``#team`` as ``<#C0002|team>``. Unknown names (in workspace ``team_id``) stay plain text, as in Slack."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def user(match: re.Match[str]) -> str:
        person = person_named(match.group(1), team_id)
        if person is None and groups and match.group(1).lower() in groups:
            return f"<!subteam^{groups[match.group(1).lower()]}|@{match.group(1).lower()}>"
        return f"<@{person.user_id}|{person.name}>" if person else match.group(0)

    def channel(match: re.Match[str]) -> str:
        found = channel_named(match.group(1), team_id)
        return f"<#{found.channel_id}|{found.name}>" if found else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(user, text))


def parse_duration(text: str) -> timedelta:
    """``30m``, ``5h``, ``2d``, ``1d 4h``, ``2 days``; raises ValueError otherwise."""
    cleaned = text.strip().lower()
    matches = list(_DURATION.finditer(cleaned))
    if not matches or _DURATION.sub("", cleaned).strip(" ,and"):
        raise ValueError(text)
    total = timedelta()
    for match in matches:
        amount, unit = int(match.group(1)), match.group(2)[0]
        total += {"d": timedelta(days=amount), "h": timedelta(hours=amount), "m": timedelta(minutes=amount)}[
            unit
        ]
    return total


def tick_times(start: datetime, end: datetime, every: timedelta = TICK_EVERY) -> list[datetime]:
    """The moments the scheduler runs while the clock goes from ``start`` to ``end``: each full
    ``every`` (15 minutes: :00, :15, …) after ``start``, and ``end`` itself."""
    step = every.total_seconds()
    moment = datetime.fromtimestamp((start.timestamp() // step + 1) * step, UTC)
    moments = []
    while moment < end:
        moments.append(moment)
        moment += every
    moments.append(end)
    return moments


def local_time(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%a %d %b %Y, %H:%M")


class Ref(NamedTuple):
    """Something a person can see and press buttons on."""

    kind: str  # "message" | "ephemeral" | "home" | "view" (a modal with buttons)
    channel: str  # the conversation; for "home" the person's id; for "view" the view's id
    ts: str  # the message; "" for home


@dataclass
class Console:
    """Where commands and form answers come from and where the transcript goes. Without a terminal,
    every line read is echoed after its prompt so the output reads as a transcript."""

    stdin: TextIO
    stdout: TextIO
    interactive: bool = False

    def ask(self, prompt: str, *, command: bool = False) -> str | None:
        """One line, or None at the end of the input. Comments and blank lines between commands are
        echoed without the prompt: in a script they are the narration."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.say()
                return None
            except KeyboardInterrupt:  # Ctrl-C drops the line (or closes a form); Ctrl-D quits
                self.say()
                return "" if command else "/cancel"
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        narration = command and (not line.strip() or line.lstrip().startswith("#"))
        self.say(line if narration else prompt + line)
        return line

    def say(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)


class FormClosed(Exception):
    """The person typed /cancel in a form, or the input ended."""


class Shell:
    """The conversation between one typist (playing everyone) and the sandboxed bot."""

    def __init__(self, sandbox: Sandbox, console: Console, *, emoji: bool = True) -> None:
        self.sandbox = sandbox
        self.slack = sandbox.slack
        self.driver = sandbox.driver
        self.console = console
        self.team = TEAM_ID
        #: While a call of another workspace is shown: that workspace (``space`` reads from it).
        self._viewing: str | None = None
        self.me: Person = PEOPLE[0]
        #: Who clicks in ``as NAME press …``: someone else pressing a button on ``me``'s message.
        self._clicker: Person | None = None
        self.channel: Channel = CHANNELS[0]
        self.render = Renderer(Names(user=self._user_name, channel=self._channel_name), emoji=emoji)
        self._calls_seen = 0
        self._seen: dict[str, dict[Ref, int]] = {
            p.user_id: {} for people, _ in TEAMS.values() for p in people
        }
        self._order = itertools.count(1)
        self._ephemerals: dict[str, dict[str, Any]] = {}
        self._removed: set[str] = set()
        self._triggers: dict[str, str] = {}
        self._trigger_numbers = itertools.count(1)
        self._forms: list[tuple[dict[str, Any], str]] = []
        self._opening_home: str | None = None
        self._home_shown = False
        self._ended = False
        self._commands: dict[str, Callable[[str], None]] = {
            "as": self.cmd_as,
            "press": self.cmd_press,
            "reply": self.cmd_reply,
            "say": self.cmd_say,
            "shortcut": self.cmd_shortcut,
            "wait": self.cmd_wait,
            "home": self.cmd_home,
            "status": self.cmd_status,
            "in": self.cmd_in,
            "users": self.cmd_users,
            "team": self.cmd_team,
            "group": self.cmd_group,
            "help": self.cmd_help,
        }

    # --- the loop ----------------------------------------------------------------------------------

    def run(self) -> int:
        """Read and run commands until ``quit`` or the end of the input."""
        self.show_new_calls()
        while not self._ended:
            line = self.console.ask(self.prompt(), command=True)
            if line is None:
                break
            try:
                self.execute(line)
            except FormClosed:
                continue
            except Exception as error:
                # A broken shell command must not end the session; the bot's own errors are logged by it.
                logger.exception("shell command failed: %s", line)
                self.say(f"  (The shell stumbled over that: {error!r}. The sandbox is still running.)")
        return 0

    # --- which workspace -----------------------------------------------------------------------------

    @property
    def people(self) -> tuple[Person, ...]:
        return people_of(self.team)

    @property
    def channels(self) -> tuple[Channel, ...]:
        return channels_of(self.team)

    @property
    def space(self) -> Any:
        """The fake workspace being looked at: the current one, or the one of the call being shown."""
        team = self._viewing or self.team
        return self.slack if team == TEAM_ID else self.slack.workspace(team)

    def prompt(self) -> str:
        where = "" if self.channel is self.channels[0] else f" in #{self.channel.name}"
        team = "" if self.team == TEAM_ID else f" ({self.team})"
        return f"{self.me.name}{team}{where}> "

    def execute(self, line: str) -> None:
        line = line.strip()
        if not line or line.startswith("#"):
            return
        if line.startswith("/"):
            self.slash_command(line)
            return
        word, _, rest = line.partition(" ")
        word = word.lower()
        if word in ("quit", "exit"):
            self._ended = True
            return
        handler = self._commands.get(word)
        if handler is None:
            self.unknown(word)
            return
        handler(rest.strip())

    def unknown(self, word: str) -> None:
        close = difflib.get_close_matches(word, COMMAND_NAMES, n=1, cutoff=0.6)
        if person_named(word, self.team):
            self.say(f"  To act as {word.lstrip('@')}, type: as {word.lstrip('@')}")
        elif word == "request":
            self.say("  Slash commands start with a slash: /request …  (/request help explains it)")
        elif close:
            self.say(f"  I don't know “{word}”. Did you mean “{close[0]}”? Type help for all commands.")
        else:
            self.say(
                f"  I don't know “{word}”. Type help for the commands — Slack commands start with a "
                "slash, e.g. /request @bob Send the Q3 numbers within 4h"
            )

    def say(self, text: str = "") -> None:
        self.console.say(text)

    # --- commands ----------------------------------------------------------------------------------

    def slash_command(self, line: str) -> None:
        name, _, text = line.partition(" ")
        reply = self.driver.command(
            self.me.user_id,
            slack_escape(text.strip(), self.team, self._groups()),
            command=name,
            channel_id=self.channel.channel_id,
            channel_name=self.channel.name,
            trigger_id=self._trigger(),
        )
        if reply.status == 404:
            self.say(
                f"  This app has no {name} command. Kundenfokus answers to /request (try /request help)."
            )
            return
        self._show_ack(reply, Ref("ephemeral", self.channel.channel_id, ""))
        self.after_action()

    def cmd_as(self, arg: str) -> None:
        if not arg:
            self.say(f"  You are {self.me.name}. Switch with: as NAME ({self._names()})")
            return
        arg, _, command = arg.partition(" ")
        person = person_named(arg, self.team)
        if person is None:
            self.say(f"  There is nobody called “{arg}” here. People: {self._names()}")
            return
        if command.strip():
            self._as_once(person, command.strip())
            return
        self.me = person
        now = self.sandbox.clock()
        self.say(
            f"  You are {person.name} now ({person.real_name}, {person.tz}, {person.locale}); "
            f"it's {local_time(now, person.tz)} there."
        )

    def _as_once(self, person: Person, command: str) -> None:
        """One command as ``person``. ``press`` finds the button on the current person's messages, so
        it plays someone else clicking there (a stranger, or the other party on a shared message)."""
        if command.split()[0].lower() == "press":
            self.say(f"  ({person.name} clicks on {self.me.name}'s message)")
            self._clicker = person
            try:
                self.execute(command)
            finally:
                self._clicker = None
            return
        previous, self.me = self.me, person
        try:
            self.execute(command)
        finally:
            self.me = previous

    def cmd_say(self, arg: str) -> None:
        if not arg.strip():
            self.say("  Say what? e.g. say Could someone send me the Q3 numbers?")
            return
        escaped = slack_escape(arg.strip(), self.team)
        message = self.space.add_message(self.channel.channel_id, self.me.user_id, escaped)
        self.say(f"  ({self.me.name} wrote in #{self.channel.name})")
        self.driver.event(
            {
                "type": "message",
                "user": self.me.user_id,
                "channel": self.channel.channel_id,
                "text": escaped,
                "ts": message["ts"],
                "channel_type": "channel",
            }
        )
        self.after_action()

    def cmd_shortcut(self, arg: str) -> None:
        """The message shortcut "Make this a request" on the latest message of @NAME here."""
        author = person_named(arg, self.team) if arg.strip() else self.me
        if author is None:
            self.say(f"  There is nobody called “{arg}” here. People: {self._names()}")
            return
        message = next(
            (
                m
                for m in reversed(self.space.messages_in(self.channel.channel_id))
                if m.get("user") == author.user_id and not m.get("bot_id")
            ),
            None,
        )
        if message is None:
            self.say(
                f"  {author.name} has written nothing in #{self.channel.name} yet (say TEXT writes as you)."
            )
            return
        self.say(f"  ({self.me.name} chose “Make this a request” on {author.name}'s message)")
        self.driver.message_shortcut(
            self.me.user_id,
            SHORTCUT_CALLBACK,
            channel_id=self.channel.channel_id,
            message=message,
            trigger_id=self._trigger(),
        )
        self.after_action()

    def cmd_in(self, arg: str) -> None:
        channel = channel_named(arg, self.team) if arg else None
        if channel is None:
            names = ", ".join("#" + c.name for c in self.channels)
            self.say(f"  Which channel? {names}")
            return
        self.channel = channel
        if self.me.user_id not in channel.members:
            self.say(f"  (Note: {self.me.name} is not a member of #{channel.name}.)")

    def cmd_users(self, arg: str) -> None:
        now = self.sandbox.clock()
        self.say("    name    time zone          locale  local time")
        for person in self.people:
            marker = "*" if person is self.me else " "
            self.say(
                f"  {marker} {person.name:<7} {person.tz:<18} {person.locale:<7} {local_time(now, person.tz)}"
            )
        for channel in self.channels:
            members = ", ".join(self._user_name(m) for m in channel.members)
            self.say(f"  #{channel.name}: {members}")

    def cmd_team(self, arg: str) -> None:
        teams = self.sandbox.teams
        if not arg:
            for team_id, name in teams.items():
                marker = "*" if team_id == self.team else " "
                names = ", ".join(p.name for p in people_of(team_id))
                self.say(f"  {marker} {team_id}  {name}: {names}")
            self.say("  Switch with: team T0002")
            return
        wanted = arg.strip().upper()
        team_id = next((t for t, name in teams.items() if wanted in (t, name.upper())), None)
        if team_id is None:
            self.say(f"  There is no workspace “{arg}”. Workspaces: {', '.join(teams)}")
            return
        self.team, self.driver = team_id, self.sandbox.drivers[team_id]
        self.me, self.channel = self.people[0], self.channels[0]
        self.say(
            f"  You are in {teams[team_id]} ({team_id}) now, as {self.me.name} — the same bot, installed "
            f"here too; nothing of the other workspace is visible here. People: {self._names()}"
        )

    def _groups(self) -> dict[str, str]:
        """This workspace's user groups, handle -> id."""
        workspace = self.slack.workspace(self.team)
        groups = workspace._usergroups.values() if workspace is not None else ()
        return {group.handle.lower(): group.id for group in groups if not group.disabled}

    def cmd_group(self, arg: str) -> None:
        """``group @it-support @bob @carol``: a Slack user group with these members (made or changed)."""
        words = arg.split()
        if not words or not words[0].startswith("@") or len(words[0]) < 2:
            groups = ", ".join(f"@{handle}" for handle in self._groups()) or "none yet"
            self.say(f"  Make a user group with: group @it-support @bob @carol   (groups: {groups})")
            return
        handle = words[0][1:].lower()
        members = []
        for word in words[1:]:
            person = person_named(word.lstrip("@"), self.team)
            if person is None:
                self.say(f"  There is nobody called “{word.lstrip('@')}” here. People: {self._names()}")
                return
            members.append(person.user_id)
        if not members:
            self.say("  Who is in it? e.g. group @it-support @bob @carol")
            return
        existing = self._groups().get(handle)
        workspace = self.slack.workspace(self.team)
        assert workspace is not None
        if existing:
            workspace.update_usergroup(existing, users=members)
        else:
            group_id = "S" + re.sub(r"[^A-Z0-9]", "", handle.upper())[:20]
            workspace.add_usergroup(group_id, handle, members, name=handle)
        names = ", ".join(self._user_name(member) for member in members)
        self.say(f"  @{handle} is a user group now: {names}. Ask it with /request @{handle} …")

    def cmd_help(self, arg: str) -> None:
        self.say("\n".join("  " + line for line in HELP.splitlines()))

    def cmd_wait(self, arg: str) -> None:
        now = self.sandbox.clock()
        try:
            end = self._wait_target(arg, now)
        except ValueError:
            self.say("  How long? e.g. wait 30m, wait 5h, wait 2d, wait 1d4h or wait until 2026-11-30 09:00")
            return
        if end <= now:
            self.say(
                "  Time only moves forward here; pick a moment after " + local_time(now, self.me.tz) + "."
            )
            return
        if end - now > MAX_WAIT:
            self.say("  That's a long time; please wait at most 90 days at once.")
            return
        for moment in tick_times(now, end):
            self.sandbox.tick(moment)
            self.show_new_calls(header=f"  -- {local_time(moment, self.me.tz)} --")
        self.say(f"  It is now {local_time(end, self.me.tz)} for {self.me.name} ({self.me.tz}).")

    def _wait_target(self, arg: str, now: datetime) -> datetime:
        if arg.lower().startswith("until "):
            moment = datetime.fromisoformat(arg[len("until ") :].strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(self.me.tz))
        return now + parse_duration(arg)

    def cmd_home(self, arg: str) -> None:
        user_id = self.me.user_id
        reply = self.driver.event(
            {
                "type": "app_home_opened",
                "user": user_id,
                "channel": self.space.dm_channel_for(user_id),
                "tab": "home",
            }
        )
        self._opening_home, self._home_shown = user_id, False
        try:
            self.after_action()
        finally:
            self._opening_home = None
        if self._home_shown:
            return
        view = self.space.home_view(user_id)
        if view is not None:
            self.print_message("App Home of " + self.me.name, self.render.blocks(view.get("blocks") or []))
            self._mark(user_id, Ref("home", user_id, ""))
        elif reply.status == 404:
            self.say("  The bot has no App Home yet (it does not answer app_home_opened).")
        else:
            self.say("  The bot published no App Home for " + self.me.name + ".")

    def cmd_status(self, arg: str) -> None:
        """Set someone's Slack status, as they would in Slack, and let the bot hear of it."""
        words = arg.strip()
        person = self.me
        mention = re.match(r"@(\S+)\s*", words)
        if mention:
            person = self._person_or_fail(mention.group(1))
            words = words[mention.end() :]
        expiration = 0
        until = _STATUS_UNTIL.search(words)
        if until:
            try:
                moment = datetime.fromisoformat(until.group(1).strip())
            except ValueError:
                self.say("  Until when? e.g. status @bob :palm_tree: Urlaub until 2026-12-28")
                return
            if moment.tzinfo is None:
                if len(until.group(1).strip()) <= 10:  # a day: Slack's "until" ends it at 23:59:59
                    moment = moment.replace(hour=23, minute=59, second=59)
                moment = moment.replace(tzinfo=ZoneInfo(person.tz))
            expiration = int(moment.timestamp())
            words = words[: until.start()]
        emoji = ""
        leading = re.match(r"(:[\w+\-']+:)\s*", words)
        if leading:
            emoji, words = leading.group(1), words[leading.end() :]
        text = words.strip()
        if text.lower() in ("clear", "none", "-"):
            text, emoji, expiration = "", "", 0
        if not text and not emoji and arg.strip().split()[-1:] != ["clear"]:
            self.say(
                "  Which status? e.g. status @bob :palm_tree: Urlaub until 2026-12-28 (or: status @bob clear)"
            )
            return
        self.space.set_status(person.user_id, text, emoji, expiration)
        shown = " ".join(part for part in (emoji, text) if part) or "(no status)"
        ends = (
            f" until {local_time(datetime.fromtimestamp(expiration, UTC), person.tz)}" if expiration else ""
        )
        self.say(f"  {person.name}'s Slack status: {shown}{ends}")
        self.driver.user_status_changed(person.user_id)
        self.after_action()

    def cmd_reply(self, arg: str) -> None:
        number, text = None, arg
        leading = re.match(r"#(\d+)\s+", arg)
        if leading:
            number, text = leading.group(1), arg[leading.end() :]
        if not text.strip():
            self.say("  Reply with what? e.g. reply On it, numbers by 3pm  (or: reply #2 On it)")
            return
        dm = self.space.dm_channel_for(self.me.user_id)
        messages = self.space.messages
        parent = self._card_of(int(number)) if number else None
        for ref in [] if parent else self._latest_first(self.me.user_id):
            blocks = self._blocks_of(ref, messages) if ref.kind == "message" and ref.channel == dm else None
            if blocks is None:
                continue
            shown = "\n".join(self.render.message(messages[(dm, ref.ts)]))
            if number is None or re.search(rf"#{number}\b", shown):
                parent = messages[(dm, ref.ts)]
                break
        if parent is None:
            about = f" about #{number}" if number else ""
            self.say(
                f"  The bot hasn't sent {self.me.name} a direct message{about} yet, so there's no thread to reply in."
            )
            return
        thread_ts = parent.get("thread_ts") or parent["ts"]
        escaped = slack_escape(text.strip(), self.team)
        message = self.space.add_message(dm, self.me.user_id, escaped, thread_ts=thread_ts)
        first_line = (self.render.message(parent) or [""])[0]
        self.say(f"  ({self.me.name} replied in the thread of “{first_line[:60]}”)")
        self.driver.event(
            {
                "type": "message",
                "user": self.me.user_id,
                "channel": dm,
                "text": escaped,
                "ts": message["ts"],
                "thread_ts": thread_ts,
                "channel_type": "im",
            }
        )
        self.after_action()

    def _card_of(self, number: int) -> dict[str, Any] | None:
        """The current person's card for request #N (the assignee's or the requester's DM), if any."""
        with self.sandbox.deps.sessions() as session:
            request = session.scalars(
                select(Request).where(Request.team_id == self.team, Request.number == number)
            ).one_or_none()
        if request is None:
            return None
        places = []
        if request.assignee_id == self.me.user_id:
            places.append((request.assignee_channel_id, request.assignee_message_ts))
        if request.requester_id == self.me.user_id:
            places.append((request.requester_channel_id, request.requester_message_ts))
        messages = self.space.messages
        return next((messages[place] for place in places if place in messages), None)

    def cmd_press(self, arg: str) -> None:
        if not arg:
            self.say("  Press what? e.g. press Got it")
            return
        number = None
        found_number = _REQUEST_NUMBER.search(" " + arg)
        if found_number:
            number = found_number.group(1)
            arg = arg[: len(arg) - len(found_number.group(0)) + 1].strip()
        label = arg.strip().strip("\"'“”")
        target = self._find_button(label, number)
        if target is None:
            self._no_such_button(label, number)
            return
        ref, block, element = target
        if element.get("url"):
            self.say(f"  (that button also opens {element['url']} in the browser)")
        if element.get("confirm") and not self._confirmed(element["confirm"]):
            return
        action_id, value = element.get("action_id", ""), element.get("value", "")
        block_id = block.get("block_id") or "b"
        clicker = (self._clicker or self.me).user_id
        if ref.kind in ("home", "view"):
            view = (
                self.space.home_view(ref.channel) if ref.kind == "home" else self.space.views.get(ref.channel)
            ) or {}
            reply = self.driver.block_action(
                clicker, action_id, value, view=view, block_id=block_id, trigger_id=self._trigger(clicker)
            )
        else:
            reply = self.driver.block_action(
                clicker,
                action_id,
                value,
                channel_id=ref.channel,
                message_ts=ref.ts,
                block_id=block_id,
                trigger_id=self._trigger(clicker),
            )
        if reply.status == 404:
            self.say(f"  Nothing happens: the bot does not handle the button {action_id} (yet).")
        self.after_action()

    # --- finding buttons ---------------------------------------------------------------------------

    def _latest_first(self, user_id: str) -> list[Ref]:
        seen = self._seen.get(user_id, {})
        return sorted(seen, key=lambda ref: seen[ref], reverse=True)

    def _blocks_of(
        self, ref: Ref, messages: dict[tuple[str, str], dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        if ref.kind == "message":
            message = messages.get((ref.channel, ref.ts))
            return None if message is None else message.get("blocks") or []
        if ref.kind == "ephemeral":
            entry = self._ephemerals.get(ref.ts)
            return None if entry is None else entry["content"].get("blocks") or []
        if ref.kind == "view":
            modal = self.space.views.get(ref.channel)
            return None if modal is None else modal.get("blocks") or []
        view = self.space.home_view(ref.channel)
        return None if view is None else view.get("blocks") or []

    def _find_button(
        self, label: str, number: str | None
    ) -> tuple[Ref, dict[str, Any], dict[str, Any]] | None:
        messages = self.space.messages
        for ref in self._latest_first(self.me.user_id):
            blocks = self._blocks_of(ref, messages)
            if not blocks:
                continue
            if number and not re.search(rf"#{number}\b", "\n".join(self.render.blocks(blocks))):
                continue
            candidates = self._buttons_about(blocks, number) if number else button_elements(blocks)
            scored = [(button_matches(e, label), b, e) for b, e in candidates]
            best = max(scored, key=lambda item: item[0], default=(0, None, None))
            if best[0] > 0:
                return ref, best[1], best[2]  # type: ignore[return-value]
        return None

    def _buttons_about(
        self, blocks: list[dict[str, Any]], number: str
    ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The buttons of request #N in a message that may list several: those whose value carries its
        id (the stable interface: a request button's value is its id), else the rows of buttons right
        under the text that names #N."""
        buttons = button_elements(blocks)
        request_id = self._request_id(int(number))
        if request_id is not None:
            by_value = [(b, e) for b, e in buttons if str(e.get("value", "")) == str(request_id)]
            if by_value:
                return by_value
        about: list[tuple[dict[str, Any], dict[str, Any]]] = []
        above: list[str] = []
        mentions = re.compile(rf"#{number}\b")
        for block in blocks:
            own = "\n".join(self.render.blocks([block]))
            if block.get("type") == "actions":
                if mentions.search("\n".join(above)):
                    about += [(block, e) for e in block.get("elements") or [] if e.get("type") == "button"]
                above = []
                continue
            above.append(own)
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button" and mentions.search(own):
                about.append((block, accessory))
        if about:
            return about
        shown = "\n".join(self.render.blocks(blocks))
        others = {found for found in re.findall(r"#(\d+)\b", shown) if found != number}
        return [] if others else buttons  # a message about #N alone: any of its buttons

    def _request_id(self, number: int) -> int | None:
        with self.sandbox.deps.sessions() as session:
            return session.scalar(
                select(Request.id).where(Request.team_id == self.team, Request.number == number)
            )

    def _no_such_button(self, label: str, number: str | None) -> None:
        about = f" on a message about #{number}" if number else ""
        messages = self.space.messages
        for ref in self._latest_first(self.me.user_id):
            blocks = self._blocks_of(ref, messages)
            buttons = button_elements(blocks or [])
            if buttons:
                shown = self.render.buttons(e for _, e in buttons)
                self.say(
                    f"  {self.me.name} has no [{label}] button{about}. "
                    f"On {self.me.name}'s latest message with buttons: {shown}"
                )
                return
        self.say(f"  {self.me.name} has no message with buttons yet. (as NAME switches person.)")

    def _confirmed(self, confirm: dict[str, Any]) -> bool:
        title = self.render.text_object(confirm.get("title"))
        text = self.render.text_object(confirm.get("text"))
        yes = self.render.text_object(confirm.get("confirm")) or "Yes"
        no = self.render.text_object(confirm.get("deny")) or "No"
        answer = self.console.ask(f"  ? {title}: {text} [{yes}/{no}] ")
        if answer is None:
            self._ended = True
            return False
        return answer.strip().lower() in ("y", "yes", "ja", "j", yes.lower())

    # --- what the bot did --------------------------------------------------------------------------

    def after_action(self) -> None:
        """Wait for the bot to finish reacting, print what it did, then fill any form it opened."""
        self.sandbox.settle()
        self.show_new_calls()
        while self._forms and not self._ended:
            view, user_id = self._forms.pop(0)
            self.fill_form(view, user_id)

    def show_new_calls(self, header: str | None = None) -> None:
        calls = self.slack.calls
        fresh, self._calls_seen = calls[self._calls_seen :], len(calls)
        printed_header = False
        for call in fresh:
            other = call.team_id if call.team_id in self.sandbox.teams and call.team_id != self.team else None
            self._viewing = other
            try:
                shown = self._show_call(call)
            finally:
                self._viewing = None
            if shown is None:
                continue
            if other:
                shown = (f"[{other}] {shown[0]}", shown[1])
            if header and not printed_header:
                self.say(header)
                printed_header = True
            title, lines = shown
            self.print_message(title, lines)

    def print_message(self, title: str, lines: list[str]) -> None:
        self.say(f"  » {title}")
        for line in lines:
            self.say(f"  │ {line}".rstrip())

    def _show_call(self, call: Call) -> tuple[str, list[str]] | None:
        method, args, response = call.method, call.args, call.response or {}
        if method in _QUIET_METHODS:
            return None
        if not call.ok:
            error = response.get("error", f"HTTP {call.status}")
            self.say(f"  (Slack refused {method}: {error})")
            return None
        if method == "chat.postMessage":
            ref = Ref("message", response["channel"], response["ts"])
            self._mark_audience(ref)
            thread = " (in a thread)" if args.get("thread_ts") else ""
            return self._where(ref.channel) + thread, self.render.message(args)
        if method == "chat.update":
            ref = Ref("message", response["channel"], response["ts"])
            self._mark_audience(ref)
            return "(updated) " + self._where(ref.channel), self.render.message(args)
        if method == "chat.postEphemeral":
            user_id, channel = str(args.get("user")), response.get("channel") or str(args.get("channel"))
            self._remember_ephemeral(response["message_ts"], channel, user_id, args)
            return self._ephemeral_title(user_id, channel), self.render.message(args)
        if method == "chat.delete":
            return "(deleted) a message in " + self._where(str(args.get("channel"))), []
        if method == "response_url":
            return self._show_response(args)
        if method in ("views.open", "views.push"):
            view = response.get("view") or args.get("view") or {}
            self._forms.append((view, self._triggers.get(str(args.get("trigger_id")), self.me.user_id)))
            return None
        if method == "views.update":
            view = args.get("view") or {}
            if view.get("type") != "home" and not any(
                b.get("type") == "input" for b in view.get("blocks") or []
            ):
                # A modal to look at (the list's pages): shown, and its buttons can be pressed.
                self._mark((self._clicker or self.me).user_id, Ref("view", response["view"]["id"], ""))
                title = self.render.text_object(view.get("title")) or "Form"
                return f"(updated) {title}", self.render.blocks(view.get("blocks") or [])
            return ("(App Home updated)" if view.get("type") == "home" else "(form updated)"), []
        if method == "views.publish":
            user_id = str(args.get("user_id"))
            self._mark(user_id, Ref("home", user_id, ""))
            if self._opening_home == user_id:
                self._home_shown = True
                return "App Home of " + self._user_name(user_id), self.render.blocks(
                    (args.get("view") or {}).get("blocks") or []
                )
            return f"(App Home of {self._user_name(user_id)} refreshed — “home” as them shows it)", []
        return f"({method})", []

    def _show_response(self, args: dict[str, Any]) -> tuple[str, list[str]] | None:
        """A reply through a response_url: Slack shows it to whoever acted, or changes their message."""
        key = str(args.get("key"))
        target = self.slack.response_targets.get(key)
        channel = (target.channel if target else None) or self.channel.channel_id
        user_id = (target.user if target else None) or self.me.user_id
        message_ts = target.message_ts if target else None
        content = {k: args[k] for k in ("text", "blocks", "attachments") if k in args}
        replaces = _truthy(args.get("replace_original"))
        deletes = _truthy(args.get("delete_original"))
        if (replaces or deletes) and message_ts:
            if message_ts in self._ephemerals:
                if deletes:
                    del self._ephemerals[message_ts]
                    self._removed.add(message_ts)
                    return "(removed) " + self._ephemeral_title(user_id, channel), []
                self._ephemerals[message_ts]["content"] = content
                self._mark(user_id, Ref("ephemeral", channel, message_ts))
                return "(updated) " + self._ephemeral_title(user_id, channel), self.render.message(content)
            if deletes:
                return "(deleted) a message in " + self._where(channel), []
            self._mark_audience(Ref("message", channel, message_ts))
            return "(updated) " + self._where(channel), self.render.message(content)
        if args.get("response_type") == "in_channel":
            for message in reversed(self.space.messages_in(channel)):
                if message.get("blocks") == content.get("blocks") and message.get("text") == content.get(
                    "text"
                ):
                    self._mark_audience(Ref("message", channel, message["ts"]))
                    break
            return self._where(channel), self.render.message(content)
        entry = next(
            (
                e
                for e in self.space.ephemerals
                if e.get("via") == key and e["ts"] not in self._ephemerals and e["ts"] not in self._removed
            ),
            None,
        )
        ts = entry["ts"] if entry else f"local.{next(self._order)}"
        self._remember_ephemeral(ts, channel, user_id, content)
        return self._ephemeral_title(user_id, channel), self.render.message(content)

    def _show_ack(self, reply: Reply, where: Ref) -> None:
        """Slack shows a message in the HTTP answer to a slash command to the person who typed it."""
        if reply.status != 200:
            self.say(f"  (The bot answered HTTP {reply.status}: {reply.body[:200]})")
            return
        try:
            body = reply.json()
        except ValueError:
            body = {"text": reply.body}
        if not isinstance(body, dict) or not (body.get("text") or body.get("blocks")):
            return
        if body.get("response_type") == "in_channel":
            self.print_message(self._where(where.channel), self.render.message(body))
            return
        ts = f"ack.{next(self._order)}"
        self._remember_ephemeral(ts, where.channel, self.me.user_id, body)
        self.print_message(self._ephemeral_title(self.me.user_id, where.channel), self.render.message(body))

    def _remember_ephemeral(self, ts: str, channel: str, user_id: str, content: dict[str, Any]) -> None:
        self._ephemerals[ts] = {"channel": channel, "user": user_id, "content": content}
        self._mark(user_id, Ref("ephemeral", channel, ts))

    def _mark(self, user_id: str, ref: Ref) -> None:
        self._seen.setdefault(user_id, {})[ref] = next(self._order)

    def _mark_audience(self, ref: Ref) -> None:
        channel = self.space.channel(ref.channel)
        if channel is None:
            return
        audience = [channel.user] if channel.is_im and channel.user else channel.members
        for user_id in audience:
            if user_id and user_id != self.space.bot_user_id:
                self._mark(user_id, ref)

    # --- forms -------------------------------------------------------------------------------------

    def fill_form(self, view: dict[str, Any], user_id: str) -> None:
        """Show a modal, ask for each input, submit; show the bot's validation errors and ask again."""
        name = self._user_name(user_id)
        title = self.render.text_object(view.get("title")) or "Form"
        blocks = view.get("blocks") or []
        lines = self.render.blocks(b for b in blocks if b.get("type") != "input")
        inputs = [b for b in blocks if b.get("type") == "input" and b.get("element")]
        self.print_message(f"form for {name}: {title}", lines)
        if not inputs:
            if button_elements(blocks) and view.get("id"):
                self._mark(user_id, Ref("view", view["id"], ""))
                self.say("  (Nothing to fill in; press its buttons, e.g. press Show #2.)")
            else:
                self.say("  (This form has nothing to fill in.)")
            return
        values: dict[str, dict[str, Any]] = {}
        pending, errors = inputs, {}
        try:
            while True:
                for block in pending:
                    values[block["block_id"]] = {
                        block["element"]["action_id"]: self._ask_field(block, errors.get(block["block_id"]))
                    }
                reply = self.driver.view_submission(
                    user_id,
                    view.get("callback_id", ""),
                    values,
                    private_metadata=view.get("private_metadata", ""),
                    view_id=view.get("id", "V1"),
                )
                try:
                    answer = reply.json() if reply.status == 200 else None
                except ValueError:
                    answer = None
                if reply.status != 200:
                    self.say(f"  (The bot answered HTTP {reply.status}: {reply.body[:200]})")
                action = answer.get("response_action") if isinstance(answer, dict) else None
                if action == "errors":
                    self.sandbox.settle()
                    self.show_new_calls()
                    errors = answer.get("errors") or {}
                    pending = [b for b in inputs if b["block_id"] in errors] or inputs
                    continue
                self.say(f"  ({name} submitted “{title}”)")
                self.after_action()
                if action in ("update", "push") and isinstance(answer.get("view"), dict):
                    next_view = {"id": view.get("id", "V1"), **answer["view"]}
                    self.fill_form(next_view, user_id)
                return
        except FormClosed:
            if view.get("notify_on_close"):
                self.driver.view_closed(
                    user_id, view.get("callback_id", ""), private_metadata=view.get("private_metadata", "")
                )
            self.say(f"  ({name} closed “{title}”)")
            self.after_action()

    def _ask_field(self, block: dict[str, Any], error: str | None) -> dict[str, Any]:
        element = block["element"]
        kind = element.get("type", "")
        label = self.render.text_object(block.get("label"))
        optional = bool(block.get("optional"))
        if error:
            self.say(f"  ! {label}: {self.render.mrkdwn(error)}")
        options = _options(element)
        how = _how_to_answer(kind)
        if options:
            self.say(
                "    "
                + "  ".join(
                    f"{i}) {self.render.text_object(o.get('text'))}" for i, o in enumerate(options, 1)
                )
            )
            how = "number or name"
        if block.get("hint"):
            self.say(f"    ({self.render.text_object(block['hint'])})")
        initial = _initial_state(element)
        default = _describe_initial(element, self.render) if initial else ""
        extras = [
            x
            for x in (
                how,
                "optional" if optional and not initial else "",
                f"Enter: {default}" if default else "",
            )
            if x
        ]
        prompt = f"  ? {label}" + (f" ({', '.join(extras)})" if extras else "") + ": "
        while True:
            answer = self.console.ask(prompt)
            if answer is None:
                self._ended = True
                raise FormClosed
            answer = answer.strip()
            if answer == "/cancel":
                raise FormClosed
            if not answer:
                if initial is not None:
                    return initial
                if optional:
                    return _empty_state(kind)
                self.say("    This one is needed (or /cancel to close the form).")
                continue
            try:
                return self._state_from_answer(kind, element, options, answer)
            except ValueError as problem:
                self.say(f"    {problem}")

    def _state_from_answer(
        self, kind: str, element: dict[str, Any], options: list[dict[str, Any]], answer: str
    ) -> dict[str, Any]:
        state: dict[str, Any] = {"type": kind}
        if kind in ("users_select", "multi_users_select"):
            people = [self._person_or_fail(name) for name in re.split(r"[,\s]+", answer) if name]
            if kind == "users_select":
                if len(people) != 1:
                    raise ValueError("Please name one person, e.g. @bob.")
                state["selected_user"] = people[0].user_id
            else:
                state["selected_users"] = [p.user_id for p in people]
        elif kind in ("conversations_select", "channels_select"):
            key = "selected_conversation" if kind == "conversations_select" else "selected_channel"
            state[key] = self._conversation_or_fail(answer, allow_people=kind == "conversations_select")
        elif kind in ("static_select", "radio_buttons", "external_select"):
            state["selected_option"] = _pick_option(options, answer, self.render)
        elif kind in ("multi_static_select", "checkboxes"):
            state["selected_options"] = [
                _pick_option(options, part, self.render) for part in answer.split(",") if part.strip()
            ]
        elif kind == "datepicker":
            state["selected_date"] = self._date_or_fail(answer).isoformat()
        elif kind == "timepicker":
            state["selected_time"] = _time_or_fail(answer).strftime("%H:%M")
        elif kind == "datetimepicker":
            try:
                moment = datetime.fromisoformat(answer)
            except ValueError:
                raise ValueError("Please write a date and time like 2026-12-04 14:00.") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(self.me.tz))
            state["selected_date_time"] = int(moment.timestamp())
        else:
            text = answer.replace("\\n", "\n")
            limit = element.get("max_length")
            if limit and len(text) > int(limit):
                raise ValueError(f"Slack allows at most {limit} characters here.")
            if element.get("min_length") and len(text) < int(element["min_length"]):
                raise ValueError(f"Please write at least {element['min_length']} characters.")
            state["value"] = text
        return state

    def _person_or_fail(self, name: str) -> Person:
        person = person_named(name, self.team) or person_with_id(name)
        if person is None:
            raise ValueError(f"There is nobody called “{name}” here. People: {self._names()}")
        return person

    def _conversation_or_fail(self, answer: str, *, allow_people: bool) -> str:
        channel = channel_named(answer, self.team)
        if channel is not None:
            return channel.channel_id
        person = person_named(answer, self.team) if allow_people else None
        if person is not None:
            return self.space.dm_channel_for(person.user_id)
        raise ValueError("Please name a channel: " + ", ".join("#" + c.name for c in self.channels))

    def _date_or_fail(self, answer: str) -> date:
        today = self.sandbox.clock().astimezone(ZoneInfo(self.me.tz)).date()
        words = {
            "today": today,
            "heute": today,
            "tomorrow": today + timedelta(days=1),
            "morgen": today + timedelta(days=1),
        }
        if answer.lower() in words:
            return words[answer.lower()]
        try:
            return date.fromisoformat(answer)
        except ValueError:
            raise ValueError("Please write a date like 2026-12-04 (or today, tomorrow).") from None

    # --- names -------------------------------------------------------------------------------------

    def _trigger(self, user_id: str | None = None) -> str:
        """A fresh trigger id; a form it opens is ``user_id``'s (default: the current person's)."""
        number = next(self._trigger_numbers)
        # Unique like Slack's (a kept --db remembers which triggers it has seen).
        trigger_id = f"{int(self.sandbox.clock().timestamp())}.{number}.shell{secrets.token_hex(6)}"
        self._triggers[trigger_id] = user_id or self.me.user_id
        return trigger_id

    def _user_name(self, user_id: str) -> str:
        person = person_with_id(user_id)
        if person is not None:
            return person.name
        group = self.space.usergroup(user_id) if user_id.startswith("S") else None
        if group is not None:
            return group.handle
        user = self.space.user(user_id)
        return user.name if user else user_id

    def _channel_name(self, channel_id: str) -> str:
        channel = self.space.channel(channel_id)
        return channel.name if channel else channel_id

    def _where(self, channel_id: str) -> str:
        channel = self.space.channel(channel_id)
        if channel is not None and channel.is_im:
            return "DM to " + self._user_name(channel.user or "")
        return "#" + self._channel_name(channel_id)

    def _ephemeral_title(self, user_id: str, channel_id: str) -> str:
        channel = self.space.channel(channel_id)
        if channel is not None and channel.is_im:
            return f"only {self._user_name(user_id)} sees (in their DM with the bot)"
        return f"ephemeral to {self._user_name(user_id)} in #{self._channel_name(channel_id)}"

    def _names(self) -> str:
        return ", ".join(p.name for p in self.people)


# --- form helpers ---------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _how_to_answer(kind: str) -> str:
    return {
        "users_select": "a person, e.g. @bob",
        "multi_users_select": "people, e.g. @bob, @carol",
        "conversations_select": "#channel or @person",
        "channels_select": "#channel",
        "datepicker": "YYYY-MM-DD",
        "timepicker": "HH:MM",
        "datetimepicker": "YYYY-MM-DD HH:MM",
        "number_input": "a number",
    }.get(kind, "")


def _pick_option(options: list[dict[str, Any]], answer: str, render: Renderer) -> dict[str, Any]:
    answer = answer.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    for option in options:
        if answer.lower() in (
            render.text_object(option.get("text")).lower(),
            str(option.get("value", "")).lower(),
        ):
            return option
    choices = ", ".join(f"{i}) {render.text_object(o.get('text'))}" for i, o in enumerate(options, 1))
    raise ValueError(f"Please pick one of: {choices}")


def _time_or_fail(answer: str) -> time:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", answer.strip())
    if match and int(match.group(1)) < 24 and int(match.group(2) or 0) < 60:
        return time(int(match.group(1)), int(match.group(2) or 0))
    raise ValueError("Please write a time like 14:00.")


_INITIAL_FIELDS = {
    "initial_value": "value",
    "initial_user": "selected_user",
    "initial_users": "selected_users",
    "initial_option": "selected_option",
    "initial_options": "selected_options",
    "initial_date": "selected_date",
    "initial_time": "selected_time",
    "initial_date_time": "selected_date_time",
    "initial_conversation": "selected_conversation",
    "initial_channel": "selected_channel",
}


def _initial_state(element: dict[str, Any]) -> dict[str, Any] | None:
    for initial, field in _INITIAL_FIELDS.items():
        if element.get(initial) not in (None, "", []):
            return {"type": element.get("type", ""), field: element[initial]}
    return None


def _describe_initial(element: dict[str, Any], render: Renderer) -> str:
    if element.get("initial_option"):
        return render.text_object(element["initial_option"].get("text"))
    if element.get("initial_user"):
        return "@" + render.names.user(element["initial_user"])
    for initial in _INITIAL_FIELDS:
        value = element.get(initial)
        if value not in (None, "", []):
            text = str(value)
            return text if len(text) <= 40 else text[:39] + "…"
    return ""


def _empty_state(kind: str) -> dict[str, Any]:
    field = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "static_select": "selected_option",
        "external_select": "selected_option",
        "radio_buttons": "selected_option",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }.get(kind, "value")
    if kind in ("multi_users_select", "multi_static_select", "checkboxes"):
        return {"type": kind, "selected_users" if kind == "multi_users_select" else "selected_options": []}
    return {"type": kind, field: None}
