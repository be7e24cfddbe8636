"""The Slack surface: each module has ``register(app, deps)``; this registers them all."""

from __future__ import annotations

from slack_bolt import App

from handlers.common import Deps


def register_all(app: App, deps: Deps) -> None:
    from handlers.actions import feedback as feedback_actions
    from handlers.actions import request_buttons
    from handlers.commands import digest as digest_command
    from handlers.commands import language, request
    from handlers.events import app_home, thread_replies
    from handlers.shortcuts import message_to_request
    from handlers.views import feedback as feedback_views
    from handlers.views import request_forms

    for module in (request, language, request_buttons, request_forms, thread_replies, message_to_request):
        module.register(app, deps)
    for module in (feedback_actions, feedback_views, digest_command, app_home):
        module.register(app, deps)
    from handlers.actions import agreement as agreement_actions
    from handlers.views import agreement as agreement_views

    for module in (agreement_actions, agreement_views):
        module.register(app, deps)
