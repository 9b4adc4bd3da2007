"""End-to-end tests of the confirmation screen (`y` in the composer) in a real terminal (tmux),
against the STARTTLS+AUTH SMTP server on 127.0.0.1.  Contracts: docs/policy.md (rules,
severities, fixes) and Sources/TUI/ConfirmView.swift (layout).

The screen: a title, the truth line (`To n · Cc n · Bcc n · external m in k domains · attachments
k · hold n s (or no hold) · from …`; after `I`, `One message to each of n recipients · …`),
the findings (`[ ] CONFIRM rule-id: message`, `BLOCK …` without a box), the recipients grouped
under `EXTERNAL domain` / `INTERNAL domain`, the attachments with their sha256, a status line
and the legend.  Every external recipient, every attachment and every `confirm` finding must
be ticked (Space, one item at a time) before `y` sends; a `block` finding cannot be ticked.
`I` (one message each) only switches the mode: the screen is built again for the one-each
messages, with the policy run again and nothing ticked.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import List, Optional, Tuple

from test_compose import CONFIRM_TITLE, addresses, attach, esc, only_transaction, start
from tui import (ComposerHome, Pane, attachments, body_lines, body_text, composer,  # noqa: F401
                 field_value, in_command_mode, legend_entries, parse)

SENDER = "taro@example.jp"
SEND_TIMEOUT = 20.0
NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"  # never the machine's /etc file

# The legend, most important first (issue 15): the keys that do something on this screen (B and I
# only when a finding offers the fix, v only when an attachment's text was read, Enter only with
# a group of findings), as many as fit, then `? More keys` when some are left out.
CONFIRM_LEGEND = [("Space", "Tick"), ("y", "Send"), ("q", "Back"), ("B", "Fix: to Bcc"), ("I", "Fix: one each"),
                  ("↑↓", "Move"), ("Enter", "Open/close"), ("v", "View text"), ("/", "Search"), ("n", "Next")]

# The hold before sending is not what these tests are about: the composer home's config
# (config_for) sets a hold of 0 s.


# --------------------------------------------------------------------------
# Reading the confirmation screen

FINDING_ROW = re.compile(r"^ (\[[ x]\]|   ) (BLOCK|CONFIRM|INFO) +([a-z-]+): (.*)$")
CONTINUATION = re.compile(r"^ {13}(\S.*)$")
TICK_ROW = re.compile(r"^ +\[([ x])\] (.*)$")


def findings(screen: str) -> List[Tuple[Optional[bool], str, str, str]]:
    """[(ticked or None when there is no box, SEVERITY, rule-id, message)]"""
    out = []
    last = None
    for line in screen.split("\n"):
        m = FINDING_ROW.match(line)
        if m:
            box = m.group(1)
            out.append((None if box == "   " else box == "[x]", m.group(2), m.group(3), m.group(4)))
            last = len(out) - 1
            continue
        more = CONTINUATION.match(line)
        if more and last is not None:
            # A long message wraps under its text: the lines are joined again.
            ticked, severity, rule, message = out[last]
            joiner = "" if message[-1:] and ord(message[-1]) > 0x2e7f and ord(more.group(1)[0]) > 0x2e7f else " "
            out[last] = (ticked, severity, rule, message + joiner + more.group(1))
        else:
            last = None
    return out


def rule_ids(screen: str) -> List[str]:
    return [rule for _, _, rule, _ in findings(screen)]


def tick_rows(screen: str) -> List[Tuple[bool, str]]:
    """Every row with a tick box, in screen order: (ticked, the rest of the row)."""
    return [(m.group(1) == "x", m.group(2)) for m in map(TICK_ROW.match, screen.split("\n")) if m]


def ticked_count(screen: str) -> int:
    return sum(1 for ticked, _ in tick_rows(screen) if ticked)


def truth_line(screen: str) -> str:
    """The truth line, joined again when it wraps (its parts are kept whole on a line)."""
    lines = screen.split("\n")
    out = []
    for line in lines[1:]:
        if line.startswith("─"):
            break
        out.append(line.strip())
    return " ".join(out)


def status_line(screen: str) -> str:
    """Every status row between the second rule and the legend, joined: a block's reason is
    always the first of them while the block holds, other messages come under it (issue 15)."""
    lines = screen.split("\n")
    # The rule above the status may carry the list's position (` 12/3049 `).
    rules = [i for i, line in enumerate(lines) if line.startswith("─")]
    assert len(rules) >= 2, "expected two rule lines (the status follows the second):\n" + screen
    rows = [line.strip() for line in lines[rules[-1] + 1:] if line.strip()]
    return " ".join(rows[:-1])


def confirm_legend(screen: str) -> List[Tuple[str, str]]:
    """The legend's entries: the last row of the screen (every row after `?`)."""
    rows = [line for line in screen.split("\n") if line.strip()]
    return legend_entries(rows[-1:])


