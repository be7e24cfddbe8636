"""OAuth mode with token rotation: refresh each workspace's bot token before it expires, so no request
or delivery has to wait for ``oauth.v2.access`` (``bot.installations.Installations.refresh_expiring``)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.deps import Deps

logger = logging.getLogger(__name__)


def tokens_job(deps: Deps, now: datetime) -> int:
    """The scheduler's periodic job; how many tokens were refreshed."""
    if deps.installations is None:
        return 0
    refreshed = deps.installations.refresh_expiring()
    if refreshed:
        logger.info("refreshed %s bot token(s) before they expire", refreshed)
    return refreshed
