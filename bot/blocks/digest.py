"""Pure builders for the weekly digest and its settings. Warm, recognising, blameless: team numbers in
the channel, people named only for thank-yous — unless the channel chose to show names for lateness.
The headline's tone follows the numbers; figures with too few people behind them are left out, and
the digest says so in one line (the rules are in ``bot.domain.digest_stats``).

Within Slack's limits: far fewer than 50 blocks, every section under 3,000 characters.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from babel import dates, numbers

from bot.blocks.kit import Block, Reader, context, section
from bot.domain.digest_stats import (
    TREND_WEEKS,
    DigestReport,
    Schedule,
    Shown,
    Tone,
    Week,
    headline_tone,
    sparkline,
)
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


def _day_name(reader: Reader, day: date) -> str:
    return dates.get_day_names("abbreviated", context="format", locale=reader.tr.locale)[day.weekday()]


def _days(reader: Reader, week: Week) -> str:
    """``Mon–Thu`` / ``Mo.–Do.``: the weekdays a partial window covers."""
    first, last = _day_name(reader, week.monday), _day_name(reader, week.last_day)
    return first if week.last_day == week.monday else f"{first}–{last}"


def _period(reader: Reader, week: Week) -> str:
    tr = reader.tr
    return tr._(
        "{start} – {end}",
        start=tr.date(week.start, week.tz),
        end=tr.date(datetime.combine(week.last_day, time(12), week.tz), week.tz),
    )


def digest_title(report: DigestReport, reader: Reader) -> str:
    """What the digest covers, in words: last week, this week (up to the slot), this week so far."""
    tr = reader.tr
    if report.week.so_far:
        return tr._("Internal service this week so far ({days})", days=_days(reader, report.week))
    if report.week.partial:
        return tr._("Internal service this week")
    return tr._("Internal service last week")


def _header(report: DigestReport, reader: Reader) -> str:
    tr = reader.tr
    week = report.week
    if week.so_far:
        return digest_title(report, reader)
    if week.partial:
        return tr._("Internal service this week · {period}", period=_period(reader, week))
    return tr._("Internal service last week · {period}", period=_period(reader, week))


def headline(report: DigestReport, reader: Reader) -> str:
    """The first line, in the tone the numbers call for (``headline_tone``); never a name."""
    tr = reader.tr
    tone = headline_tone(report)
    if tone is Tone.TOGETHER:
        return tr.n_(
            ":handshake: {n} of {total} open requests is past its agreed time — "
            "a good moment to look at the open ones together.",
            ":handshake: {n} of {total} open requests are past their agreed time — "
            "a good moment to look at the open ones together.",
            report.overdue_at_end,
            total=report.open_at_end,
        )
    if tone is Tone.THANKS:
        return tr._(
            ":raised_hands: Thank you all for looking after each other — "
            "most first answers came within the agreed time, and few requests are overdue."
        )
    if report.week.so_far:
        return tr._(":wave: Here is how our internal service is going this week. Thank you for every answer.")
    return tr._(
        ":wave: Here is how our internal service went. Thank you for every answer and every call-back."
    )


def _fields(report: DigestReport, reader: Reader, shown: Shown) -> list[str]:
    tr = reader.tr
    now = report.current
    fields = []
    if shown.opened:
        fields.append(tr._("*Requests opened*\n{n}", n=now.opened))
    if shown.closed:
        fields.append(
            tr._(
                "*Closed*\n{n} ({done} done, {declined} declined)",
                n=now.closed,
                done=now.done,
                declined=now.declined,
            )
        )
    if shown.in_time:
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
        fields.append(tr._("*Answered within the agreed time*\n{text}", text=in_time))
    if shown.median:
        median = (
            tr._("{duration} of working time", duration=working_time(reader, report.median_first_answer))
            if report.median_first_answer is not None
            else "—"
        )
        fields.append(tr._("*Median time to first answer*\n{text}", text=median))
    if shown.open:
        open_line = tr.n_("{n} open", "{n} open", report.open_at_end)
        if shown.overdue and report.overdue_at_end:
            open_line += tr.n_(
                ", {n} of them past the agreed time",
                ", {n} of them past the agreed time",
                report.overdue_at_end,
            )
        if report.week.partial:
            when = _when_each_week(reader, report.week)
            fields.append(tr._("*As of {when}*\n{text}", when=when, text=open_line))
        else:
            fields.append(tr._("*At the end of the week*\n{text}", text=open_line))
    if shown.satisfaction:
        fields.append(tr._("*Satisfaction*\n{text}", text=_rating_text(reader, report)))
    return fields


def digest_message(
    report: DigestReport,
    reader: Reader,
    *,
    channel_id: str,
    scope: str = "channel",
) -> tuple[str, list[Block]]:
    """The channel's digest for ``report.week``, written for ``reader`` (the channel's language and
    time zone). Figures with too few people behind them are left out, and the digest says why."""
    tr = reader.tr
    now = report.current
    shown = report.shown
    blocks: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _header(report, reader)[:150], "emoji": True},
        }
    ]
    if report.quiet:
        if report.week.so_far:
            quiet = tr._(
                ":seedling: Quiet so far this week — no requests yet. "
                "Need something from a colleague? `/request @person what` keeps the promise visible."
            )
        else:
            quiet = tr._(
                ":seedling: A quiet week — no requests to report. "
                "Need something from a colleague? `/request @person what` keeps the promise visible."
            )
        blocks.append(section(quiet))
    else:
        blocks.append(section(headline(report, reader)))
        fields = _fields(report, reader, shown)
        if fields:
            blocks.append(section(tr._("*The week in numbers*"), fields=fields))
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
        trend = trend_text(report, reader)
        if trend:
            blocks.append(section(trend))
        if report.overdue_by_person:
            names = _names(reader, report.overdue_by_person)
            blocks.append(
                section(
                    tr._("*Past the agreed time* (this channel chose to show names): {names}", names=names)
                    if report.week.partial
                    else tr._(
                        "*Past the agreed time at the end of the week* (this channel chose to show names): {names}",
                        names=names,
                    )
                )
            )
    notes = []
    if shown.anything_hidden and not report.quiet:
        notes.append(
            tr._(
                "Some figures are hidden because fewer than {n} people are behind them — "
                "so nobody can be singled out.",
                n=report.min_group,
            )
        )
    notes.append(
        (
            tr._("Counting requests filed in <#{channel}>.", channel=channel_id)
            if scope == "channel"
            else tr._("Counting requests by or for members of the chosen user group.")
        )
        + " "
        + tr._(
            "Response times count only working hours, in each person's own time zone. "
            "Everyone sees their own open and overdue items privately in my App Home."
        )
    )
    blocks.append(context(*notes))
    title = digest_title(report, reader)
    if shown.opened and shown.closed and shown.in_time and now.answers_due:
        fallback = tr._(
            "{title}: {opened} opened, {closed} closed, {share} answered within the agreed time.",
            title=title,
            opened=now.opened,
            closed=now.closed,
            share=percent(reader, now.in_time_share),
        )
    elif shown.opened and shown.closed:
        fallback = tr._(
            "{title}: {opened} opened, {closed} closed.", title=title, opened=now.opened, closed=now.closed
        )
    else:
        fallback = title
    return plain_text(fallback), blocks[:MAX_BLOCKS]


def _when_each_week(reader: Reader, week: Week) -> str:
    """``Fri 4:30 PM`` / ``Fr. 16:30``: how far into each week a partial trend reaches."""
    return reader.tr._(
        "{weekday} {time}",
        weekday=_day_name(reader, week.end.astimezone(week.tz).date()),
        time=dates.format_time(week.end, "short", tzinfo=week.tz, locale=reader.tr.locale),
    )


def trend_text(report: DigestReport, reader: Reader) -> str:
    """Eight weeks as sparklines from zero (a share's full bar is 100 %); a week whose figure is hidden
    is a gap. A line with nothing but zeros and gaps is left out; empty when no line is left."""
    tr = reader.tr
    trend, shown = report.trend, report.shown

    def values(figures: list[float | None], visible: tuple[bool, ...]) -> list[float | None]:
        return [value if ok else None for value, ok in zip(figures, visible, strict=True)]

    def telling(figures: list[float | None], people: list[int]) -> bool:
        """Some week of the line shows a figure about someone (not only zeros and gaps)."""
        return any(value is not None and count for value, count in zip(figures, people, strict=True))

    lines = []
    opened = values([w.opened for w in trend], shown.trend_opened)
    closed = values([w.closed for w in trend], shown.trend_closed)
    in_time = values([w.in_time_share for w in trend], shown.trend_in_time)
    if telling(opened, [w.opened_people or w.opened for w in trend]):
        line = sparkline(opened)
        lines.append(
            tr._("`{line}` opened (latest: {value})", line=line, value=trend[-1].opened)
            if shown.trend_opened[-1]
            else tr._("`{line}` opened", line=line)
        )
    if telling(closed, [w.closed_people or w.closed for w in trend]):
        line = sparkline(closed)
        lines.append(
            tr._("`{line}` closed (latest: {value})", line=line, value=trend[-1].closed)
            if shown.trend_closed[-1]
            else tr._("`{line}` closed", line=line)
        )
    if telling(in_time, [w.answers_due_people or w.answers_due for w in trend]):
        line = sparkline(in_time, ceiling=1.0)
        lines.append(
            tr._(
                "`{line}` answered within the agreed time (latest: {value})",
                line=line,
                value=percent(reader, trend[-1].in_time_share),
            )
            if shown.trend_in_time[-1]
            else tr._("`{line}` answered within the agreed time", line=line)
        )
    if not lines:
        return ""
    heading = (
        tr.n_(
            "*The last {n} week, each up to {when}*",
            "*The last {n} weeks, each up to {when}*",
            TREND_WEEKS,
            when=_when_each_week(reader, report.week),
        )
        if report.week.partial
        else tr.n_("*The last {n} week*", "*The last {n} weeks*", TREND_WEEKS)
    )
    return "\n".join([heading, *lines])


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
        "• `{command} digest preview` shows this week so far, only to you",
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