def assert_confirm_legend(screen: str) -> None:
    entries = confirm_legend(screen)
    first = [("Space", "Tick"), ("y", "Send"), ("q", "Back")]
    # With nothing to tick (the status says so) Space would do nothing: y comes first.
    if "Nothing to tick" in status_line(screen):
        first = first[1:]
        assert ("Space", "Tick") not in entries, screen
    assert entries[:len(first)] == first, screen
    shown = [e for e in entries if e != ("?", "More keys")]
    assert all(e in CONFIRM_LEGEND for e in shown), screen
    # In order of importance.
    assert shown == sorted(shown, key=CONFIRM_LEGEND.index), screen


def on_confirm_screen(screen: str) -> bool:
    return screen.split("\n")[0].strip() == CONFIRM_TITLE


def open_confirm(pane: Pane) -> str:
    pane.keys("y")
    screen = pane.wait_for(lambda s: on_confirm_screen(s) and "Recipients:" in s,
                           what="the confirmation screen")
    assert_confirm_legend(screen)
    return screen


def launch(composer: ComposerHome, **kwargs) -> Pane:
    return start(composer, env={"GUARDMAIL_POLICY": NO_ORG_POLICY}, **kwargs)


def fill(pane: Pane, *, to="", cc="", bcc="", subject="", body: List[str] = ()) -> str:
    """Types every field from the To field (where the composer starts), ends in command mode."""
    for index, value in enumerate((to, cc, bcc, subject)):
        if index:
            pane.keys("Tab")
        if value:
            pane.text(value)
    pane.keys("Tab")
    for index, line in enumerate(body):
        if index:
            pane.keys("Enter")
        pane.text(line)
    pane.wait_for(lambda s: body_lines(s) == list(body), what="the body typed")
    return esc(pane)


def assert_refused(pane: Pane, server, expect_status: str) -> str:
    """y on the confirmation screen must not send.  The status after y reads like the one
    before it; the caller's next key (whose effect it waits for) proves y was handled, since
    keys are handled in order."""
    pane.keys("y")
    screen = pane.wait_for(lambda s: expect_status in status_line(s),
                           what="status %r after y" % expect_status)
    assert on_confirm_screen(screen), pane.framed(screen)
    assert pane.exit_status() is None, pane.framed(screen)
    assert server.connections == 0, "y connected before everything was ticked; " + server.summary()
    return screen


def tick_next(pane: Pane, before: str) -> str:
    """Space on the current row (the cursor then moves on); waits for one more [x]."""
    count = ticked_count(before)
    pane.keys("Space")
    return pane.wait_for(lambda s: ticked_count(s) == count + 1, what="%d ticked" % (count + 1))




def send_now(pane: Pane) -> str:
    """y, answering any challenge the screen asks (`Pane.confirm_everything`), then guardmail's exit."""
    pane.confirm_everything(tick=False)
    code = pane.wait_exit(SEND_TIMEOUT)
    out = pane.wait_for("[guardmail exited", what="the shell after guardmail")
    history = pane.screen_with_history()
    assert code == 0, pane.framed(history)
    return history


# --------------------------------------------------------------------------
# (a) Bcc to two external domains, with an attachment: tick one by one


