"""The simulated workspace of ``kundenfokus shell``: a few colleagues in different time zones, one German
speaker, and two channels — enough to see business hours, languages and channel posts at work."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sandbox.fake_slack import FakeSlack

TEAM_ID = "T0001"


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


def populate(fake: FakeSlack) -> None:
    """Put the people and channels into a fake Slack (the bot is a member of every channel)."""
    for person in PEOPLE:
        fake.add_user(
            person.user_id, person.name, real_name=person.real_name, tz=person.tz, locale=person.locale
        )
    for channel in CHANNELS:
        if fake.channel(channel.channel_id) is None:
            fake.add_channel(channel.channel_id, channel.name, members=[fake.bot_user_id, *channel.members])


def person_named(name: str) -> Person | None:
    """``bob``, ``@bob`` or ``Bob`` → bob."""
    wanted = name.strip().lstrip("@").lower()
    return next((p for p in PEOPLE if p.name == wanted), None)


def person_with_id(user_id: str) -> Person | None:
    return next((p for p in PEOPLE if p.user_id == user_id), None)


def channel_named(name: str) -> Channel | None:
    """``team`` or ``#team`` → #team."""
    wanted = name.strip().lstrip("#").lower()
    return next((c for c in CHANNELS if c.name == wanted), None)
