"""What listeners share: one request-scoped ``Interaction`` per click, form, command or event, and the
two-step shape every listener has — validate and ``ack()`` on Slack's request thread, then the work on the
work queue (``bot.work``), answered whatever happens.

A listener reads::

    interaction = Interaction.from_action(deps, body, action)   # BadPayload -> the error handler answers
    ack()
    later(deps, interaction, work)                              # on the work queue; failures answered
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from bot import payloads
from bot.blocks.errors import error_text
from bot.blocks.kit import Reader
from bot.deps import Deps
from bot.keepalive import KeptAliveWebhookClient
from bot.outbox import news
from bot.outbox.news import Origin
from bot.services.requests import Outcome, ServiceError
from bot.work import NORMAL, NOW
from models.db import transaction

logger = logging.getLogger(__name__)

__all__ = ["NORMAL", "NOW", "Interaction", "later", "on_action", "run"]


@dataclass
class Interaction:
    """Who did what, where and when — validated, with the request it is about (if any)."""

    deps: Deps
    team_id: str
    user_id: str
    now: datetime
    response_url: str | None = None
    trigger_id: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    request_id: int | None = None
    block_id: str = ""
    command: str = "/request"
    _reader: Reader | None = field(default=None, repr=False)

    # --- reading payloads --------------------------------------------------------------------------

    @classmethod
    def from_action(
        cls, deps: Deps, body: dict[str, Any], action: dict[str, Any], *, request: bool = True
    ) -> Interaction:
        """A button click; its value carries the request's id (unless ``request`` is False: then the
        listener reads the value itself)."""
        if not isinstance(action, dict):
            raise payloads.BadPayload("action")
        container = body.get("container") if isinstance(body.get("container"), dict) else {}
        channel_field = body.get("channel")
        channel = container.get("channel_id") or (
            channel_field.get("id") if isinstance(channel_field, dict) else None
        )
        block_id = action.get("block_id") or ""
        return cls(
            deps=deps,
            team_id=payloads.team_of(body),
            user_id=payloads.user_of(body),
            now=deps.now(),
            response_url=payloads.response_url(body.get("response_url")),
            trigger_id=payloads.trigger_id(body.get("trigger_id")),
            channel_id=payloads.channel_id(channel),
            message_ts=payloads.message_ts(container.get("message_ts")),
            request_id=payloads.request_id(action.get("value")) if request else None,
            block_id=block_id if isinstance(block_id, str) else "",
        )

    @classmethod
    def from_command(cls, deps: Deps, body: dict[str, Any]) -> Interaction:
        command = body.get("command")
        return cls(
            deps=deps,
            team_id=payloads.team_id(body.get("team_id")),
            user_id=payloads.user_id(body.get("user_id")),
            now=deps.now(),
            response_url=payloads.response_url(body.get("response_url")),
            trigger_id=payloads.trigger_id(body.get("trigger_id")),
            channel_id=payloads.channel_id(body.get("channel_id")),
            command=command if isinstance(command, str) and command.startswith("/") else "/request",
        )

    @classmethod
    def from_view(
        cls, deps: Deps, body: dict[str, Any], view: dict[str, Any], *, request: bool
    ) -> Interaction:
        """A submitted form; with ``request`` its metadata must name the request it is about."""
        meta = payloads.metadata(view)
        return cls(
            deps=deps,
            team_id=payloads.team_of(body),
            user_id=payloads.user_of(body),
            now=deps.now(),
            channel_id=payloads.channel_id(meta.get("channel")),
            message_ts=payloads.message_ts(meta.get("ts")),
            request_id=payloads.request_id(meta.get("request_id"), "private_metadata") if request else None,
        )

    @classmethod
    def from_shortcut(cls, deps: Deps, body: dict[str, Any]) -> Interaction:
        channel = body.get("channel") if isinstance(body.get("channel"), dict) else {}
        return cls(
            deps=deps,
            team_id=payloads.team_of(body),
            user_id=payloads.user_of(body),
            now=deps.now(),
            response_url=payloads.response_url(body.get("response_url")),
            trigger_id=payloads.trigger_id(body.get("trigger_id")),
            channel_id=payloads.channel_id(channel.get("id")),
        )

    # --- what the work needs ----------------------------------------------------------------------

    @property
    def origin(self) -> Origin:
        return Origin(response_url=self.response_url, channel_id=self.channel_id, message_ts=self.message_ts)

    def reader(self) -> Reader:
        """The person's language and time zone (looked up once per interaction)."""
        if self._reader is None:
            self._reader = self.deps.people.reader(self.team_id, self.user_id)
        return self._reader

    def change(self, service: Callable[..., Outcome], **extra: Any) -> Outcome | None:
        """Run a request service and write what it causes to be said, in one transaction; a refusal
        (ServiceError) is answered to the person and returns None."""
        try:
            with transaction(self.deps.sessions) as session:
                outcome = service(
                    session,
                    team_id=self.team_id,
                    request_id=self.request_id,
                    actor_id=self.user_id,
                    now=self.now,
                    **extra,
                )
                news.announce(session, outcome, now=self.now, origin=self.origin)
        except ServiceError as error:
            self.refuse(error)
            return None
        except StaleDataError:
            # Another change to the same request got in first (the conditional update matched nothing).
            self.refuse(ServiceError("changed_meanwhile"))
            return None
        return outcome

    def open_view(self, view: dict[str, Any]) -> None:
        """Open a modal (within Slack's 3-second trigger window: this runs first on the work queue)."""
        self.deps.client_for(self.team_id).views_open(trigger_id=self.trigger_id, view=view)

    # --- answering the person directly (refusals and failures change nothing, so no outbox) -------

    def reply(
        self,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        *,
        public: bool = False,
        replace: bool = False,
    ) -> None:
        """An answer where the person asked (ephemeral unless ``public``; instead of the message clicked
        with ``replace``), or a DM. Never raises."""
        try:
            if self.response_url:
                body: dict[str, Any] = {
                    "response_type": "in_channel" if public else "ephemeral",
                    "replace_original": replace,
                    "text": text,
                }
                if blocks:
                    body["blocks"] = blocks
                KeptAliveWebhookClient(self.response_url, timeout=5).send_dict(body)
            else:
                self.deps.client_for(self.team_id).chat_postMessage(
                    channel=self.user_id, text=text, blocks=blocks or None
                )
        except Exception as error:  # the answer itself could not be delivered: nothing more to do
            logger.warning("could not answer %s (%s)", self.user_id, type(error).__name__)

    def tell(self, text: str) -> None:
        """A short ephemeral line where the person acted (or a DM). Never raises."""
        self.reply(text)

    def refuse(self, error: ServiceError) -> None:
        """Only the person who acted learns, in their language, why nothing changed."""
        self.tell(error_text(self.reader(), error.code, **error.params))

    def fail(self, error: BaseException) -> None:
        """Something unexpected: logged with its traceback; the person hears that nothing changed."""
        unavailable = isinstance(error, OperationalError | DBAPIError)
        reader = self.deps.people.known_reader(self.team_id, self.user_id)
        self.tell(error_text(reader, "unavailable" if unavailable else "internal"))