NOTE_NAME = "議事録_0601.txt"
NOTE_TEXT = "定例会議 議事録\n出席: 山田, 鈴木\n次回: 6月8日\n"
BCC_A = "ichiro@client.co.jp, Bob Smith <bob@partner.example.com>"


def test_ticks_one_by_one_then_send(composer, tmp_path):
    note = tmp_path / NOTE_NAME
    note.write_bytes(NOTE_TEXT.encode("utf-8"))
    digest = hashlib.sha256(note.read_bytes()).hexdigest()

    pane = launch(composer)
    fill(pane, bcc=BCC_A, subject="議事録の送付", body=["関係者各位", "先日の議事録です。"])
    attach(pane, str(note))
    screen = open_confirm(pane)

    truth = truth_line(screen)
    assert truth.startswith("To 0 · Cc 0 · Bcc 2 · external 2 in 2 domains · attachments 1"), \
        pane.framed(screen)
    assert "· from 山田 太郎" in truth, pane.framed(screen)
    assert "· no hold ·" in truth, pane.framed(screen)  # the home's config: a hold of 0 s
    # Bcc recipients see nobody: not a bulk incident, nothing blocks.
    assert "bulk-visible-recipients" not in screen, pane.framed(screen)
    got = findings(screen)
    assert [(t, sev, rule) for t, sev, rule, _ in got] == [
        (False, "CONFIRM", "new-domain"), (False, "CONFIRM", "external-attachment"),
        (None, "INFO", "new-recipient")], pane.framed(screen)
    assert "client.co.jp" in got[0][3] and "partner.example.com" in got[0][3], pane.framed(screen)
    lines = screen.split("\n")
    for domain in ("client.co.jp", "partner.example.com"):
        assert any(re.match(r"^ EXTERNAL %s  1 recipient\b.*\bNEW\b" % re.escape(domain), l)
                   for l in lines), pane.framed(screen)
    assert any(re.match(r"^   \[ \] Bcc  <ichiro@client\.co\.jp>  NEW$", l) for l in lines), \
        pane.framed(screen)
    assert any(re.match(r"^   \[ \] Bcc  Bob Smith <bob@partner\.example\.com>  NEW$", l)
               for l in lines), pane.framed(screen)
    assert "INTERNAL" not in screen, pane.framed(screen)
    # The attachment: its name once, its size, its type, the start of its sha256.
    rows = [text for _, text in tick_rows(screen) if NOTE_NAME in text]
    assert len(rows) == 1, pane.framed(screen)
    assert rows[0].count(NOTE_NAME) == 1, "the file name is shown twice\n" + pane.framed(screen)
    assert ("sha256 %s…" % digest[:12]) in rows[0], pane.framed(screen)
    assert "定例会議 議事録" in screen, "the text preview\n" + pane.framed(screen)

    # Nothing is ticked: y refuses, naming everything that is missing.
    required = 5  # 2 findings, 2 recipients, 1 attachment
    assert len(tick_rows(screen)) == required, pane.framed(screen)
    screen = assert_refused(pane, composer.server,
                            "Still to tick (space): 2 external recipients, 1 attachment, 2 findings")
    for n in range(1, required + 1):
        screen = tick_next(pane, screen)
        assert ticked_count(screen) == n, pane.framed(screen)
        assert on_confirm_screen(screen) and composer.server.connections == 0, \
            composer.server.summary()
        if n < required:
            screen = assert_refused(pane, composer.server, "Still to tick (space): ")
            assert ticked_count(screen) == n, pane.framed(screen)
    assert "Everything is ticked" in status_line(screen), pane.framed(screen)
    assert composer.server.connections == 0, composer.server.summary()

    out = send_now(pane)
    assert "accepted: ichiro@client.co.jp" in out and "accepted: bob@partner.example.com" in out, \
        pane.framed(out)
    tx = only_transaction(composer.server)
    assert sorted(tx.rcpt_tos) == ["bob@partner.example.com", "ichiro@client.co.jp"]
    assert not re.search(rb"(?im)^bcc[ \t]*:", tx.raw), "a Bcc header went out"
    for address in (b"ichiro@client.co.jp", b"bob@partner.example.com"):
        assert address not in tx.raw.lower(), "a Bcc address is in the transmitted message"
    msg = parse(tx.raw)
    parts = attachments(msg)
    assert [p.get_filename() for p in parts] == [NOTE_NAME]
    assert hashlib.sha256(parts[0].get_payload(decode=True)).hexdigest() == digest


