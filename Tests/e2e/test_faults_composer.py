"""The fault matrix's composer column: the composer (tmux) against every fault of
test_faults.FAULTS, submitting on its own thread.

For each fault: write a message to three recipients, confirm, let the hold (0 s) end, and wait
for what the composer shows (it ends after a send to everyone; otherwise its outbox view says
why).  Then the outbox state (state.toml), the journal (sqlite3) and the server's copies are
checked; the composer is left with Ctrl-C; the server is healed and the user releases the
message from the command line: everyone has exactly one copy -- except a message whose outcome
is unknown, which nothing sends again (one copy, from the first attempt).

While guardmail runs, a temporary failure is retried by the composer itself (in 30 s and
more), so it reads `failed-temporarily` where `send` (which ends at once) reads `interrupted`.
No assertion is about time.
"""

from __future__ import annotations

import os
import subprocess

import pytest

import test_faults as faults
from test_confirm import fill, open_confirm
from tui import TMUX, ComposerHome, binary_path

SUBJECT = "故障試験（作成画面）"
BODY = ["お世話になっております。", "故障試験の本文です。"]


def composer_state(case: faults.Fault) -> str:
    """The outbox state the composer leaves while it runs ("" = sent and gone)."""
    if case.send_state == "interrupted":
        return "failed-temporarily"
    return case.send_state


def composer_journal(case: faults.Fault) -> str:
    return "failed-temporarily" if case.send_journal == "interrupted" else case.send_journal


def outcome_shown(screen: str, case: faults.Fault) -> bool:
    """The outbox view, opened once the attempt ended (after its state was written), shows the
    message: `Not sent yet: …` for a temporary failure, the reason otherwise."""
    if not ("Outbox" in screen.split("\n")[0] and SUBJECT in screen):
        return False
    temporary = "Not sent yet:" in screen
    return temporary == (composer_state(case) == "failed-temporarily")


@pytest.mark.parametrize("case", faults.FAULTS, ids=[c.id for c in faults.FAULTS])
def test_composer(config_for, fault_server, tmp_path, case: faults.Fault):
    binary = binary_path()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail("guardmail binary not found at %s" % binary, pytrace=False)
    if not os.path.isfile(TMUX):
        pytest.fail("tmux is not installed (apt-get install tmux)", pytrace=False)
    server = faults.start_fault(fault_server, case)
    home = ComposerHome(tmp_path / "gm", faults.config_text(config_for, server), server, binary)
    try:
        pane = home.launch(env=faults.env_for(case.timeouts))
        pane.editing_mode()
        fill(pane, to=", ".join(faults.SEND_RCPTS[:2]), cc=faults.SEND_RCPTS[2], subject=SUBJECT, body=BODY)
        if case.big:
            pane.keys("a")
            pane.wait_for(" Attach file:", what="the attach prompt")
            pane.text(str(faults.make_attachment(tmp_path)))
            pane.keys("Enter")
            pane.wait_for(lambda s: "data.csv" in s, what="attached")
        open_confirm(pane)
        pane.confirm_everything()

        state = composer_state(case)
        if not state:
            assert pane.wait_exit(faults.RUN_TIMEOUT) == 0, pane.framed(pane.screen_with_history())
        else:
            pane.wait_for(lambda s: outcome_shown(s, case), timeout=faults.RUN_TIMEOUT,
                          what="the outbox view with the outcome")
        states = faults.outbox_states(home)
        assert list(states.values()) == ([state] if state else []), (states, server.summary())
        events = faults.only_journal_events(home)
        assert events[-1] == composer_journal(case), events
        if not state:
            assert server.copies() == {a: 1 for a in faults.SEND_RCPTS}, server.summary()
            return

        pane.keys("C-c")
        assert pane.wait_exit(15) == 0, pane.framed(pane.screen_with_history())
        copies = server.copies()
        if state == "unknown":
            # The server has it and never said so: one copy; nothing sends it again on its own.
            assert copies == {a: 1 for a in faults.SEND_RCPTS}, server.summary()
            server.heal()
            listing = subprocess.run([str(binary), "outbox", "list"], env=home.env(faults.env_for()),
                                     capture_output=True, text=True, timeout=faults.RUN_TIMEOUT)
            assert listing.returncode == 0 and "unknown" in listing.stdout, listing.stdout + listing.stderr
            assert server.copies() == copies, server.summary()
            return
        expected = {a: 1 for a in faults.SEND_RCPTS if a not in case.send_refused} if state == "partially-sent" else {}
        assert copies == expected, server.summary()

        # The server is fixed; the user releases the message: everyone has exactly one copy.
        server.heal()
        (outbox_id,) = states
        released = subprocess.run([str(binary), "outbox", "release", outbox_id], env=home.env(faults.env_for(case.timeouts)),
                                  capture_output=True, text=True, timeout=faults.RUN_TIMEOUT)
        assert released.returncode == 0, released.stdout + released.stderr + "\n" + server.summary()
        assert server.copies() == {a: 1 for a in faults.SEND_RCPTS}, server.summary()
        assert faults.outbox_states(home) == {}
        assert faults.only_journal_events(home)[-1] == "sent"
    finally:
        home.close()
