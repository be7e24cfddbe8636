"""Pure builders for the weekly digest and its settings. Warm, recognising, blameless: team numbers in
the channel, people named only for thank-yous — unless the channel chose to show names for lateness.

Within Slack's limits: far fewer than 50 blocks, every section under 3,000 characters.
"""

from __future__ import annotations

from datetime import timedelta

from babel import numbers

from bot.blocks.kit import Block, Reader, context, section
from bot.domain.digest_stats import TREND_WEEKS, DigestReport, Schedule, sparkline
from bot.domain.text import plain_text
from bot.i18n import N_

MAX_NAMES = 20
MAX_BLOCKS = 50

WEEKDAY_LABELS = (
    N_("Mondays"),
    N_("Tuesdays"),
    N_("Wednesdays"),
    N_("Thursdays"),
    N_("Fridays"),
    N_("Saturdays"),
    N_("Sundays"),
)


def percent(reader: Reader, value: float | None) -> str:
    """``83%`` / ``83 %`` in the reader's locale; a dash when there was nothing to measure."""
    return "—" if value is None else numbers.format_percent(value, locale=reader.tr.locale)


def decimal(reader: Reader, value: float) -> str:
    return numbers.format_decimal(value, format="0.0", locale=reader.tr.locale)


def working_time(reader: Reader, delta: timedelta | None) -> str:
    """``2 h 15 min`` of working time (hours, not days: a working day is only 8 of them)."""
    tr = reader.tr
    if delta is None:
        return "—"
    minutes = round(delta.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return tr._("{minutes} min", minutes=minutes)
    if not minutes:
        return tr._("{hours} h", hours=hours)
    return tr._("{hours} h {minutes} min", hours=hours, minutes=minutes)


def schedule_text(reader: Reader, schedule: Schedule, timezone: str) -> str:
    return reader.tr._(
        "{weekday} at {hour:02d}:{minute:02d} ({timezone})",
        weekday=reader.tr._(WEEKDAY_LABELS[schedule.weekday]),
        hour=schedule.hour,
        minute=schedule.minute,
        timezone=timezone,
    )


def _names(reader: Reader, people: list[tuple[str, int]]) -> str:
    shown = [
        reader.tr._("<@{user}> ×{count}", user=user, count=count) if count > 1 else f"<@{user}>"
        for user, count in people[:MAX_NAMES]
    ]
    text = ", ".join(shown)
    if len(people) > MAX_NAMES:
        text += " " + reader.tr.n_("and {n} more", "and {n} more", len(people) - MAX_NAMES)
    return text


def _rating_text(reader: Reader, report: DigestReport) -> str:
    tr = reader.tr
    if report.rating_average is None:
        return tr._("No ratings yet")
    text = tr.n_(
        "{average} / 5 from {n} rating",
        "{average} / 5 from {n} ratings",
        report.ratings,
        average=decimal(reader, report.rating_average),
    )
    if report.tone_share is not None:
        text += "\n" + tr._("Tone felt respectful: {share}", share=percent(reader, report.tone_share))
    return text


def digest_message(
    report: DigestReport,
    reader: Reader,
    *,
    channel_id: str,
    scope: str = "channel",
) -> tuple[str, list[Block]]:
    """The channel's weekly digest for ``report.week``, written for ``reader`` (the channel's language
    and time zone)."""
    tr = reader.tr
    week = report.week
    now = report.current
    period = tr._(
        "{start} – {end}",
        start=tr.date(week.start, week.tz),
        end=tr.date(week.end - timedelta(minutes=1), week.tz),
    )
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": tr._("Internal service last week · {period}", period=period)[:150],
                "emoji": True,
            },
        }
    ]
    if report.quiet:
        blocks.append(
            section(
                tr._(
                    ":seedling: A quiet week — no requests to report. "
                    "Need something from a colleague? `/request @person what` keeps the promise visible."
                )
            )
        )
    else:
        if now.closed:
            intro = tr.n_(
                ":raised_hands: Thank you all for looking after each other — {n} request was closed last week.",
                ":raised_hands: Thank you all for looking after each other — {n} requests were closed last week.",
                now.closed,
            )
        else:
            intro = tr._(":wave: Here is how internal service went last week.")
        blocks.append(section(intro))
        in_time = (
            tr._(
                "{share} ({part} of {whole})",
                share=percent(reader, now.in_time_share),
                part=now.answered_in_time,
                whole=now.answers_due,
            )
            if now.answers_due
            else tr._("No first answers were due")
        )
        open_line = tr.n_("{n} open", "{n} open", report.open_at_end)
        if report.overdue_at_end:
            open_line += tr.n_(
                ", {n} of them past the agreed time",
                ", {n} of them past the agreed time",
                report.overdue_at_end,
            )
        blocks.append(
            section(
                tr._("*The week in numbers*"),
                fields=[
                    tr._("*Requests opened*\n{n}", n=now.opened),
                    tr._(
                        "*Closed*\n{n} ({done} done, {declined} declined)",
                        n=now.closed,
                        done=now.done,
                        declined=now.declined,
                    ),
                    tr._("*Answered within the agreed time*\n{text}", text=in_time),
                    tr._(
                        "*Median time to first answer*\n{text}",
                        text=(
                            tr._(
                                "{duration} of working time",
                                duration=working_time(reader, report.median_first_answer),
                            )
                            if report.median_first_answer is not None
                            else "—"
                        ),
                    ),
                    tr._("*At the end of the week*\n{text}", text=open_line),
                    tr._("*Satisfaction*\n{text}", text=_rating_text(reader, report)),
                ],
            )
        )
        if report.kudos:
            blocks.append(
                section(
                    tr.n_(
                        ":clap: *{n} thank-you* went to {names}. Thank you for helping out!",
                        ":clap: *{n} thank-yous* went to {names}. Thank you for helping out!",
                        report.kudos_total,
                        names=_names(reader, report.kudos),
                    )
                )
            )
        blocks.append(section(trend_text(report, reader)))
        if report.overdue_by_person:
            blocks.append(
                section(
                    tr._(
                        "*Past the agreed time at the end of the week* (this channel chose to show names): {names}",
                        names=_names(reader, report.overdue_by_person),
                    )
                )
            )
    scope_line = (
        tr._("Counting requests filed in <#{channel}>.", channel=channel_id)
        if scope == "channel"
        else tr._("Counting requests by or for members of the chosen user group.")
    )
    blocks.append(
        context(
            scope_line
            + " "
            + tr._(
                "Times count working hours in each person's time zone. "
                "Everyone sees their own open and overdue items privately in my App Home."
            )
        )
    )
    fallback = tr._(
        "Internal service last week: {opened} opened, {closed} closed, {share} answered within the agreed time.",
        opened=now.opened,
        closed=now.closed,
        share=percent(reader, now.in_time_share),
    )
    return plain_text(fallback), blocks[:MAX_BLOCKS]