def run(interaction: Interaction, work: Callable[[Interaction], None]) -> None:
    """The work after the ack, answered whatever happens."""
    try:
        work(interaction)
    except ServiceError as error:
        interaction.refuse(error)
    except StaleDataError:
        interaction.refuse(ServiceError("changed_meanwhile"))
    except (OperationalError, DBAPIError) as error:
        logger.error("the database is not reachable: %s", error.__class__.__name__, exc_info=True)
        interaction.fail(error)
    except SlackApiError as error:
        # One line, with what Slack said: a refusal (an expired trigger, a user gone) is no crash of ours.
        details = (error.response.get("response_metadata") or {}).get("messages") or ""
        logger.warning("Slack refused a call (%s) %s", error.response.get("error"), details)
        interaction.fail(error)
    except Exception as error:
        logger.exception("work after the ack failed")
        interaction.fail(error)


def later(
    deps: Deps, interaction: Interaction, work: Callable[[Interaction], None], *, priority: int = NORMAL
) -> None:
    """Queue ``work`` after the ack (``NOW`` for modals: their trigger expires after 3 seconds)."""
    deps.work.submit(
        lambda: run(interaction, work), priority=priority, label=getattr(work, "__name__", "work")
    )


def on_action(
    app: App, deps: Deps, action_id: str, work: Callable[[Interaction], None], *, priority: int = NORMAL
) -> None:
    """A button whose value is a request id: validate, ack, then ``work`` on the work queue."""

    def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        interaction = Interaction.from_action(deps, body, action)
        ack()
        later(deps, interaction, work, priority=priority)

    listener.__name__ = f"on_{action_id}"
    app.action(action_id)(listener)
