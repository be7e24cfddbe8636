"""A person as Slack describes them: the little the bot needs to know to write to them kindly."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonInfo:
    user_id: str
    name: str
    tz: str | None
    locale: str | None
    language_override: str | None
    is_bot: bool
    deleted: bool
    #: The bot's DM with this person, once known (chat.postMessage to the user id answers with it).
    dm_channel_id: str | None = None

    @property
    def usable(self) -> bool:
        return not (self.is_bot or self.deleted)