# --------------------------------------------------------------------------
# (b) Five external domains in To (a real bulk, docs/policy.md): blocked; B moves them to Bcc.
# Fewer domains are asked about, not blocked (test (b2) below).


TO_B = ["ichiro@client.co.jp", "Bob Smith <bob@partner.example.com>",
        "佐藤 花子 <hanako@torihiki.jp>", "kaori@shiire.co.jp", "ken@unso.example"]
TO_B_ADDRS = ["ichiro@client.co.jp", "bob@partner.example.com", "hanako@torihiki.jp",
              "kaori@shiire.co.jp", "ken@unso.example"]


def test_bulk_block_and_move_to_bcc_fix(composer):
    pane = launch(composer, width=240)
    fill(pane, to=", ".join(TO_B), subject="【ご案内】説明会のお知らせ",
         body=["各位", "説明会を開催いたします。"])
    screen = open_confirm(pane)
    assert truth_line(screen).startswith("To 5 · Cc 0 · Bcc 0 · external 5 in 5 domains"), \
        pane.framed(screen)
    got = findings(screen)
    assert got and got[0][:3] == (None, "BLOCK", "bulk-visible-recipients"), pane.framed(screen)
    assert "5 external recipients in 5 domains" in got[0][3], pane.framed(screen)

    screen = assert_refused(pane, composer.server, "Blocked by bulk-visible-recipients")
    status = status_line(screen)
    assert "B: external To/Cc to Bcc" in status, pane.framed(screen)
    assert "I: one message each, checked again" in status, pane.framed(screen)
    # Ticking everything (many-domains, new-domain and the 5 recipients) does not lift a block.
    for _ in range(7):
        screen = tick_next(pane, screen)
    assert len(tick_rows(screen)) == ticked_count(screen) == 7, pane.framed(screen)
    screen = assert_refused(pane, composer.server, "Blocked by bulk-visible-recipients")
    assert "Still to tick" not in status_line(screen), pane.framed(screen)

    pane.keys("B")
    screen = pane.wait_for(lambda s: on_confirm_screen(s)
                           and truth_line(s).startswith("To 0 · Cc 0 · Bcc 5"),
                           what="the screen rebuilt with the recipients in Bcc")
    assert "bulk-visible-recipients" not in screen, pane.framed(screen)
    assert "BLOCK" not in [sev for _, sev, _, _ in findings(screen)], pane.framed(screen)
    assert ticked_count(screen) == 0, "a rebuilt screen starts with nothing ticked\n" + \
        pane.framed(screen)
    lines = screen.split("\n")
    for address in TO_B_ADDRS:
        assert any(re.match(r"^   \[ \] Bcc  .*<%s>" % re.escape(address), l) for l in lines), \
            "%s not listed under Bcc\n%s" % (address, pane.framed(screen))
    assert not any(re.match(r"^   \[[ x]\] (To|Cc) ", l) for l in lines), pane.framed(screen)

    pane.tick_everything()
    send_now(pane)
    tx = only_transaction(composer.server)
    assert sorted(tx.rcpt_tos) == sorted(TO_B_ADDRS), composer.server.summary()
    msg = parse(tx.raw)
    visible = [a for _, a in addresses(msg, "To") + addresses(msg, "Cc")]
    assert set(visible) <= {SENDER}, "recipients are visible in To/Cc: %r" % visible
    if msg["To"] is not None and not visible:
        assert "undisclosed-recipients" in str(msg["To"]), str(msg["To"])
    assert msg["Cc"] is None or addresses(msg, "Cc") == [], str(msg["Cc"])
    assert not re.search(rb"(?im)^bcc[ \t]*:", tx.raw), "a Bcc header went out"
    for address in TO_B_ADDRS:
        assert address.encode() not in tx.raw.lower(), "%s is in the transmitted message" % address
    assert body_text(msg) == "各位\n説明会を開催いたします。\n"


