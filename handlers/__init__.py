"""The Slack surface: each module has ``register(app, deps)``; ``register_all`` registers them all."""

from __future__ import annotations

from slack_bolt import App

from bot.deps import Deps
from handlers.actions import absences as absence_actions
from handlers.actions import agreement as agreement_actions
from handlers.actions import conversation as conversation_actions
from handlers.actions import feedback as feedback_actions
from handlers.actions import ladder as ladder_actions
from handlers.actions import questions as question_actions
from handlers.actions import request_buttons, team_buttons
from handlers.actions import requester_card as requester_card_actions
from handlers.actions import settings as settings_actions
from handlers.actions import views as view_actions
from handlers.commands import request
from handlers.events import app_home, installation, team_membership, thread_replies, user_status
from handlers.functions import create_request
from handlers.shortcuts import message_to_request
from handlers.views import agreement as agreement_views
from handlers.views import conversation as conversation_views
from handlers.views import feedback as feedback_views
from handlers.views import request_forms, team_forms
from handlers.views import requester_card as requester_card_views
from handlers.views import settings as settings_views

#: Every module that adds listeners, in registration order.
SURFACE = (
    request,
    request_buttons,
    request_forms,
    thread_replies,
    message_to_request,
    feedback_actions,
    feedback_views,
    app_home,
    agreement_actions,
    agreement_views,
    installation,
    create_request,
    question_actions,
    settings_actions,
    settings_views,
    requester_card_actions,
    requester_card_views,
    conversation_actions,
    conversation_views,
    ladder_actions,
    team_buttons,
    team_forms,
    view_actions,
    absence_actions,
    user_status,
    team_membership,
)


def register_all(app: App, deps: Deps) -> None:
    for module in SURFACE:
        module.register(app, deps)