def trend_text(report: DigestReport, reader: Reader) -> str:
    tr = reader.tr
    trend = report.trend
    return "\n".join(
        [
            tr.n_("*The last {n} week*", "*The last {n} weeks*", TREND_WEEKS),
            tr._(
                "`{line}` opened (last week {value})",
                line=sparkline([w.opened for w in trend]),
                value=trend[-1].opened,
            ),
            tr._(
                "`{line}` closed (last week {value})",
                line=sparkline([w.closed for w in trend]),
                value=trend[-1].closed,
            ),
            tr._(
                "`{line}` answered within the agreed time (last week {value})",
                line=sparkline([w.in_time_share for w in trend]),
                value=percent(reader, trend[-1].in_time_share),
            ),
        ]
    )


def settings_text(
    reader: Reader,
    *,
    channel_id: str,
    schedule: Schedule,
    timezone: str,
    language: str,
    scope: str,
    name_people: bool,
) -> str:
    tr = reader.tr
    lines = [
        tr._("*Weekly digest for <#{channel}>*", channel=channel_id),
        tr._("• When: {when}", when=schedule_text(reader, schedule, timezone)),
        tr._("• Counts: {what}", what=scope_text(reader, scope, channel_id)),
        tr._(
            "• Names for lateness: {value}",
            value=tr._("shown") if name_people else tr._("not shown (blameless)"),
        ),
        tr._("• Language: {language}", language=language),
    ]
    return "\n".join(lines)


def scope_text(reader: Reader, scope: str, channel_id: str) -> str:
    if scope == "usergroup":
        return reader.tr._("requests by or for members of the chosen user group")
    return reader.tr._("requests filed in <#{channel}>", channel=channel_id)


def digest_help(reader: Reader, command: str = "/request") -> str:
    return reader.tr._(
        "*Digest settings*\n"
        "• `{command} digest` subscribes this channel (or shows its settings)\n"
        "• `{command} digest off` unsubscribes it\n"
        "• `{command} digest friday 16:00` changes day and time\n"
        "• `{command} digest group @team` counts requests by or for members of a user group; "
        "`{command} digest channel` counts this channel's again\n"
        "• `{command} digest names on` names people with overdue items (off by default)\n"
        "• `{command} digest timezone Europe/Berlin` and `{command} digest language de`\n"
        "• `{command} digest preview` shows last week's digest only to you",
        command=command,
    )


def failure_notice(reader: Reader, *, channel_id: str, error: str) -> str:
    """For the person who subscribed a channel, when its digest cannot be posted there."""
    tr = reader.tr
    if error == "not_in_channel":
        return tr._(
            "I couldn't post the weekly digest in <#{channel}> because I'm not a member. "
            "Invite me with `/invite @Kundenfokus` and it will arrive next week.",
            channel=channel_id,
        )
    if error in ("channel_not_found", "is_archived"):
        return tr._("<#{channel}> is archived or gone, so I stopped its weekly digest.", channel=channel_id)
    return tr._(
        "I couldn't post the weekly digest in <#{channel}> (Slack said: {error}).",
        channel=channel_id,
        error=error,
    )