# --------------------------------------------------------------------------
# (b2) A client in To and a partner in Cc: asked, not blocked (issue 15 item 3); once that mail
# went, the two are a known group and nothing is asked about them.


def test_a_client_and_a_partner_are_asked_then_a_known_group(composer):
    to, cc = "鈴木 一郎 <ichiro@client.co.jp>", "Bob <bob@partner.example.com>"
    pane = launch(composer, width=160)
    fill(pane, to=to, cc=cc, subject="打ち合わせの件", body=["鈴木様", "打ち合わせの日程をご相談させてください。"])
    screen = open_confirm(pane)
    bulk = [f for f in findings(screen) if f[2] == "bulk-visible-recipients"]
    assert [f[:2] for f in bulk] == [(False, "CONFIRM")], pane.framed(screen)
    assert "never written to together before: client.co.jp and partner.example.com" in bulk[0][3], \
        pane.framed(screen)
    assert "BLOCK" not in [sev for _, sev, _, _ in findings(screen)], pane.framed(screen)
    pane.tick_everything()
    send_now(pane)
    assert sorted(only_transaction(composer.server).rcpt_tos) == ["bob@partner.example.com", "ichiro@client.co.jp"]

    # The same two again, the other way round: the journal knows them together.
    pane = launch(composer, width=160)
    fill(pane, to=cc, cc=to, subject="打ち合わせの件（再送）", body=["Bob-san", "日程の件です。"])
    screen = open_confirm(pane)
    assert "bulk-visible-recipients" not in rule_ids(screen), pane.framed(screen)
    # A third company is asked about once more.
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    pane.keys("c")
    pane.editing_mode()
    pane.keys("End")
    pane.text(", hanako@torihiki.jp")
    pane.wait_for(lambda s: field_value(s, "Cc") == to + ", hanako@torihiki.jp", what="the new Cc")
    esc(pane)
    screen = open_confirm(pane)
    bulk = [f for f in findings(screen) if f[2] == "bulk-visible-recipients"]
    assert [f[:2] for f in bulk] == [(False, "CONFIRM")], pane.framed(screen)
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s))
    assert pane.discard_long_draft() == 0


# --------------------------------------------------------------------------
# (c) A forgotten attachment; q keeps everything; attaching removes the finding


TO_C = "鈴木 一郎 <ichiro@example.jp>"  # internal: the sender's own domain
BODY_C = ["鈴木さん", "資料を添付します。", "ご確認ください。"]
SUBJECT_C = "会議資料の件"


