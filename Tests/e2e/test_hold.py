"""End-to-end tests of the countdown hold in the composer, in a real terminal (tmux), against
the STARTTLS+AUTH SMTP server on 127.0.0.1.

After `y` on the confirmation screen the message is frozen in the outbox
($XDG_DATA_HOME/guardmail/outbox/<id>/) and the hold screen counts down in large digits:
`u` undoes (the composer comes back exactly as it was), `c` writes another message while it
keeps counting (the status line shows it; `u` there undoes the newest held one), `o` opens the
outbox view, `S` sends at once.  When the hold ends the message is submitted; a refused
recipient leaves it in the outbox, where `S` retries only the refused.  If guardmail dies
(kill -9) at any point, nothing is sent later without the user: the next start shows the
interrupted message and asks (S send · e edit · d discard).
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Dict, List

import pytest

from test_compose import esc, start
from test_confirm import NO_ORG_POLICY, fill, on_confirm_screen, open_confirm
from tui import (ComposerHome, Pane, body_lines, composer, field_value,  # noqa: F401
                 in_command_mode, parse, status_line)

HOLD_TITLE = "guardmail — held, not sent yet"
OUTBOX_TITLE_WORDS = "Outbox"
TO = "山田 花子 <hanako@example.jp>"
# An outside recipient, for the tests about the confirmation screen itself (internal mail with
# nothing to confirm goes straight to the hold: issue 15).
PARTNER = "山田 花子 <hanako@partner.example>"
SUBJECT = "【確認】来週の会議について"
BODY = ["来週の会議は10時からです。", "資料は当日お配りします。"]


def set_hold(composer: ComposerHome, seconds: int) -> None:
    """Both hold lengths of the user's [policy] (the home's config ends with that table)."""
    text = composer.config_path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^hold_internal_seconds = \d+$", "hold_internal_seconds = %d" % seconds, text)
    text = re.sub(r"(?m)^hold_external_seconds = \d+$", "hold_external_seconds = %d" % seconds, text)
    composer.config_path.write_text(text, encoding="utf-8")


def launch(composer: ComposerHome, **kwargs) -> Pane:
    return start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY}, **kwargs)


def on_hold_screen(screen: str) -> bool:
    return screen.split("\n")[0].strip().startswith(HOLD_TITLE)


def confirm_and_hold(pane: Pane) -> str:
    """y, tick what needs ticking, y: returns the hold screen."""
    open_confirm(pane)
    pane.confirm_everything()
    return pane.wait_for(lambda s: on_hold_screen(s) and "Press u to undo" in s, what="the hold screen")


HELD_WITHOUT_SCREEN = "No confirmation needed: internal only, nothing to confirm"


def hold_routine(pane: Pane) -> str:
    """y on routine internal mail (issue 15): no confirmation screen, straight to the hold, which
    says why. Returns the hold screen."""
    pane.keys("y")
    screen = pane.wait_for(lambda s: on_hold_screen(s) and "Press u to undo" in s and HELD_WITHOUT_SCREEN in s,
                           what="the hold screen without a confirmation")
    assert not on_confirm_screen(screen), screen
    return screen


def outbox_dir(composer: ComposerHome) -> Path:
    return composer.data_home / "guardmail" / "outbox"


def outbox_ids(composer: ComposerHome) -> List[str]:
    d = outbox_dir(composer)
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []


def sent_copies(composer: ComposerHome) -> List[Path]:
    d = composer.data_home / "guardmail" / "sent" / "cur"
    return sorted(d.iterdir()) if d.is_dir() else []


def journal_outcomes(composer: ComposerHome) -> Dict[str, List[str]]:
    """Message-ID -> its events in order, read with Python's sqlite3 (an independent reader)."""
    path = composer.data_home / "guardmail" / "journal.sqlite"
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = con.execute(
            "SELECT m.message_id, e.kind FROM events e JOIN messages m ON m.id = e.message_row "
            "ORDER BY e.id").fetchall()
    finally:
        con.close()
    out: Dict[str, List[str]] = {}
    for mid, kind in rows:
        out.setdefault(mid, []).append(kind)
    return out


