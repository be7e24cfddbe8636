from babel.messages.pofile import read_po, write_po

P = "bot/locale/de/LC_MESSAGES/messages.po"
cat = read_po(open(P, "rb"))
T = {
    "Mark as done?": "Als erledigt markieren?",
    "The requester is told it is finished. You can undo it for 10 minutes.": "Wer gefragt hat, erfährt, dass es fertig ist. Du kannst es 10 Minuten lang rückgängig machen.",
    "Yes, it's done": "Ja, erledigt",
    "Not yet": "Noch nicht",
    "Cancel this request?": "Diese Anfrage zurückziehen?",
    "The person you asked is told that nothing more is needed. You can undo it for 10 minutes.": "Die gefragte Person erfährt, dass nichts mehr nötig ist. Du kannst es 10 Minuten lang rückgängig machen.",
    "Yes, cancel it": "Ja, zurückziehen",
    "Keep it": "Behalten",
    "Ask in the channel?": "Im Channel fragen?",
    "A short, friendly post asks the channel where you filed it for help. Everyone there sees it.": "Ein kurzer, freundlicher Beitrag bittet den Channel, in dem du die Anfrage gestellt hast, um Hilfe. Alle dort sehen ihn.",
    "Post it": "Posten",
    "Not now": "Jetzt nicht",
    "first answer by {when}": "erste Antwort bis {when}",
    "due {when}": "fällig {when}",
    ":hourglass_flowing_sand: Your new times wait for <@{assignee}>'s answer: {times}.": ":hourglass_flowing_sand: Deine neuen Zeiten warten auf die Antwort von <@{assignee}>: {times}.",
    ":calendar: <@{assignee}> proposes new times: {times}. Accept or keep yours in the thread below.": ":calendar: <@{assignee}> schlägt neue Zeiten vor: {times}. Annehmen oder deine behalten kannst du im Thread darunter.",
    "Your request {title} to <@{assignee}>": "Deine Anfrage {title} an <@{assignee}>",
    ":bell: No reminder was needed so far.": ":bell: Bisher war keine Erinnerung nötig.",
    "Next reminder not before {when}.": "Nächste Erinnerung frühestens {when}.",
    "*Latest from <@{author}>* · {when}": "*Zuletzt von <@{author}>* · {when}",
    "*Their reason:*": "*Die Begründung:*",
    "Edit": "Bearbeiten",
    "A reply in this thread reaches <@{assignee}>.": "Eine Antwort in diesem Thread erreicht <@{assignee}>.",
    "Reopen": "Wieder öffnen",
    "Your request #{number}: {text}": "Deine Anfrage #{number}: {text}",
    ":leftwards_arrow_with_hook: Undone — {title} is as it was before.": ":leftwards_arrow_with_hook: Rückgängig gemacht — {title} ist wieder wie vorher.",
    ":white_check_mark: You marked {title} as done. <@{requester}> is told.": ":white_check_mark: Du hast {title} als erledigt markiert. <@{requester}> weiß Bescheid.",
    ":heavy_multiplication_x: You cancelled {title}. <@{assignee}> is told.": ":heavy_multiplication_x: Du hast {title} zurückgezogen. <@{assignee}> weiß Bescheid.",
    "Undo": "Rückgängig",
    "Changed your mind? Undo works for 10 minutes.": "Doch anders entschieden? Rückgängig geht 10 Minuten lang.",
    ":leftwards_arrow_with_hook: <@{assignee}> took back the Done on your request {title} — it is open again, with the times as they were.": ":leftwards_arrow_with_hook: <@{assignee}> hat das Erledigt für deine Anfrage {title} zurückgenommen — sie ist wieder offen, mit den Zeiten wie vorher.",
    ":leftwards_arrow_with_hook: <@{requester}> took back the cancellation of {title} — it is active again, with the times as they were.": ":leftwards_arrow_with_hook: <@{requester}> hat das Zurückziehen von {title} rückgängig gemacht — die Anfrage gilt wieder, mit den Zeiten wie vorher.",
    "{title} is not finished after all — <@{assignee}> took back the Done. No rating needed for now.": "{title} ist doch noch nicht fertig — <@{assignee}> hat das Erledigt zurückgenommen. Eine Bewertung ist vorerst nicht nötig.",
    "<@{author}> wrote in {title}:": "<@{author}> schreibt zu {title}:",
    "New message about request #{number}": "Neue Nachricht zu Anfrage #{number}",
    ":pencil2: <@{requester}> edited their request {title}.": ":pencil2: <@{requester}> hat die Anfrage {title} bearbeitet.",
    "*Now (edited):*": "*Jetzt (bearbeitet):*",
    "*Before:*": "*Vorher:*",
    "They propose new times. Do they work for you?": "Dazu kommen neue Zeiten als Vorschlag. Passen sie für dich?",
    "Propose other times": "Andere Zeiten vorschlagen",
    "Keep the current times": "Jetzige Zeiten behalten",
    "Request #{number} was edited": "Anfrage #{number} wurde bearbeitet",
    ":handshake: <@{assignee}> accepted your new times for {title}.": ":handshake: <@{assignee}> hat deine neuen Zeiten für {title} angenommen.",
    "<@{assignee}> would like to keep the current times for {title}.": "<@{assignee}> möchte bei den jetzigen Zeiten für {title} bleiben.",
    ":handshake: You accepted <@{requester}>'s new times for {title}. They know.": ":handshake: Du hast die neuen Zeiten von <@{requester}> für {title} angenommen. Sie wissen Bescheid.",
    "You kept the current times for {title}. <@{requester}> knows.": "Du bleibst bei den jetzigen Zeiten für {title}. <@{requester}> weiß Bescheid.",
    ":arrows_counterclockwise: <@{requester}> reopened {title}. Their reason:": ":arrows_counterclockwise: <@{requester}> hat {title} wieder geöffnet. Die Begründung:",
    "The clocks start again from now: first answer by {when}.": "Die Zeiten laufen ab jetzt neu: erste Antwort bis {when}.",
    "Request #{number} was reopened": "Anfrage #{number} wurde wieder geöffnet",
    "A changed text is shown to the person you asked, marked as edited.": "Ein geänderter Text wird der gefragten Person als bearbeitet markiert gezeigt.",
    "Counted from now, in their working time. Leave empty to keep it.": "Ab jetzt gerechnet, in ihrer Arbeitszeit. Leer lassen, dann bleibt sie.",
    "New times are a proposal: the person you asked accepts them or proposes others.": "Neue Zeiten sind ein Vorschlag: Die gefragte Person nimmt sie an oder schlägt andere vor.",
    "Edit request": "Anfrage bearbeiten",
    "Reopen request": "Anfrage wieder öffnen",
    "What is still missing?": "Was fehlt noch?",
    "The person you asked reads this. The clocks start again from now.": "Die gefragte Person liest das. Die Zeiten laufen ab jetzt neu.",
    "Only <@{requester_id}>, who asked, can change request *#{number}*.": "Nur <@{requester_id}>, wer gefragt hat, kann Anfrage *#{number}* ändern.",
    "That is how *#{number}* reads already, so there was nothing to change.": "So steht *#{number}* schon da, es gab also nichts zu ändern.",
    "Request *#{number}* isn't done or declined, so there's nothing to reopen.": "Anfrage *#{number}* ist weder erledigt noch abgelehnt, es gibt also nichts wieder zu öffnen.",
    "I can't tell which change to take back on *#{number}*, so nothing changed.": "Ich kann nicht erkennen, welche Änderung an *#{number}* zurückgenommen werden soll, also hat sich nichts geändert.",
    "Only <@{actor}>, who made that change, can undo it on *#{number}*.": "Nur <@{actor}>, wer diese Änderung gemacht hat, kann sie bei *#{number}* rückgängig machen.",
    "That change to *#{number}* is more than {minutes} minutes old, so it can't be undone any more. The request's card has what you can do now.": "Diese Änderung an *#{number}* ist älter als {minutes} Minuten und lässt sich nicht mehr rückgängig machen. Was du jetzt tun kannst, steht an der Karte der Anfrage.",
    "*#{number}* has changed since then, so that undo would no longer restore what you saw. Nothing changed.": "*#{number}* hat sich seitdem geändert, Rückgängig würde also nicht mehr herstellen, was du gesehen hast. Es hat sich nichts geändert.",
    "_(edited by <@{requester}>)_": "_(bearbeitet von <@{requester}>)_",
}
PL = {
    ":bell: {count} reminder went to <@{assignee}>, the last {when}.": (
        ":bell: {count} Erinnerung ging an <@{assignee}>, zuletzt {when}.",
        ":bell: {count} Erinnerungen gingen an <@{assignee}>, die letzte {when}.",
    )
}
seen = set()
for m in cat:
    if not m.id:
        continue
    key = m.id[0] if isinstance(m.id, tuple) else m.id
    if key in T:
        m.string = T[key]
        m.flags.discard("fuzzy")
        seen.add(key)
    elif key in PL:
        m.string = PL[key]
        m.flags.discard("fuzzy")
        seen.add(key)
print("missing", set(T) | set(PL) - seen)
write_po(open(P, "wb"), cat, width=0)