def test_forgotten_attachment_back_and_attach(composer, tmp_path):
    doc = tmp_path / "会議資料.txt"
    doc.write_bytes("資料の本文\n".encode("utf-8"))
    # A hold of 2 s, so that the hold screen can be read once the finding is gone.
    composer.config_path.write_text(re.sub(r"(?m)^(hold_(?:internal|external)_seconds) = \d+$", r"\1 = 2",
                                           composer.config_path.read_text(encoding="utf-8")), encoding="utf-8")

    pane = launch(composer)
    before = fill(pane, to=TO_C, subject=SUBJECT_C, body=BODY_C)
    screen = open_confirm(pane)
    assert truth_line(screen).startswith("To 1 · Cc 0 · Bcc 0 · external 0 in 0 domains · "
                                         "attachments 0"), pane.framed(screen)
    got = findings(screen)
    assert [(t, sev, rule) for t, sev, rule, _ in got] == [
        (False, "CONFIRM", "forgotten-attachment")], pane.framed(screen)
    assert got[0][3] == "line 2 says '添付' but nothing is attached", pane.framed(screen)
    lines = screen.split("\n")
    assert any(l.startswith(" INTERNAL example.jp  1 recipient") for l in lines), pane.framed(screen)
    # An internal recipient needs no tick: only the finding is tickable.
    assert len(tick_rows(screen)) == 1, pane.framed(screen)

    pane.keys("q")
    screen = pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s),
                           what="back in the composer")
    assert "Not sent" in status_line(screen), pane.framed(screen)
    for label in ("To", "Cc", "Bcc", "Subject"):
        assert field_value(screen, label) == field_value(before, label), pane.framed(screen)
    assert field_value(screen, "To") == TO_C and field_value(screen, "Subject") == SUBJECT_C
    assert body_lines(screen) == BODY_C, pane.framed(screen)
    assert composer.server.connections == 0

    attach(pane, str(doc))
    pane.wait_for(lambda s: doc.name in "\n".join(l for l in s.split("\n") if l.startswith(" Attach:")),
                  what="the attachment row")
    # The finding is gone, and the recipient is internal: nothing is left to confirm, so y goes
    # straight to the hold (issue 15), which says why and shows the file.
    pane.keys("y")
    screen = pane.wait_for(lambda s: "No confirmation needed: internal only, nothing to confirm" in s,
                           what="the hold screen without a confirmation")
    assert not on_confirm_screen(screen), pane.framed(screen)
    assert "forgotten-attachment" not in screen, pane.framed(screen)
    assert findings(screen) == [], pane.framed(screen)
    assert re.search(r"Attachment: *%s \(" % re.escape(doc.name), screen), pane.framed(screen)
    code = pane.wait_exit(SEND_TIMEOUT)
    assert code == 0, pane.framed(pane.screen_with_history())
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["ichiro@example.jp"]
    msg = parse(tx.raw)
    assert body_text(msg) == "\n".join(BODY_C) + "\n"
    assert [p.get_filename() for p in attachments(msg)] == [doc.name]


# --------------------------------------------------------------------------
# (d) Going back and changing a recipient clears every tick


def test_back_and_edit_clears_ticks(composer, tmp_path):
    note = tmp_path / "見積書.txt"
    note.write_bytes("見積金額: 1,000,000円\n".encode("utf-8"))

    pane = launch(composer)
    fill(pane, to="ichiro@client.co.jp", subject="お見積り", body=["お見積りをお送りします。"])
    attach(pane, str(note))
    screen = open_confirm(pane)
    total = len(tick_rows(screen))
    assert total == 4, pane.framed(screen)  # new-domain, external-attachment, ichiro, the file
    assert ticked_count(screen) == 0
    screen = tick_next(pane, screen)
    screen = tick_next(pane, screen)
    screen = tick_next(pane, screen)
    assert ticked_count(screen) == 3, pane.framed(screen)

    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    pane.keys("t")
    pane.editing_mode()
    pane.keys("End")
    pane.text(", jiro@client.co.jp")
    pane.wait_for(lambda s: field_value(s, "To") == "ichiro@client.co.jp, jiro@client.co.jp",
                  what="the edited To")
    esc(pane)
    screen = open_confirm(pane)
    assert truth_line(screen).startswith("To 2 · Cc 0 · Bcc 0 · external 2 in 1 domain "), \
        pane.framed(screen)
    rows = tick_rows(screen)
    assert len(rows) == 5, pane.framed(screen)
    assert [t for t, _ in rows] == [False] * 5, "ticks survived the edit\n" + pane.framed(screen)
    assert any("<jiro@client.co.jp>" in text for _, text in rows), pane.framed(screen)
    assert "Still to tick (space): 2 external recipients, 1 attachment, 2 findings" in \
        status_line(screen), pane.framed(screen)

    # Leave without sending.
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s))
    assert pane.discard_long_draft() == 0
    assert composer.server.settle(10)
    assert composer.server.connections == 0, composer.server.summary()


# --------------------------------------------------------------------------
# (e) A look-alike of a domain written to before: marked, blocked, no fix offered