def deliveries(server) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for tx in server.transactions:
        for rcpt in tx.rcpt_tos:
            counts[rcpt.lower()] = counts.get(rcpt.lower(), 0) + 1
    return counts


# --------------------------------------------------------------------------
# Undo within the hold: the composer comes back intact, nothing reaches the server


def test_undo_restores_the_composer_and_sends_nothing(composer, tmp_path):
    set_hold(composer, 60)
    note = tmp_path / "議事録.txt"
    note.write_text("議事録\n", encoding="utf-8")
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    pane.keys("a")
    pane.wait_for(" Attach file:", what="the attach prompt")
    pane.text(str(note))
    pane.keys("Enter")
    before = pane.wait_for(lambda s: "議事録.txt" in s and in_command_mode(s), what="attached")
    # Internal, nothing to confirm (the file does not go outside): straight to the hold.
    hold = hold_routine(pane)
    assert "Nothing has been sent yet" in hold and "█" in hold, pane.framed(hold)
    assert len(outbox_ids(composer)) == 1, outbox_ids(composer)

    pane.keys("u")
    screen = pane.wait_for(lambda s: "Undone" in status_line(s), what="the composer after u")
    assert field_value(screen, "To") == TO and field_value(screen, "Subject") == SUBJECT, pane.framed(screen)
    assert body_lines(screen) == BODY, pane.framed(screen)
    assert "議事録.txt" in screen, pane.framed(screen)
    # Everything above the status line is what it was before y.
    assert screen.split("\n")[:8] == before.split("\n")[:8], pane.framed(screen) + "\n" + pane.framed(before)
    assert outbox_ids(composer) == []
    time.sleep(1.0)
    composer.server.settle(5)
    assert composer.server.connections == 0, composer.server.summary()
    assert ["confirmed", "held", "undone"] in journal_outcomes(composer).values()
    # The message is a draft again: nothing is lost if the user now leaves.
    composer.wait_for_draft(lambda d: d.subject == SUBJECT, what="the undone message saved as a draft")


def test_attachment_changed_after_the_confirmation_is_not_sent(composer, tmp_path):
    """The confirmation screen showed the file's SHA-256; if the file changes before y, what
    would go is not what was checked: nothing is frozen, nothing is sent, the message stays.
    (To a partner: an attachment going outside is what the screen asks about.)"""
    set_hold(composer, 60)
    quote = tmp_path / "見積書.txt"
    quote.write_text("御見積金額: 1,000,000円\n", encoding="utf-8")
    pane = launch(composer)
    fill(pane, to=PARTNER, subject=SUBJECT, body=BODY)
    pane.keys("a")
    pane.wait_for(" Attach file:", what="the attach prompt")
    pane.text(str(quote))
    pane.keys("Enter")
    pane.wait_for(lambda s: "見積書.txt" in s and in_command_mode(s), what="attached")
    open_confirm(pane)
    pane.tick_everything()
    quote.write_text("御見積金額: 9,000,000円\n", encoding="utf-8")  # same size, other content
    pane.confirm_everything(tick=False)
    screen = pane.wait_for(lambda s: "changed after it was checked" in status_line(s),
                           what="the refusal of a changed attachment")
    assert "Not sent: '見積書.txt' changed" in status_line(screen), pane.framed(screen)
    assert field_value(screen, "To") == PARTNER and body_lines(screen) == BODY, pane.framed(screen)
    assert outbox_ids(composer) == []
    time.sleep(1.0)
    composer.server.settle(5)
    assert composer.server.connections == 0, composer.server.summary()


# --------------------------------------------------------------------------
# The hold runs out: exactly one delivery and a sent copy


def test_hold_expires_and_sends_exactly_once(composer):
    set_hold(composer, 3)
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    hold = hold_routine(pane)
    assert re.search(r"seconds? — then it is sent", hold), pane.framed(hold)
    code = pane.wait_exit(20)
    history = pane.screen_with_history()
    assert code == 0, pane.framed(history)
    assert "sent " in history, pane.framed(history)
    composer.server.settle(10)
    assert deliveries(composer.server) == {"hanako@example.jp": 1}, composer.server.summary()
    msg = parse(composer.server.transactions[0].raw)
    assert msg["Subject"] == SUBJECT
    copies = sent_copies(composer)
    assert len(copies) == 1 and copies[0].name.endswith(":2,S"), copies
    assert outbox_ids(composer) == []
    events = list(journal_outcomes(composer).values())
    assert events == [["confirmed", "held", "submitting", "sent"]], events


