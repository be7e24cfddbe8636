"""The simulated workspaces of ``kundenfokus shell``: a few colleagues in different time zones, one German
speaker, and two channels — enough to see business hours, languages and channel posts at work — and a
second, smaller workspace (``team T0002`` in the shell) that shares the bot but nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.fake_slack import FakeSlack

TEAM_ID = "T0001"
#: The second workspace: the same bot, installed there too (by OAuth), with people of its own.
SECOND_TEAM_ID = "T0002"
TEAM_NAMES = {TEAM_ID: "Kundenfokus Sandbox", SECOND_TEAM_ID: "Zweite Firma"}


@dataclass(frozen=True)
class Person:
    """A colleague as users.info describes them; ``name`` is what you type (``as bob``, ``@bob``)."""

    name: str
    user_id: str
    real_name: str
    tz: str
    locale: str


@dataclass(frozen=True)
class Channel:
    name: str
    channel_id: str
    members: tuple[str, ...]


PEOPLE: tuple[Person, ...] = (
    Person("alice", "UALICE", "Alice Adams", "Europe/Berlin", "en-US"),
    Person("bob", "UBOB", "Bob Brown", "Europe/Berlin", "en-GB"),
    Person("carol", "UCAROL", "Carol Chen", "America/New_York", "en-US"),
    Person("dieter", "UDIETER", "Dieter Dorn", "Europe/Berlin", "de-DE"),
    Person("erin", "UERIN", "Erin Endo", "Asia/Tokyo", "en-US"),
)

#: #general holds everyone (as in Slack); #team is a smaller channel for digests and channel posts.
CHANNELS: tuple[Channel, ...] = (
    Channel("general", "C0001", tuple(p.user_id for p in PEOPLE)),
    Channel("team", "C0002", ("UALICE", "UBOB", "UDIETER")),
)


SECOND_PEOPLE: tuple[Person, ...] = (
    Person("fritz", "UFRITZ", "Fritz Fink", "Europe/Vienna", "de-AT"),
    Person("grace", "UGRACE", "Grace Green", "Europe/London", "en-GB"),
)
#: #general of the second workspace (the fake names it C<digits>GEN), everyone a member.
SECOND_CHANNELS: tuple[Channel, ...] = (
    Channel("general", "C0002GEN", tuple(p.user_id for p in SECOND_PEOPLE)),
)
TEAMS: dict[str, tuple[tuple[Person, ...], tuple[Channel, ...]]] = {
    TEAM_ID: (PEOPLE, CHANNELS),
    SECOND_TEAM_ID: (SECOND_PEOPLE, SECOND_CHANNELS),
}


def people_of(team_id: str = TEAM_ID) -> tuple[Person, ...]:
    return TEAMS[team_id][0]


def channels_of(team_id: str = TEAM_ID) -> tuple[Channel, ...]:
    return TEAMS[team_id][1]


def populate_second(fake: FakeSlack) -> None:
    """The second workspace and its people (the app is not installed there yet)."""
    workspace = fake.add_workspace(SECOND_TEAM_ID, name=TEAM_NAMES[SECOND_TEAM_ID], domain="zweite-firma")
    for person in SECOND_PEOPLE:
        workspace.add_user(
            person.user_id, person.name, real_name=person.real_name, tz=person.tz, locale=person.locale
        )


def populate(fake: FakeSlack) -> None:
    """Put the people and channels into a fake Slack (the bot is a member of every channel)."""
    for person in PEOPLE:
        fake.add_user(
            person.user_id, person.name, real_name=person.real_name, tz=person.tz, locale=person.locale
        )
    for channel in CHANNELS:
        if fake.channel(channel.channel_id) is None:
            fake.add_channel(channel.channel_id, channel.name, members=[fake.bot_user_id, *channel.members])


def person_named(name: str, team_id: str = TEAM_ID) -> Person | None:
    """``bob``, ``@bob`` or ``Bob`` → bob (in the workspace ``team_id``)."""
    wanted = name.strip().lstrip("@").lower()
    return next((p for p in people_of(team_id) if p.name == wanted), None)


def person_with_id(user_id: str) -> Person | None:
    return next((p for people, _ in TEAMS.values() for p in people if p.user_id == user_id), None)


def channel_named(name: str, team_id: str = TEAM_ID) -> Channel | None:
    """``team`` or ``#team`` → #team (in the workspace ``team_id``)."""
    wanted = name.strip().lstrip("#").lower()
    return next((c for c in channels_of(team_id) if c.name == wanted), None)
