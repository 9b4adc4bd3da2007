"""End-to-end tests of issue 15, item 2, "quiet when routine, loud when risky", in a real terminal
(tmux) against the STARTTLS+AUTH SMTP server on 127.0.0.1.  Contracts: docs/policy.md ("The
confirmation screen") and docs/composer.md ("The hold").

- Routine internal mail (no finding above info, every recipient internal) goes straight to the
  hold: no confirmation screen, no ticks; the hold says why.
- Mail to external recipients written to before, with nothing attached: a screen with nothing to
  tick, one key sends.
- `[confirmation] always_full = true` in the organisation policy: the full screen with every
  external recipient ticked, for the same message.
The journal records which path each message took.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import List

from test_compose import CONFIRM_TITLE, only_transaction
from test_confirm import (NO_ORG_POLICY, fill, on_confirm_screen, open_confirm, send_now, status_line,
                          tick_rows)
from test_compose import start
from test_hold import HOLD_TITLE, on_hold_screen, set_hold
from tui import ComposerHome, composer, parse  # noqa: F401

SEND_TIMEOUT = 20.0
HELD_NOTE = "No confirmation needed: internal only, nothing to confirm"
ONE_KEY_NOTE = "Nothing to tick: every external recipient was written to before, no attachment, no finding to confirm. y sends."
KNOWN = "Bob Smith <bob@partner.example>"
KNOWN_ADDR = "bob@partner.example"


def journal_screens(composer: ComposerHome) -> List[str]:
    """Each message's recorded confirmation path, in order (Python's sqlite3: an independent reader)."""
    path = composer.data_home / "guardmail" / "journal.sqlite"
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = con.execute(
            "SELECT c.screen FROM confirmation_screens c JOIN messages m ON m.id = c.message_row ORDER BY m.id").fetchall()
    finally:
        con.close()
    return [screen for (screen,) in rows]


def run(composer: ComposerHome, *args: str, policy: str = NO_ORG_POLICY) -> subprocess.CompletedProcess:
    return subprocess.run([str(composer.binary), *args], capture_output=True, text=True, timeout=30,
                          env=composer.env({"GUARDMAIL_POLICY": policy}), cwd=composer.work)


def org_policy(tmp_path: Path, text: str) -> str:
    folder = tmp_path / "etc"
    folder.mkdir(mode=0o755, exist_ok=True)
    path = folder / "policy.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return str(path)


def test_routine_internal_mail_goes_to_the_hold_without_ticks(composer):
    set_hold(composer, 3)
    pane = start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    fill(pane, to="山田 花子 <hanako@example.jp>", subject="【連絡】昼食", body=["12時に一階で。"])
    pane.keys("y")
    screen = pane.wait_for(lambda s: on_hold_screen(s) and HELD_NOTE in s, what="the hold screen with its note")
    assert CONFIRM_TITLE not in screen and "[ ]" not in screen, pane.framed(screen)
    assert composer.server.connections == 0, "sent before the hold ended; " + composer.server.summary()
    # The hold runs out and the message goes.
    code = pane.wait_exit(SEND_TIMEOUT)
    history = pane.screen_with_history()
    assert code == 0, pane.framed(history)
    assert "accepted: hanako@example.jp" in history, pane.framed(history)
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["hanako@example.jp"], composer.server.summary()
    assert parse(tx.raw)["Subject"] == "【連絡】昼食"

    assert journal_screens(composer) == ["none"]
    listed = run(composer, "journal", "--json")
    assert listed.returncode == 0, listed.stderr
    message_id = str(parse(tx.raw)["Message-ID"]).strip()
    shown = run(composer, "journal", "show", message_id)
    assert shown.returncode == 0, shown.stderr
    assert "Confirmation: held without a confirmation screen (internal only, nothing to confirm)" in shown.stdout, shown.stdout
    report = run(composer, "report", "--since", "all")
    assert report.returncode == 0, report.stderr
    assert "confirmation: 1 held without a screen (nothing to confirm)" in report.stdout, report.stdout


def test_routine_internal_mail_undone_from_the_hold_comes_back_untouched(composer):
    set_hold(composer, 60)
    pane = start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    fill(pane, to="hanako@example.jp", subject="会議室", body=["三階の会議室です。"])
    pane.keys("y")
    pane.wait_for(lambda s: on_hold_screen(s) and HELD_NOTE in s, what="the hold screen with its note")
    pane.keys("u")
    screen = pane.wait_for("Undone: nothing was sent", what="the composer after undo")
    assert "三階の会議室です。" in screen and "会議室" in screen, pane.framed(screen)
    assert composer.server.connections == 0, composer.server.summary()


def send_known_once(composer: ComposerHome) -> None:
    """A first message to KNOWN: new, so the full screen with its tick; then it is written to."""
    pane = start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    fill(pane, to=KNOWN, subject="Hello", body=["Nice to meet you."])
    screen = open_confirm(pane)
    assert any(KNOWN_ADDR in row and not ticked for ticked, row in tick_rows(screen)), pane.framed(screen)
    pane.tick_everything()
    send_now(pane)


def test_known_external_recipient_without_attachment_is_one_key(composer):
    send_known_once(composer)
    pane = start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    fill(pane, to=KNOWN, subject="Again", body=["See you tomorrow."])
    pane.keys("y")
    screen = pane.wait_for(lambda s: on_confirm_screen(s) and "Recipients:" in s, what="the one-key screen")
    assert ONE_KEY_NOTE in screen.replace("\n ", " "), pane.framed(screen)
    assert tick_rows(screen) == [], pane.framed(screen)
    assert "EXTERNAL partner.example" in screen and "written to before" in screen, pane.framed(screen)
    assert "Nothing to tick: y sends" in status_line(screen), pane.framed(screen)
    # Nothing to tick: the legend starts with y, no Space.
    legend = screen.rstrip("\n").split("\n")[-1]
    assert legend.lstrip().startswith("y Send") and "Space" not in legend, pane.framed(screen)
    send_now(pane)
    assert composer.server.settle(10), composer.server.summary()
    assert [tx.rcpt_tos for tx in composer.server.transactions] == [[KNOWN_ADDR], [KNOWN_ADDR]], composer.server.summary()
    assert parse(composer.server.transactions[1].raw)["Subject"] == "Again"
    assert journal_screens(composer) == ["full", "one-key"]


def test_organisation_switch_forces_the_full_screen(composer, tmp_path):
    send_known_once(composer)
    policy = org_policy(tmp_path, "[confirmation]\nalways_full = true\n")
    shown = run(composer, "policy", policy=policy)
    assert shown.returncode == 0, shown.stderr
    line = [l for l in shown.stdout.split("\n") if l.startswith("confirmation.always_full")]
    assert line and "= true" in line[0] and "organisation (%s:2)" % policy in line[0], shown.stdout

    pane = start(composer, env={"GUARDMAIL_POLICY": policy})
    fill(pane, to=KNOWN, subject="Again", body=["See you tomorrow."])
    screen = open_confirm(pane)
    assert "Nothing to tick" not in screen and "written to before" not in screen, pane.framed(screen)
    assert [(ticked, KNOWN_ADDR in row) for ticked, row in tick_rows(screen)] == [(False, True)], pane.framed(screen)
    pane.keys("y")
    screen = pane.wait_for(lambda s: "Still to tick (space): 1 external recipient" in status_line(s), what="y refused")
    assert composer.server.settle(10) and len(composer.server.transactions) == 1, composer.server.summary()
    pane.tick_everything()
    send_now(pane)
    assert composer.server.settle(10) and len(composer.server.transactions) == 2, composer.server.summary()

    # Routine internal mail too gets the screen.
    pane = start(composer, env={"GUARDMAIL_POLICY": policy})
    fill(pane, to="hanako@example.jp", subject="昼食", body=["12時に。"])
    screen = open_confirm(pane)
    assert HELD_NOTE not in screen, pane.framed(screen)
    send_now(pane)
    assert journal_screens(composer) == ["full", "full", "full"]