def test_one_recipient_typed_in_two_cases_gets_one_copy_from_the_composer(composer):
    """`Bob@partner.example` in To and `bob@PARTNER.example` in Cc are one recipient: one row to tick,
    one RCPT TO (the spelling typed first), one copy, one recipient in the outbox record's journal.
    (Outside: the row is ticked there; internal mail with nothing to confirm has no screen.)"""
    set_hold(composer, 2)
    pane = launch(composer)
    fill(pane, to="Bob <Bob@partner.example>", cc="bob@PARTNER.example", subject=SUBJECT, body=BODY)
    screen = open_confirm(pane)
    # The recipient rows (the new-recipient finding above them names the address too).
    rows = [line for line in screen.split("\n") if "<bob@partner.example>" in line.lower()]
    assert len(rows) == 1, pane.framed(screen)
    assert "To 1 · Cc 0 · Bcc 0" in screen, pane.framed(screen)
    pane.confirm_everything()
    pane.wait_for(lambda s: on_hold_screen(s), what="the hold screen")
    code = pane.wait_exit(20)
    assert code == 0, pane.framed(pane.screen_with_history())
    composer.server.settle(10)
    assert [a for a, _ in composer.server.rcpt_attempts] == ["Bob@partner.example"], composer.server.summary()
    assert [tx.rcpt_tos for tx in composer.server.transactions] == [["Bob@partner.example"]], composer.server.summary()
    msg = parse(composer.server.transactions[0].raw)
    assert str(msg["To"]) == "Bob <Bob@partner.example>" and str(msg["Cc"]) == "bob@partner.example", msg
    con = sqlite3.connect("file:%s?mode=ro" % (composer.data_home / "guardmail" / "journal.sqlite"), uri=True)
    try:
        rows = con.execute("SELECT field, address, address_key FROM recipients").fetchall()
    finally:
        con.close()
    assert rows == [("to", "Bob@partner.example", "bob@partner.example")], rows


# --------------------------------------------------------------------------
# One recipient refused: the others get one copy each; S in the outbox retries only the refused


def test_refused_recipient_retried_alone(composer):
    composer.server.handler.refuse["c@example.jp"] = "550 5.1.1 No such user"
    pane = launch(composer)
    fill(pane, to="a@example.jp, b@example.jp, c@example.jp", subject="三人へ", body=["本文"])
    # Internal, nothing to confirm: y goes straight to the hold (0 s here).
    pane.keys("y")
    screen = pane.wait_for(lambda s: "partly sent" in s and "c@example.jp" in s, timeout=20,
                           what="the outbox view with the partly sent message")
    composer.server.settle(10)
    assert deliveries(composer.server) == {"a@example.jp": 1, "b@example.jp": 1}, composer.server.summary()
    assert len(outbox_ids(composer)) == 1

    # The user fixes the address at the server's end; S retries the refused one only.
    del composer.server.handler.refuse["c@example.jp"]
    pane.keys("S")
    pane.wait_for(lambda s: "The outbox is empty" in s, timeout=20, what="the outbox emptied by the retry")
    composer.server.settle(10)
    assert deliveries(composer.server) == {"a@example.jp": 1, "b@example.jp": 1, "c@example.jp": 1}, \
        composer.server.summary()
    assert len(composer.server.transactions) == 2
    assert [tx.rcpt_tos for tx in composer.server.transactions][1] == ["c@example.jp"]
    assert len(sent_copies(composer)) == 1
    events = list(journal_outcomes(composer).values())[0]
    assert events[-1] == "sent" and "partially-sent" in events, events


# --------------------------------------------------------------------------
# While one message is held, write another: the status line counts; u there undoes it


