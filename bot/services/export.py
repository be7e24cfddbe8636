"""Every request with its agreed times, state, history and rating — the organisation's own data —
and everything stored about one person (``subject_access``, the right of access of Art. 15 GDPR).

Streams in batches (a constant number of queries per batch: requests, their events, ratings, kudos),
so a million requests export in bounded memory. Columns are documented in ``docs/export.md``; times
are ISO-8601 in UTC. CSV cells that a spreadsheet would run as a formula get a leading single quote.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.services import privacy
from models import Base, Kudos, Proposal, Rating, Request, RequestEvent, State

#: The CSV header and the keys of each JSON object, in order (see docs/export.md).
COLUMNS = (
    "team_id",
    "number",
    "id",
    "kind",
    "state",
    "requester_id",
    "assignee_id",
    "group_id",
    "channel_id",
    "text",
    "created_at",
    "response_due_at",
    "due_at",
    "due_date_only",
    "urgent",
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
    session: Session,
    *,
    now: datetime,
    team_id: str | None = None,
    batch: int = 1000,
    request_ids: Sequence[int] | None = None,
) -> Iterator[dict[str, Any]]:
    """One dict per request (keys: ``COLUMNS``) in filing order; history as a list of events.
    ``request_ids`` limits the export to those requests."""
    last_id = 0
    wanted = sorted(request_ids) if request_ids is not None else None
    while True:
        query = select(Request).where(Request.id > last_id).order_by(Request.id).limit(batch)
        if team_id is not None:
            query = query.where(Request.team_id == team_id)
        if wanted is not None:
            chunk = [i for i in wanted if i > last_id][:batch]
            if not chunk:
                return
            query = query.where(Request.id.in_(chunk))
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
                "group_id": request.group_id,
                "channel_id": request.channel_id,
                "text": request.text,
                "created_at": _iso(request.created_at),
                "response_due_at": _iso(request.response_due_at),
                "due_at": _iso(request.due_at),
                "due_date_only": bool(request.due_date_only),
                "urgent": bool(request.urgent),
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


# --- everything about one person ------------------------------------------------------------------

SUBJECT_FORMAT = "kundenfokus-subject-access/1"
#: Sections of the person's export that show rows of these tables; other rows go to ``other_rows``.
PARTY_ROLES = ("requester", "assignee")


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {key: _iso(value) if isinstance(value, datetime) else value for key, value in record.items()}


def _key(table: str, record: dict[str, Any]) -> tuple[Any, ...]:
    return (table, *(record[c.name] for c in Base.metadata.tables[table].primary_key.columns))


def subject_access(
    session: Session, *, user_id: str, now: datetime, team_id: str | None = None
) -> dict[str, Any]:
    """Everything stored about one person, in every table (the registry of ``bot.services.privacy``
    decides where to look): their ``people`` row; the requests they filed or were asked, with texts,
    history, proposals, rating and kudos; ratings and kudos given and received; digest subscriptions
    they created; and every other row that holds their ID or mentions them by ID or name."""
    user_id = privacy.normalise_user_id(user_id)
    names = privacy.person_names(session, user_id, team_id)
    found = privacy.rows_mentioning(session, user_id, team_id, names=names)
    mentions = privacy.Mentions(user_id, names=names)

    roles: dict[int, list[str]] = {}
    for row in found.get("requests", []):
        mine = [role for role in PARTY_ROLES if row[f"{role}_id"] == user_id]
        if mine:
            roles[row["id"]] = mine
    for event in found.get("request_events", []):
        detail = event["detail"] if isinstance(event["detail"], dict) else {}
        handed_on = event["kind"] in ("reassigned", "taken_over", "asked_deputy")  # the last two: absences
        if handed_on and detail.get("from_assignee_id") == user_id:
            roles.setdefault(event["request_id"], []).append("previous_assignee")

    proposals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if roles:
        for proposal in session.execute(
            select(Proposal.__table__).where(Proposal.request_id.in_(list(roles))).order_by(Proposal.id)
        ).mappings():
            proposals[proposal["request_id"]].append(_jsonable(dict(proposal)))

    def involves(event: dict[str, Any]) -> bool:
        return event["actor_id"] == user_id or mentions.found_in(
            json.dumps(event["detail"], ensure_ascii=False)
        )

    requests = []
    for row in export_rows(session, now=now, team_id=team_id, request_ids=list(roles)):
        own = roles[row["id"]]
        if not set(own) & set(PARTY_ROLES):
            row["history"] = [event for event in row["history"] if involves(event)]
        requests.append({**row, "roles": sorted(set(own)), "proposals": proposals.get(row["id"], [])})

    received_query = (
        select(Rating.__table__)
        .join(Request, Request.id == Rating.request_id)
        .where(Request.assignee_id == user_id)
        .order_by(Rating.created_at)
    )
    if team_id is not None:
        received_query = received_query.where(Request.team_id == team_id)
    received = [dict(r) for r in session.execute(received_query).mappings()]
    shown: set[tuple[Any, ...]] = {_key("ratings", r) for r in received}

    def pick(table: str, column: str) -> list[dict[str, Any]]:
        rows = [r for r in found.get(table, []) if r[column] == user_id]
        shown.update(_key(table, r) for r in rows)
        return [_jsonable(r) for r in rows]

    document = {
        "format": SUBJECT_FORMAT,
        "subject": {"user_id": user_id, "team_id": team_id, "generated_at": _iso(now)},
        "people": pick("people", "user_id"),
        "requests": requests,
        "ratings_given": pick("ratings", "rater_id"),
        "ratings_received": [_jsonable(r) for r in received],
        "kudos_given": pick("kudos", "from_id"),
        "kudos_received": pick("kudos", "to_id"),
        "digest_subscriptions": pick("digest_subscriptions", "created_by"),
    }
    shown.update(("requests", request_id) for request_id in roles)
    other: dict[str, list[dict[str, Any]]] = {}
    for table, rows in found.items():
        rest = [
            _jsonable(r)
            for r in rows
            if _key(table, r) not in shown
            and not (table in ("request_events", "proposals") and r["request_id"] in roles)
        ]
        if rest:
            other[table] = rest
    document["other_rows"] = other
    return document


def write_subject_access(document: dict[str, Any], out: IO[str]) -> None:
    out.write(json.dumps(document, ensure_ascii=False, indent=2))
    out.write("\n")
