"""``kundenfokus shell``: pressing the button of request #N in a message that lists several, a stranger's
click, thread replies, the message shortcut, and the places to look (``/request 12``, the list, App Home)."""

from __future__ import annotations

from tests.test_shell import after, messages, session

THREE = "".join(f"/request @bob Thing number {n} within 2h\n" for n in (1, 2, 3))


def test_press_done_hash_n_presses_the_button_of_that_request_in_a_reminder_listing_several():
    transcript = session(THREE + "wait 5h\nas bob\npress Done #2\ny\n")  # y: Done asks first
    reminder = next(body for title, body in messages(after(transcript, "wait 5h")) if title == "DM to bob")
    assert all(f"#{n}" in reminder for n in (1, 2, 3))  # one message, three requests
    pressed = messages(after(transcript, "press Done #2"))
    told = [body for title, body in pressed if title == "DM to alice (in a thread)"]  # on her card
    assert len(told) == 1 and "has finished your request #2" in told[0]
    assert "#1" not in told[0] and "#3" not in told[0]
    redrawn = next(body for title, body in pressed if "A friendly reminder" in body)
    second = redrawn.split("#2 ·")[1].split("#3 ·")[0]
    assert "Done ·" in second and "[Got it]" in redrawn.split("#2 ·")[0]  # #1 still open


def test_ask_in_the_channel_hash_n_posts_about_that_request():
    script = THREE + "as bob\npress Got it #1\nas alice\nwait 7d\npress Ask in the channel #3\ny\n"
    transcript = session(script)
    offers = [
        body for _title, body in messages(after(transcript, "wait 7d")) if "[Ask in the channel]" in body
    ]
    assert offers and all(f"#{n}" in offers[-1] for n in (2, 3)), offers
    posted = [
        body
        for title, body in messages(after(transcript, "press Ask in the channel #3"))
        if title == "#general"
    ]
    assert len(posted) == 1 and "#3" in posted[0] and "#2" not in posted[0]


def test_a_strangers_click_changes_nothing_and_is_answered_kindly():
    transcript = session("/request @bob Review the contract\nas bob\nas carol press Got it\npress Got it\n")
    stranger = after(transcript, "as carol press Got it")
    assert "(carol clicks on bob's message)" in stranger
    [(title, body)] = messages(stranger)
    assert title.startswith("only carol sees") and "Only @bob, who was asked, can answer request #1." in body
    assert "has seen your request #1" in after(transcript, "press Got it")  # bob's own click still works


def test_reply_in_the_thread_of_the_card_in_both_directions():
    transcript = session(
        "/request @bob Review the contract\nas bob\nreply #1 On it, by tomorrow.\n"
        "as alice\nreply #1 Thank you!\n/request 1\n"
    )
    assert "(bob replied in the thread of “#1 · Task — @alice asks you:”)" in transcript
    assert "(alice replied in the thread of " in after(transcript, "reply #1 Thank you!")
    shown = messages(after(transcript, "/request 1"))[0][1]
    assert "@bob answered in the thread" in shown  # the thread reply counted as the first answer


def test_the_message_shortcut_files_a_request_from_a_message():
    script = "say Could someone check the printer on floor 3?\nas bob\nshortcut @alice\n@alice\n\n1\n\n\n\n\n"
    transcript = session(script)
    assert "(bob chose “Make this a request” on alice's message)" in transcript
    assert "» form for bob: New request" in transcript and "(bob submitted “New request”)" in transcript
    card = next(body for title, body in messages(transcript) if title == "DM to alice")
    assert "@bob asks you" in card and "printer on floor 3" in card


def test_show_list_and_app_home_buttons_in_the_shell():
    script = (
        "".join(f"/request @bob Item {n}\n" for n in range(1, 13))
        + "as bob\n/request list\npress Show 2 more\npress Show #12\nhome\npress Show all\npress Show 2 more\n"
        + "home\npress New request\n/cancel\n"
    )
    transcript = session(script)
    first = messages(after(transcript, "/request list"))[0][1]
    assert "12 requests" in first and "Showing 1–10 of 12" in first
    more = messages(after(transcript, "press Show 2 more"))
    assert any("Showing 11–12 of 12" in body for _t, body in more)
    opened = messages(after(transcript, "press Show #12"))[0][1]
    assert "#12 · Task — @alice asks @bob" in opened and "History" in opened and "[Got it]" in opened
    assert "form for bob: All your requests" in transcript
    assert "(updated) All your requests" in transcript
    assert "form for bob: New request" in after(transcript, "press New request")