def test_compose_another_while_held_then_undo_from_the_composer(composer):
    set_hold(composer, 60)
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    hold_routine(pane)
    pane.keys("c")
    screen = pane.wait_for(lambda s: "1 held: sends in" in s and field_value(s, "Subject") == "",
                           what="a new message with the held line")
    m = re.search(r"1 held: sends in (\d+) s", screen)
    first = int(m.group(1))
    screen = pane.wait_for(lambda s: (re.search(r"1 held: sends in (\d+) s", s) or [None, str(first)])[1]
                           != str(first), what="the held line counting down")
    # o shows it in the outbox with its countdown.
    pane.keys("Escape")
    pane.keys("o")
    screen = pane.wait_for(lambda s: SUBJECT in s and "sends in" in s, what="the outbox view")
    pane.keys("q")
    pane.wait_for(lambda s: "1 held: sends in" in s and in_command_mode(s), what="back in the composer")
    pane.keys("u")
    screen = pane.wait_for(lambda s: field_value(s, "Subject") == SUBJECT, what="the held message back")
    assert body_lines(screen) == BODY and "held:" not in screen, pane.framed(screen)
    assert outbox_ids(composer) == []
    assert composer.server.connections == 0


# --------------------------------------------------------------------------
# Quitting with a held message asks first


def test_quit_with_a_held_message_asks_for_each(composer):
    set_hold(composer, 60)
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    hold_routine(pane)
    pane.keys("c")
    pane.wait_for(lambda s: "1 held" in s, what="a new message")
    pane.keys("Escape")
    pane.keys("q")
    screen = pane.wait_for(lambda s: "Messages are still held" in s and SUBJECT in s,
                           what="the leaving question")
    pane.keys("d")
    pane.wait_for(lambda s: "Press d again" in s, what="discard asks again")
    pane.keys("d")
    pane.wait_for("(d) discard the message", what="the quit prompt, once nothing is held")
    pane.keys("d")
    assert pane.wait_exit(10) == 0
    assert outbox_ids(composer) == []
    assert composer.server.connections == 0
    assert list(journal_outcomes(composer).values()) == [["confirmed", "held", "discarded"]]


# --------------------------------------------------------------------------
# kill -9 at each state: nothing is sent later without the user


@pytest.mark.parametrize("state", ["editing", "confirming", "holding", "submitting"])
def test_kill9_at_each_state_then_restart(composer, state):
    set_hold(composer, 0 if state == "submitting" else 60)
    if state == "submitting":
        # The server sits on the end of the data: guardmail is killed while it waits.
        composer.server.handler.data_delay = 3.0
    pane = launch(composer)
    # Killed on the confirmation screen: a message that has one (to a partner; internal mail with
    # nothing to confirm has none).
    fill(pane, to=PARTNER if state == "confirming" else TO, subject=SUBJECT, body=BODY)
    if state == "confirming":
        open_confirm(pane)
    elif state == "holding":
        hold_routine(pane)
    elif state == "submitting":
        pane.keys("y")
        deadline = time.monotonic() + 15
        while not composer.server.rcpt_attempts and time.monotonic() < deadline:
            time.sleep(0.05)
        assert composer.server.rcpt_attempts, composer.server.summary()
        time.sleep(0.5)  # into DATA
    else:
        composer.wait_for_draft(lambda d: d.subject == SUBJECT, what="the draft saved")
    pane.kill9()
    time.sleep(1.5)

    again = launch_any(composer)
    if state in ("editing", "confirming"):
        screen = again.wait_for(lambda s: SUBJECT in s and "draft" in s.lower(), what="the draft offered")
        assert outbox_ids(composer) == []
    else:
        word = "interrupted" if state == "holding" else "unknown"
        screen = again.wait_for(lambda s: "guardmail stopped while these messages were waiting" in s
                                and SUBJECT in s and word in s, what="the interrupted message offered")
        assert len(outbox_ids(composer)) == 1
    # Nothing more goes out on its own, however long we wait.
    time.sleep(2.0)
    composer.server.settle(10)
    sent = deliveries(composer.server).get("hanako@example.jp", 0) + deliveries(composer.server).get("hanako@partner.example", 0)
    assert sent <= (1 if state == "submitting" else 0), composer.server.summary()
    if state == "holding":
        # The user releases it: exactly one copy.
        again.keys("S")
        again.wait_for(lambda s: "The outbox is empty" in s, timeout=20, what="sent after release")
        composer.server.settle(10)
        assert deliveries(composer.server) == {"hanako@example.jp": 1}, composer.server.summary()


