"""End-to-end tests of the composer while a message is being sent, in a real terminal (tmux),
against the fault-injecting server (faultserver.py) withholding a reply.

Submission runs on a thread of its own: when the hold ends the message is handed to it, and the
composer's loop goes on drawing, reading keys and saving drafts while the server takes its time.
The server's answer comes back to the loop, which records it (journal, outbox, sent copy) and
shows it.  Leaving while a message is being sent records what is true at that instant: the
server may have it (the whole message went out) -> unknown; it cannot have it (stopped before
the end of the message) -> interrupted.  Never a second copy, never a lost message.

The tests synchronise on what the server saw (the final dot arrived; a command is waiting for
its reply), never on sleeps: the server withholds its reply until the test calls answer_now().
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from typing import Callable

import pytest

from test_confirm import NO_ORG_POLICY, fill, open_confirm
from test_hold import journal_outcomes, outbox_ids, sent_copies
from tui import TMUX, ComposerHome, Pane, binary_path, body_lines, field_value, in_command_mode, status_line

TO = "山田 花子 <hanako@example.jp>"
SUBJECT = "【確認】来週の会議について"
BODY = ["来週の会議は10時からです。", "資料は当日お配りします。"]
NEXT_SUBJECT = "二通目：議事録の件"
NEXT_BODY = ["議事録は金曜までにお送りします。"]
SENDING_TITLE = "guardmail — sending"
WITHHELD = 300.0  # s: longer than any test; the test ends the wait with answer_now()


@pytest.fixture
def sending_home(tmp_path, fault_server, config_for):
    """make(fault="slow", step=…) -> (ComposerHome, FaultServer). With the `slow` fault the
    server withholds its reply at `step` until the test calls answer_now(); `after_dot` with
    mode="silence" never answers the final dot.  The hold is 0 s."""
    homes = []

    def make(fault: str, **params):
        binary = binary_path()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            pytest.fail("guardmail binary not found at %s" % binary, pytrace=False)
        if not os.path.isfile(TMUX):
            pytest.fail("tmux is not installed (apt-get install tmux)", pytrace=False)
        if fault == "slow":
            params.setdefault("delay", WITHHELD)
        server = fault_server(fault, silence_limit=WITHHELD, idle_timeout=WITHHELD, **params)
        home = ComposerHome(tmp_path / ("gm-%d" % (len(homes) + 1)), config_for(server, hold=0), server, binary)
        homes.append(home)
        return home, server

    yield make
    for home in homes:
        home.close()


def launch(home: ComposerHome) -> Pane:
    pane = home.launch(env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    pane.editing_mode()
    return pane


def wait_server(server, cond: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail("the server never saw %s; %s" % (what, server.summary()), pytrace=False)
        time.sleep(0.05)


def dot_arrived(server) -> bool:
    """The whole message and its final dot reached the server (which withholds its reply)."""
    with server._lock:
        return any(m.complete for m in server.messages)


def waiting_at(server, verb: str) -> bool:
    """The client sent `verb` (its reply is being withheld)."""
    with server._lock:
        return any(line.upper().startswith(verb) for _, line in server.commands)


def final_replies(server):
    """The reply each message gets (decided when the dot arrived; a `slow` fault sends it late)."""
    with server._lock:
        return [m.final_reply for m in server.messages]


def still_waiting(home: ComposerHome) -> bool:
    """guardmail has not had the server's answer: the journal's last word is "submitting" and
    the message is still in the outbox."""
    return list(journal_outcomes(home).values()) == [["confirmed", "held", "submitting"]] and len(outbox_ids(home)) == 1


def confirm_and_send(pane: Pane) -> None:
    fill(pane, to=TO, subject=SUBJECT, body=BODY)
    open_confirm(pane)
    pane.confirm_everything()


def outbox_list(home: ComposerHome) -> str:
    result = subprocess.run([str(home.binary), "outbox", "list"], env=home.env(), cwd=str(home.work),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


# --------------------------------------------------------------------------
# (a) keys, (b) draft autosave, (d) the answer, while the server withholds its final reply


def test_the_composer_works_while_the_server_withholds_its_reply_to_the_final_dot(sending_home):
    home, server = sending_home("slow", step="dot")
    pane = launch(home)
    confirm_and_send(pane)
    wait_server(server, lambda: dot_arrived(server), "the final dot")

    # The hold screen says it is being sent, and only what still makes sense.
    screen = pane.wait_for(lambda s: SENDING_TITLE in s.split("\n")[0] and "waiting for the server's answer" in s,
                           what="the hold screen, sending")
    assert "Too late to undo" in screen and "c Write another" in screen, pane.framed(screen)
    assert "S Send now" not in screen, pane.framed(screen)

    # (a) A new message: every key shows while the server still sits on its reply.
    pane.keys("c")
    pane.wait_for(lambda s: field_value(s, "Subject") == "" and "1 sent; waiting for the server's answer" in s,
                  what="a new message")
    fill(pane, to="佐藤 次郎 <jiro@example.jp>", subject=NEXT_SUBJECT, body=NEXT_BODY)
    # One frame shows both the keys' effect and that no answer has come.
    screen = pane.wait_for(lambda s: field_value(s, "Subject") == NEXT_SUBJECT and body_lines(s) == NEXT_BODY
                           and "1 sent; waiting for the server's answer" in s, what="the new message on screen")
    assert still_waiting(home), journal_outcomes(home)

    # (b) Its draft is saved meanwhile.
    home.wait_for_draft(lambda d: d.subject == NEXT_SUBJECT and d.body.strip() == NEXT_BODY[0],
                        what="the new message's draft")
    assert still_waiting(home), journal_outcomes(home)
    assert "waiting for the server's answer" in pane.screen(), pane.framed()

    # Another guardmail sees it being sent by this one.
    ids = outbox_ids(home)
    assert len(ids) == 1, ids
    assert "sending" in outbox_list(home), outbox_list(home)

    # (d) The server answers: the status line says so; journal, outbox and sent copy agree.
    server.answer_now()
    screen = pane.wait_for(lambda s: re.match(r"sent \S+ to 1 recipient$", status_line(s).strip()),
                           timeout=30, what="the result on the status line")
    assert field_value(screen, "Subject") == NEXT_SUBJECT, pane.framed(screen)
    assert "waiting for the server" not in screen, pane.framed(screen)
    assert outbox_ids(home) == []
    assert len(sent_copies(home)) == 1
    assert list(journal_outcomes(home).values()) == [["confirmed", "held", "submitting", "sent"]]
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()
    assert final_replies(server)[0].startswith("250"), server.summary()


def test_a_server_that_never_answers_ends_as_unknown_while_the_composer_goes_on(sending_home):
    """No reply to the final dot, ever: the submission thread gives up after the final-reply
    timeout (3 s here, GUARDMAIL_SMTP_TIMEOUTS) and the composer, busy with another message
    meanwhile, shows the outcome: unknown, the server may have it; never resent."""
    home, server = sending_home("after_dot", mode="silence")
    pane = home.launch(env={"GUARDMAIL_POLICY": NO_ORG_POLICY, "GUARDMAIL_SMTP_TIMEOUTS": "final=3"})
    pane.editing_mode()
    confirm_and_send(pane)
    wait_server(server, lambda: dot_arrived(server), "the final dot")
    pane.wait_for(lambda s: "waiting for the server's answer" in s, what="the hold screen, sending")
    pane.keys("c")
    pane.wait_for(lambda s: field_value(s, "Subject") == "", what="a new message")
    fill(pane, to="佐藤 次郎 <jiro@example.jp>", subject=NEXT_SUBJECT, body=NEXT_BODY)
    # The status (two rows: it wraps) says what became of the first message.
    screen = pane.wait_for(lambda s: re.search(r"did not answer after the whole message was sent, so it may or may not\s+"
                                               r"have been delivered", s), timeout=30,
                           what="the unknown outcome on the status line")
    assert field_value(screen, "Subject") == NEXT_SUBJECT and body_lines(screen) == NEXT_BODY, pane.framed(screen)
    assert list(journal_outcomes(home).values()) == [["confirmed", "held", "submitting", "unknown"]]
    listing = outbox_list(home)
    assert "unknown:" in listing and "never resent on its own" in listing, listing
    server.settle(10)
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()
    with server._lock:
        assert len(server.messages) == 1, server.summary()


# --------------------------------------------------------------------------
# (c) Ctrl-C while it is being sent


@pytest.mark.parametrize("fault,params", [("slow", {"step": "dot"}), ("after_dot", {"mode": "silence"})],
                         ids=["slow-reply-to-the-dot", "never-answers-the-dot"])
def test_ctrl_c_after_the_final_dot_leaves_it_unknown_and_never_resends(sending_home, fault, params):
    home, server = sending_home(fault, **params)
    pane = launch(home)
    confirm_and_send(pane)
    wait_server(server, lambda: dot_arrived(server), "the final dot")
    pane.wait_for(lambda s: "waiting for the server's answer" in s, what="the hold screen, sending")

    pane.keys("C-c")
    assert pane.wait_exit(10) == 0
    history = pane.screen_with_history()
    said = history.replace("\n", "")  # the pane wraps long lines
    assert "the server may have it" in said and "as unknown" in said, pane.framed(history)
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()

    listing = outbox_list(home)
    assert "unknown:" in listing and "never resent on its own" in listing and SUBJECT in listing, listing
    ids = outbox_ids(home)
    assert len(ids) == 1, ids
    events = list(journal_outcomes(home).values())
    assert events == [["confirmed", "held", "submitting", "unknown"]], events

    # The next start finds it unknown and sends nothing on its own, whatever the server does.
    server.answer_now()
    again = home.launch(env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    again.wait_for(lambda s: "guardmail stopped while these messages were waiting" in s and SUBJECT in s
                   and "unknown" in s, what="the unknown message offered")
    again.keys("q")
    again.wait_for(lambda s: field_value(s, "To") is not None, what="the composer")
    again.keys("C-c")
    again.wait_exit(10)
    server.settle(10)
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()
    with server._lock:
        assert len(server.messages) == 1, server.summary()
    assert outbox_ids(home) == ids


def test_sigterm_while_waiting_for_the_answer_leaves_it_unknown(sending_home):
    """A signal ends the composer the same way as Ctrl-C (exit 128 + 15)."""
    home, server = sending_home("slow", step="dot")
    pane = launch(home)
    confirm_and_send(pane)
    wait_server(server, lambda: dot_arrived(server), "the final dot")
    pane.wait_for(lambda s: "waiting for the server's answer" in s, what="the hold screen, sending")
    os.kill(pane.app_pid(), signal.SIGTERM)
    assert pane.wait_exit(10) == 128 + signal.SIGTERM
    said = pane.screen_with_history().replace("\n", "")
    assert "stopped by signal 15" in said and "the server may have it" in said and "as unknown" in said, said
    assert list(journal_outcomes(home).values()) == [["confirmed", "held", "submitting", "unknown"]]
    assert "unknown:" in outbox_list(home)
    server.answer_now()
    server.settle(10)
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()


def test_ctrl_c_before_the_end_of_the_message_leaves_it_interrupted_and_nothing_arrives(sending_home):
    """The server sits on its reply to DATA: not a byte of the message has gone out. Ctrl-C
    stops the submission before the final dot, so the server cannot have it: interrupted."""
    home, server = sending_home("slow", step="data")
    pane = launch(home)
    confirm_and_send(pane)
    wait_server(server, lambda: waiting_at(server, "DATA"), "DATA")
    pane.wait_for(lambda s: SENDING_TITLE in s.split("\n")[0], what="the hold screen, sending")

    pane.keys("C-c")
    assert pane.wait_exit(10) == 0
    history = pane.screen_with_history()
    said = history.replace("\n", "")  # the pane wraps long lines
    assert "nothing was delivered" in said and "as interrupted" in said, pane.framed(history)

    # The server may now answer: the submission was stopped, no dot follows.
    server.answer_now()
    server.settle(15)
    assert server.copies() == {}, server.summary()
    assert not any(m.complete for m in server.messages), server.summary()
    listing = outbox_list(home)
    assert "interrupted: nothing was sent" in listing and SUBJECT in listing, listing
    events = list(journal_outcomes(home).values())
    assert events == [["confirmed", "held", "submitting", "interrupted"]], events

    # The user releases it: exactly one copy.
    again = home.launch(env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    again.wait_for(lambda s: "guardmail stopped while these messages were waiting" in s and "interrupted" in s,
                   what="the interrupted message offered")
    again.keys("S")
    again.wait_for(lambda s: "The outbox is empty" in s, timeout=30, what="sent after release")
    server.settle(10)
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()


# --------------------------------------------------------------------------
# q while it is being sent: the leaving screen waits for the answer, then asks as usual


def test_quit_while_sending_waits_for_the_answer(sending_home):
    home, server = sending_home("slow", step="dot")
    pane = launch(home)
    confirm_and_send(pane)
    wait_server(server, lambda: dot_arrived(server), "the final dot")
    pane.wait_for(lambda s: "waiting for the server's answer" in s, what="the hold screen, sending")
    pane.keys("c")
    pane.wait_for(lambda s: field_value(s, "Subject") == "" and "1 sent; waiting for the server's answer" in s,
                  what="a new message")
    pane.keys("Escape")
    pane.wait_for(lambda s: in_command_mode(s), what="command mode")
    pane.keys("q")
    pane.wait_for(lambda s: "One being sent is waited for" in s and SUBJECT in s and "waiting for the server" in s,
                  what="the leaving screen")
    assert still_waiting(home), journal_outcomes(home)
    server.answer_now()
    pane.wait_for("(d) discard the message", timeout=30, what="the quit prompt once it was sent")
    pane.keys("d")
    assert pane.wait_exit(10) == 0
    assert outbox_ids(home) == []
    assert server.copies() == {"hanako@example.jp": 1}, server.summary()
    assert list(journal_outcomes(home).values()) == [["confirmed", "held", "submitting", "sent"]]
