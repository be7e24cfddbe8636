"""SQLAlchemy models; importing this package registers every table on ``Base.metadata``."""

from models.absence import Absence, PausedClock, StatusCheck
from models.base import Base, UTCDateTime
from models.digest import DigestRun, DigestSubscription
from models.feedback import Kudos, Rating
from models.installation import slack_bots, slack_installations, slack_oauth_states
from models.outbox import OutboxMessage, OutboxWorker, SeenDelivery
from models.reminder import Reminder
from models.request import ACTIVE_STATES, CLOSED_STATES, Kind, Proposal, Request, RequestEvent, State
from models.team import Team, TeamCard, TeamMember, TeamMode
from models.workspace import Person, PersonCalendar, Workspace

__all__ = [
    "ACTIVE_STATES",
    "CLOSED_STATES",
    "Absence",
    "Base",
    "DigestRun",
    "DigestSubscription",
    "Kind",
    "Kudos",
    "OutboxMessage",
    "OutboxWorker",
    "PausedClock",
    "Person",
    "PersonCalendar",
    "Proposal",
    "Rating",
    "Reminder",
    "Request",
    "RequestEvent",
    "SeenDelivery",
    "State",
    "StatusCheck",
    "Team",
    "TeamCard",
    "TeamMember",
    "TeamMode",
    "UTCDateTime",
    "Workspace",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]
