"""Slack's Web API rate limits, as token buckets, for the fake (opt-in: ``FakeSlack.enforce_rate_limits``).

Slack limits calls "per method, per app, per workspace" in tiers (https://docs.slack.dev/apis/web-api/rate-limits):

=======  ==============  =====================================================================
Tier 1   1+ per minute   a small burst is tolerated
Tier 2   20+ per minute  occasional bursts
Tier 3   50+ per minute  sporadic bursts welcome
Tier 4   100+ per minute generous bursts
Special  chat.postMessage: about one message per second per channel, short bursts allowed,
         plus a workspace-wide limit Slack does not publish
=======  ==============  =====================================================================

The fake models every limit as a token bucket on a monotonic clock: `capacity` tokens (the burst), refilled
continuously at `rate` tokens per second. A call takes one token from each bucket that applies to it; if any
bucket is empty, the call is answered HTTP 429 with ``Retry-After`` — the seconds until every bucket it needs
has a token again, rounded up, at least 1 — and is not processed (and takes no token from any bucket).

Defaults: a tier method's bucket holds one minute's allowance (Tier 2: 20 calls at once, then one every 3 s);
chat.postMessage has a bucket per channel (1 per second, burst 3) and one per workspace (300 per minute,
burst 50) — the workspace numbers are this fake's choice, since Slack publishes none.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: Calls per minute of each tier.
TIER_PER_MINUTE: dict[int, float] = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}

#: The tier of every method the fake knows (Slack's method reference); chat.postMessage is "special" and
#: limited separately; api.test is not limited.
METHOD_TIERS: dict[str, int] = {
    "apps.connections.open": 1,
    "auth.revoke": 3,
    "auth.test": 4,  # Slack lists it as special and very generous; Tier 4 is close enough for a fake
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.replies": 3,
    "functions.completeError": 3,
    "functions.completeSuccess": 3,
    "oauth.v2.access": 4,
    "team.info": 3,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "usergroups.users.update": 2,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "users.profile.get": 4,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}

POST_MESSAGE = "chat.postMessage"


@dataclass
class TokenBucket:
    """`capacity` tokens, refilled at `rate` per second; `level` is as of `updated` (monotonic seconds)."""

    capacity: float
    rate: float
    level: float
    updated: float

    def refill(self, now: float) -> None:
        if now > self.updated:
            self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
            self.updated = now

    def wait(self) -> float:
        """Seconds until one token is available (0 if one is there now); call refill() first."""
        if self.level >= 1.0:
            return 0.0
        if self.rate <= 0:
            return math.inf
        return (1.0 - self.level) / self.rate


@dataclass(frozen=True)
class RateLimitPolicy:
    """What `FakeSlack.enforce_rate_limits` configured (per minute figures; bursts are bucket capacities)."""

    per_minute: Mapping[str, float]
    burst: Mapping[str, float]
    post_per_channel_per_second: float
    post_channel_burst: float
    post_workspace_per_minute: float | None
    post_workspace_burst: float

    @classmethod
    def build(
        cls,
        per_minute: float | Mapping[str, float] | None,
        burst: float | Mapping[str, float] | None,
        *,
        post_per_channel_per_second: float,
        post_channel_burst: float,
        post_workspace_per_minute: float | None,
        post_workspace_burst: float | None,
    ) -> RateLimitPolicy:
        rates = {method: TIER_PER_MINUTE[tier] for method, tier in METHOD_TIERS.items()}
        if isinstance(per_minute, Mapping):
            rates.update({method: float(value) for method, value in per_minute.items()})
        elif per_minute is not None:
            rates = dict.fromkeys(rates, float(per_minute))
        rates.pop(POST_MESSAGE, None)  # limited by the post_* knobs, not a tier
        bursts = {method: max(1.0, value) for method, value in rates.items()}  # a minute's allowance
        if isinstance(burst, Mapping):
            bursts.update({method: float(value) for method, value in burst.items() if method in rates})
        elif burst is not None:
            bursts = dict.fromkeys(rates, float(burst))
        if post_workspace_burst is None:
            post_workspace_burst = max(1.0, (post_workspace_per_minute or 0) / 6)
        for name, value in (
            ("post_per_channel_per_second", post_per_channel_per_second),
            ("post_channel_burst", post_channel_burst),
            ("post_workspace_burst", post_workspace_burst),
            *(("burst", b) for b in bursts.values()),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        return cls(
            per_minute=rates,
            burst=bursts,
            post_per_channel_per_second=float(post_per_channel_per_second),
            post_channel_burst=float(post_channel_burst),
            post_workspace_per_minute=post_workspace_per_minute,
            post_workspace_burst=float(post_workspace_burst),
        )


class RateLimiter:
    """The buckets of every (workspace, method[, channel]); thread-safe on its own."""

    def __init__(self, policy: RateLimitPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self._clock = clock
        self._buckets: dict[tuple[str, ...], TokenBucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: tuple[str, ...], capacity: float, per_second: float, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(capacity, per_second, capacity, now)
        bucket.refill(now)
        return bucket

    def _buckets_for(self, team: str, method: str, channel: str | None, now: float) -> list[TokenBucket]:
        policy = self.policy
        if method == POST_MESSAGE:
            buckets = []
            if channel:
                buckets.append(
                    self._bucket(
                        ("post", team, channel),
                        policy.post_channel_burst,
                        policy.post_per_channel_per_second,
                        now,
                    )
                )
            if policy.post_workspace_per_minute:
                buckets.append(
                    self._bucket(
                        ("post", team),
                        policy.post_workspace_burst,
                        policy.post_workspace_per_minute / 60.0,
                        now,
                    )
                )
            return buckets
        per_minute = policy.per_minute.get(method)
        if per_minute is None:
            return []
        return [self._bucket(("tier", team, method), policy.burst[method], per_minute / 60.0, now)]

    def acquire(self, team: str, method: str, channel: str | None = None) -> int | None:
        """Take a token for one call: None when it may proceed, else the Retry-After seconds (>= 1)."""
        with self._lock:
            now = self._clock()
            buckets = self._buckets_for(team, method, channel, now)
            wait = max((bucket.wait() for bucket in buckets), default=0.0)
            if wait > 0:
                return max(1, math.ceil(wait)) if math.isfinite(wait) else 3600
            for bucket in buckets:
                bucket.level -= 1.0
            return None
