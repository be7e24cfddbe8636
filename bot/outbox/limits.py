"""Slack's rate limits, as the delivery workers keep them.

Slack limits per method and workspace (tiers) and, for ``chat.postMessage``, about one message per
second per channel with short bursts. It does not publish the workspace-wide budget, and the tiers are
floors ("50+ per minute"), so the bot paces only what is documented exactly — the per-channel rate —
and otherwise follows Slack's answers: a 429 blocks that method for that workspace for the
``Retry-After`` it names, and nothing else waits. A workspace budget can be set on top
(``KUNDENFOKUS_POST_RATE``), shared by the live delivery workers of all replicas.

Everything is measured on a monotonic clock and is safe to use from many threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

POST = "chat.postMessage"


@dataclass
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    stamp: float

    def wait_for(self, now: float) -> float:
        """Seconds until one token is there (0: take it now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class Limiter:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        per_channel_per_second: float = 1.0,
        per_channel_burst: int = 3,
        post_per_minute: float | None = None,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._channel_rate = per_channel_per_second
        self._channel_burst = per_channel_burst
        self._post_per_minute = post_per_minute
        self._share = 1
        self._channels: dict[tuple[str, str], _Bucket] = {}
        self._workspaces: dict[str, _Bucket] = {}
        self._blocked: dict[tuple[str, str], float] = {}

    def share_with(self, workers: int) -> None:
        """Split a configured workspace budget across this many live workers."""
        with self._lock:
            self._share = max(1, workers)
            self._workspaces.clear()

    def blocked_for(self, team_id: str, method: str) -> float:
        """Seconds left of a Retry-After for this method in this workspace (0: not blocked)."""
        with self._lock:
            until = self._blocked.get((team_id, method), 0.0)
            return max(0.0, until - self._clock())

    def blocked_methods(self) -> set[tuple[str, str]]:
        now = self._clock()
        with self._lock:
            return {key for key, until in self._blocked.items() if until > now}

    def block(self, team_id: str, method: str, seconds: float) -> None:
        """Slack said 429: leave this method alone in this workspace for ``seconds``."""
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            key = (team_id, method)
            self._blocked[key] = max(self._blocked.get(key, 0.0), until)

    def acquire(self, team_id: str, method: str, channel: str | None = None) -> float:
        """Take the right to make one call now, or return how many seconds to wait (taking nothing)."""
        now = self._clock()
        with self._lock:
            wait = self._blocked.get((team_id, method), 0.0) - now
            if wait > 0:
                return wait
            if method != POST:
                return 0.0
            buckets = []
            if channel:
                key = (team_id, channel)
                bucket = self._channels.get(key)
                if bucket is None:
                    bucket = self._channels[key] = _Bucket(
                        self._channel_burst, self._channel_rate, self._channel_burst, now
                    )
                buckets.append(bucket)
            if self._post_per_minute:
                bucket = self._workspaces.get(team_id)
                if bucket is None:
                    rate = self._post_per_minute / 60 / self._share
                    burst = max(1.0, rate * 5)
                    bucket = self._workspaces[team_id] = _Bucket(burst, rate, burst, now)
                buckets.append(bucket)
            wait = max((bucket.wait_for(now) for bucket in buckets), default=0.0)
            if wait > 0:
                return wait
            for bucket in buckets:
                bucket.tokens -= 1
            if len(self._channels) > 50_000:  # forget idle channels now and then
                self._channels = {k: b for k, b in self._channels.items() if b.tokens < b.capacity - 0.5}
            return 0.0
