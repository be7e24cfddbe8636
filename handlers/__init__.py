"""The Slack surface: each module has ``register(app, deps)``; this registers them all."""

from __future__ import annotations

from slack_bolt import App

from handlers.common import Deps


def register_all(app: App, deps: Deps) -> None:
    from handlers.actions import request_buttons
    from handlers.commands import request
    from handlers.events import thread_replies
    from handlers.shortcuts import message_to_request
    from handlers.views import request_forms

    for module in (request, request_buttons, request_forms, thread_replies, message_to_request):
        module.register(app, deps)