def launch_any(composer: ComposerHome) -> Pane:
    """Starts the composer without waiting for the editing mode (a question may come first)."""
    return composer.launch(env={"GUARDMAIL_POLICY": NO_ORG_POLICY})


# --------------------------------------------------------------------------
# Ctrl-C on the hold screen: the message stays in the outbox only (no second copy as a draft)


def test_ctrl_c_during_the_hold_leaves_it_interrupted_not_also_a_draft(composer):
    set_hold(composer, 60)
    pane = launch(composer)
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    hold_routine(pane)
    pane.keys("C-c")
    pane.wait_exit(10)
    history = pane.screen_with_history()
    assert "1 message in the outbox was not sent" in history, pane.framed(history)
    assert [d for d in composer.drafts() if d.subject == SUBJECT] == [], composer.drafts()
    assert len(outbox_ids(composer)) == 1
    again = launch_any(composer)
    again.wait_for(lambda s: "guardmail stopped while these messages were waiting" in s and SUBJECT in s
                   and "interrupted" in s, what="the interrupted message offered")
    time.sleep(1.0)
    assert composer.server.connections == 0, composer.server.summary()


def test_undo_keeps_the_ticks_of_what_did_not_change(composer, tmp_path):
    """Issue 15, item 4: after u, the next confirmation screen of the message keeps the tick of
    every item that did not change; what is new is asked again."""
    from test_confirm import status_line as confirm_status, tick_rows
    set_hold(composer, 60)
    note = tmp_path / "議事録.txt"
    note.write_text("議事録\n", encoding="utf-8")
    pane = launch(composer)
    fill(pane, to="hanako@partner.example", subject="議事録", body=["議事録をお送りします。"])
    pane.keys("a")
    pane.wait_for(" Attach file:", what="the attach prompt")
    pane.text(str(note))
    pane.keys("Enter")
    pane.wait_for(lambda s: "議事録.txt" in s and in_command_mode(s), what="attached")
    confirm_and_hold(pane)
    pane.keys("u")
    pane.wait_for(lambda s: "Undone" in status_line(s), what="the composer after u")

    # Unchanged: y shows the screen with every tick kept, and y holds it again at once.
    screen = open_confirm(pane)
    rows = tick_rows(screen)
    assert rows and all(ticked for ticked, _ in rows), pane.framed(screen)
    assert "ticks kept from before the undo" in confirm_status(screen), pane.framed(screen)
    pane.keys("y")
    pane.wait_for(lambda s: on_hold_screen(s) and "Press u to undo" in s, what="the hold screen again")
    pane.keys("u")
    pane.wait_for(lambda s: "Undone" in status_line(s), what="the composer after the second u")

    # A recipient added: the first keeps its tick, the new one has none.
    pane.keys("t")
    pane.editing_mode()
    pane.keys("End")
    pane.text(", jiro@other.example")
    pane.wait_for(lambda s: field_value(s, "To") == "hanako@partner.example, jiro@other.example", what="the new To")
    esc(pane)
    screen = open_confirm(pane)
    rows = dict((text.strip(), ticked) for ticked, text in tick_rows(screen))
    hanako = [ticked for text, ticked in rows.items() if "<hanako@partner.example>" in text]
    jiro = [ticked for text, ticked in rows.items() if "<jiro@other.example>" in text]
    assert hanako == [True] and jiro == [False], pane.framed(screen)
    attachment = [ticked for text, ticked in rows.items() if "議事録.txt" in text]
    assert attachment == [True], pane.framed(screen)
    assert "kept from before the undo" in confirm_status(screen), pane.framed(screen)
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    composer.server.settle(5)
    assert composer.server.connections == 0, composer.server.summary()
