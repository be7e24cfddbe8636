"""Every request with its agreed times, state, history and rating — the organisation's own data.

Streams in batches (a constant number of queries per batch: requests, their events, ratings, kudos),
so a million requests export in bounded memory. Columns are documented in ``docs/export.md``; times
are ISO-8601 in UTC. CSV cells that a spreadsheet would run as a formula get a leading single quote.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Kudos, Rating, Request, RequestEvent, State

#: The CSV header and the keys of each JSON object, in order (see docs/export.md).
COLUMNS = (
    "team_id",
    "number",
    "id",
    "kind",
    "state",
    "requester_id",
    "assignee_id",
    "channel_id",
    "text",
    "created_at",
    "response_due_at",
    "due_at",
    "acknowledged_at",
    "closed_at",
    "answered_within_agreed_time",
    "decline_reason",
    "rating_score",
    "rating_tone_respectful",
    "rating_comment",
    "rated_at",
    "kudos_count",
    "history",
)
FORMATS = ("json", "csv")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _answered_in_time(request: Request, now: datetime) -> bool | None:
    """True/False once the first answer came, False once the agreed time passed without one, None
    while it may still come (or when the request was cancelled before anyone answered)."""
    if request.acknowledged_at is not None:
        return request.acknowledged_at <= request.response_due_at
    if request.state == State.CANCELLED.value or request.response_due_at >= now:
        return None
    return False


def export_rows(
    session: Session, *, now: datetime, team_id: str | None = None, batch: int = 1000
) -> Iterator[dict[str, Any]]:
    """One dict per request (keys: ``COLUMNS``) in filing order; history as a list of events."""
    last_id = 0
    while True:
        query = select(Request).where(Request.id > last_id).order_by(Request.id).limit(batch)
        if team_id is not None:
            query = query.where(Request.team_id == team_id)
        requests = list(session.scalars(query))
        if not requests:
            return
        ids = [request.id for request in requests]
        history: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for event in session.scalars(
            select(RequestEvent).where(RequestEvent.request_id.in_(ids)).order_by(RequestEvent.id)
        ):
            history[event.request_id].append(
                {"at": _iso(event.at), "actor_id": event.actor_id, "kind": event.kind, "detail": event.detail}
            )
        ratings = {
            rating.request_id: rating
            for rating in session.scalars(select(Rating).where(Rating.request_id.in_(ids)))
        }
        kudos = dict(
            session.execute(
                select(Kudos.request_id, func.count(Kudos.id))
                .where(Kudos.request_id.in_(ids))
                .group_by(Kudos.request_id)
            ).all()
        )
        for request in requests:
            rating = ratings.get(request.id)
            yield {
                "team_id": request.team_id,
                "number": request.number,
                "id": request.id,
                "kind": request.kind,
                "state": request.state,
                "requester_id": request.requester_id,
                "assignee_id": request.assignee_id,
                "channel_id": request.channel_id,
                "text": request.text,
                "created_at": _iso(request.created_at),
                "response_due_at": _iso(request.response_due_at),
                "due_at": _iso(request.due_at),
                "acknowledged_at": _iso(request.acknowledged_at),
                "closed_at": _iso(request.closed_at),
                "answered_within_agreed_time": _answered_in_time(request, now),
                "decline_reason": request.decline_reason,
                "rating_score": rating.score if rating else None,
                "rating_tone_respectful": rating.tone_respectful if rating else None,
                "rating_comment": rating.comment if rating else None,
                "rated_at": _iso(rating.created_at) if rating else None,
                "kudos_count": int(kudos.get(request.id, 0)),
                "history": history.get(request.id, []),
            }
        last_id = ids[-1]
        session.expunge_all()  # keep memory flat over a long export


def write_json(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """A JSON array, one request object per line; returns the number of requests."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


#: A cell starting with one of these is a formula to a spreadsheet (``=HYPERLINK(…)``, ``@SUM(…)``).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """OWASP's advice against CSV injection: a leading single quote makes the cell plain text."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return neutralise_formula(value)
    return value


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """RFC 4180 CSV with a header; ``history`` is a JSON array in its cell. Returns the row count."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([_csv_value(row[column]) for column in COLUMNS])
        count += 1
    return count


def write_export(
    session: Session, out: IO[str], *, now: datetime, fmt: str = "json", team_id: str | None = None
) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    rows = export_rows(session, now=now, team_id=team_id)
    return write_json(rows, out) if fmt == "json" else write_csv(rows, out)