def seed_sent(composer: ComposerHome, to: str) -> None:
    cur = composer.data_home / "guardmail" / "sent" / "cur"
    cur.mkdir(parents=True, exist_ok=True)
    (cur / "1780000000.M1P1.e2e-seed:2,S").write_bytes(
        ("From: taro@example.jp\r\nTo: %s\r\nSubject: seed\r\n"
         "Message-ID: <seed@example.jp>\r\n\r\nseed\r\n" % to).encode("ascii"))


def test_lookalike_marked_and_blocked(composer):
    seed_sent(composer, "info@yamada-shoji.co.jp")
    pane = launch(composer, width=140)
    fill(pane, to="山田商事 <eigyo@yarnada-shoji.co.jp>", subject="ご注文の確認",
         body=["ご注文を確認しました。"])
    screen = open_confirm(pane)
    got = findings(screen)
    assert got and got[0][:3] == (None, "BLOCK", "lookalike-domain"), pane.framed(screen)
    assert got[0][3].startswith("yarnada-shoji.co.jp looks like yamada-shoji.co.jp"), \
        pane.framed(screen)
    lines = screen.split("\n")
    domain_row = [l for l in lines if l.startswith(" EXTERNAL yarnada-shoji.co.jp")]
    assert len(domain_row) == 1 and "LOOK-ALIKE OF yamada-shoji.co.jp" in domain_row[0], \
        pane.framed(screen)

    assert_refused(pane, composer.server, "Blocked by lookalike-domain")
    # Neither fix applies to a look-alike: B and I are refused, nothing is sent.
    pane.keys("B")
    screen = pane.wait_for(lambda s: "No finding offers that fix." in status_line(s),
                           what="B refused")
    assert on_confirm_screen(screen) and truth_line(screen).startswith("To 1 · Cc 0 · Bcc 0"), \
        pane.framed(screen)
    pane.keys("Space")  # any key clears the status
    pane.wait_for(lambda s: "No finding offers that fix." not in status_line(s))
    pane.keys("I")
    pane.wait_for(lambda s: "No finding offers that fix." in status_line(s), what="I refused")
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s))
    assert pane.discard_long_draft() == 0
    assert composer.server.settle(10)
    assert composer.server.connections == 0, composer.server.summary()


# --------------------------------------------------------------------------
# (f) I: one message each is checked again, never sent unchecked


TO_F_LOOKALIKE = "山田商事 <eigyo@yarnada-shoji.co.jp>"
TO_F = ["ichiro@client.co.jp", "Bob Smith <bob@partner.example.com>"]
TO_F_FIXED = TO_F + ["佐藤 花子 <hanako@torihiki.jp>"]
TO_F_FIXED_ADDRS = ["ichiro@client.co.jp", "bob@partner.example.com", "hanako@torihiki.jp"]


def tick_all_rows(pane: Pane, screen: str) -> str:
    """Space on every tickable row (a screen that stays blocked never says "Everything is
    ticked")."""
    total = len(tick_rows(screen))
    pane.keys("Home")
    for _ in range(total):
        screen = tick_next(pane, screen)
    assert ticked_count(screen) == total, pane.framed(screen)
    return screen


def test_one_each_is_checked_again_then_sends_one_message_per_recipient(composer):
    seed_sent(composer, "info@yamada-shoji.co.jp")
    pane = launch(composer, width=160)
    fill(pane, to=", ".join(TO_F + [TO_F_LOOKALIKE]), subject="【ご案内】説明会のお知らせ",
         body=["各位", "説明会を開催いたします。"])
    screen = open_confirm(pane)
    # Three domains are asked about (below a bulk size); the look-alike blocks.
    assert [(sev, rule) for _, sev, rule, _ in findings(screen)][:2] == [
        ("BLOCK", "lookalike-domain"), ("CONFIRM", "bulk-visible-recipients")], pane.framed(screen)
    assert ticked_count(screen) == 0, pane.framed(screen)

    # I with nothing ticked: the screen is rebuilt for one message each; nothing is sent.
    pane.keys("I")
    screen = pane.wait_for(lambda s: on_confirm_screen(s) and truth_line(s).startswith(
        "One message to each of 3 recipients · external 3 in 3 domains"), what="the one-each screen")
    assert "one message to each" in screen, pane.framed(screen)
    got = findings(screen)
    assert "bulk-visible-recipients" not in rule_ids(screen), pane.framed(screen)
    assert got and got[0][:3] == (None, "BLOCK", "lookalike-domain"), pane.framed(screen)
    assert "new-domain" in rule_ids(screen), pane.framed(screen)
    assert ticked_count(screen) == 0, pane.framed(screen)
    assert "Blocked by lookalike-domain" in status_line(screen), pane.framed(screen)
    lines = screen.split("\n")
    for address in TO_F_FIXED_ADDRS[:2] + ["eigyo@yarnada-shoji.co.jp"]:
        assert any(re.match(r"^   \[ \] To   .*<%s>" % re.escape(address), l) for l in lines), \
            "%s is not the To of its own message\n%s" % (address, pane.framed(screen))

    # Everything ticked: the look-alike still blocks; y sends nothing, I again changes nothing.
    screen = tick_all_rows(pane, screen)
    assert_refused(pane, composer.server, "Blocked by lookalike-domain")
    pane.keys("I")
    pane.wait_for(lambda s: "Already one message to each recipient." in status_line(s), what="I again")
    time.sleep(1.0)  # the home's hold is 0 s: anything frozen would be on its way by now
    assert pane.exit_status() is None and composer.server.connections == 0, composer.server.summary()
    assert on_confirm_screen(pane.screen()), pane.framed()

    # q drops the mode: back in the composer, the look-alike replaced.
    pane.keys("q")
    screen = pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s), what="the composer")
    assert "Not sent" in status_line(screen), pane.framed(screen)
    pane.keys("t")
    pane.editing_mode()
    pane.keys("C-u")
    pane.wait_for(lambda s: field_value(s, "To") == "", what="the To field emptied")
    pane.text(", ".join(TO_F_FIXED))
    pane.wait_for(lambda s: field_value(s, "To") == ", ".join(TO_F_FIXED), what="the new To")
    esc(pane)
    screen = open_confirm(pane)
    assert truth_line(screen).startswith("To 3 · Cc 0 · Bcc 0"), \
        "the one-each mode outlived q\n" + pane.framed(screen)
    assert rule_ids(screen)[0] == "bulk-visible-recipients", pane.framed(screen)

    pane.keys("I")
    screen = pane.wait_for(lambda s: on_confirm_screen(s) and truth_line(s).startswith(
        "One message to each of 3 recipients"), what="the one-each screen again")
    assert "BLOCK" not in [sev for _, sev, _, _ in findings(screen)], pane.framed(screen)
    assert ticked_count(screen) == 0, pane.framed(screen)
    screen = assert_refused(pane, composer.server, "Still to tick (space): 3 external recipients")
    pane.tick_everything()
    send_now(pane)

    assert composer.server.settle(10), composer.server.summary()
    txs = composer.server.transactions
    assert len(txs) == 3, "expected one transaction per recipient; " + composer.server.summary()
    assert sorted(r for tx in txs for r in tx.rcpt_tos) == sorted(TO_F_FIXED_ADDRS)
    for tx in txs:
        assert len(tx.rcpt_tos) == 1, composer.server.summary()
        msg = parse(tx.raw)
        visible = [a for _, a in addresses(msg, "To") + addresses(msg, "Cc")]
        assert visible == tx.rcpt_tos, "message to %s shows %r" % (tx.rcpt_tos, visible)
        assert not re.search(rb"(?im)^bcc[ \t]*:", tx.raw), "a Bcc header went out"
        others = [a for a in TO_F_FIXED_ADDRS if a not in tx.rcpt_tos]
        for address in others:
            assert address.encode() not in tx.raw.lower(), "%s is in the message to %s" % (address, tx.rcpt_tos)
        assert body_text(msg) == "各位\n説明会を開催いたします。\n"
