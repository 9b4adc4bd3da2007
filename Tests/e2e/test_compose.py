"""End-to-end tests of the composer in a real terminal (tmux), against the
STARTTLS+AUTH SMTP server on 127.0.0.1.  The contract is docs/composer.md.

What reached the server is decoded with Python's email package; what is on
the screen is read with `tmux capture-pane`.  Every wait is a bounded poll
that fails with the last screen (see tui.py).
"""

from __future__ import annotations

import hashlib
import random
import re
import time
import stat

from tui import (COMMAND_LEGEND, ComposerHome, Pane, attachment_rows, attachments,  # noqa: F401
                 body_lines, body_text, composer, composer_at, display_width, error_under, field_row,
                 field_value, in_command_mode, legend_entries, legend_lines, nfc, parse, rule_rows,
                 status_line)

SENDER = "taro@example.jp"
SEND_TIMEOUT = 20.0


# --------------------------------------------------------------------------
# Helpers


def start(composer: ComposerHome, **kwargs) -> Pane:
    """Launches the composer and waits until it is editing the To field."""
    pane = composer.launch(**kwargs)
    pane.editing_mode()
    return pane


def esc(pane: Pane) -> str:
    pane.keys("Escape")
    return pane.command_mode()


def pdf_bytes(size: int, seed: int) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    tail = b"\n%%EOF\n"
    return head + random.Random(seed).randbytes(size - len(head) - len(tail)) + tail


def attach(pane: Pane, path: str) -> str:
    """a, the path, Enter (from command mode); returns the screen after the prompt closed."""
    pane.keys("a")
    pane.wait_for(" Attach file:", what="the attach prompt")
    pane.text(path)
    pane.keys("Enter")
    return pane.wait_gone(" Attach file:", what="the attach prompt")


def attachment_row(name: str) -> "re.Pattern[str]":
    # index, name, size, type
    return re.compile(r"(?m)^ Attach:\s+1\s+%s\s+[\d.]+ ?(B|KiB|MiB|bytes)\s+\S+/\S+" % re.escape(name))


CONFIRM_TITLE = "guardmail — check before sending"


def tick_everything(pane: Pane) -> str:
    """On the confirmation screen, Space on each row to tick (one key per item, no tick-all),
    until the status says everything is ticked. Returns that screen."""
    for _ in range(60):
        screen = pane.screen()
        if "Everything is ticked" in status_line(screen):
            return screen
        pane.keys("Space")
        time.sleep(0.05)
    return pane.wait_for(lambda s: "Everything is ticked" in status_line(s), what="every item ticked")


def confirm_and_send(pane: Pane) -> int:
    """y, the confirmation screen, tick each item, y; returns the exit status."""
    pane.keys("y")
    pane.wait_for(CONFIRM_TITLE, what="the confirmation screen")
    tick_everything(pane)
    pane.keys("y")
    return pane.wait_exit(SEND_TIMEOUT)


def only_transaction(server):
    assert server.settle(10), "client still connected; " + server.summary()
    txs = server.transactions
    assert len(txs) == 1, "expected exactly one transaction; " + server.summary()
    return txs[0]


def addresses(msg, name):
    header = msg[name]
    return [] if header is None else [(a.display_name, a.addr_spec) for a in header.addresses]


# --------------------------------------------------------------------------
# 1. A Japanese message, typed and sent end to end


TO = "山田 花子 <hanako@example.co.jp>"
TO_NAME, TO_ADDR = "山田 花子", "hanako@example.co.jp"
BCC = "audit@example.jp"
SUBJECT = "【至急】見積書の件"
BODY_LINES = ["鈴木様、いつもお世話になっております。", "見積書を添付いたしますので、ご確認ください。"]
ATTACH_NAME = "見積書_2026年度.pdf"


def test_japanese_message_typed_and_sent(composer, tmp_path):
    data = pdf_bytes(150_000, seed=1)
    pdf = tmp_path / "files" / ATTACH_NAME
    pdf.parent.mkdir()
    pdf.write_bytes(data)

    pane = start(composer)
    pane.text(TO)
    pane.wait_for(lambda s: field_value(s, "To") == TO, what="To: " + TO)
    pane.keys("Tab", "Tab")  # Cc stays empty
    pane.text(BCC)
    pane.keys("Tab")
    pane.text(SUBJECT)
    pane.keys("Tab")
    pane.text(BODY_LINES[0])
    pane.keys("Enter")
    pane.text(BODY_LINES[1])
    screen = pane.wait_for(lambda s: body_lines(s) == BODY_LINES, what="the two body lines")
    assert field_value(screen, "Bcc") == BCC, pane.framed(screen)
    assert field_value(screen, "Subject") == SUBJECT, pane.framed(screen)
    assert field_value(screen, "Cc") == "", pane.framed(screen)
    for label in ("To", "Cc", "Bcc"):
        assert error_under(screen, label) is None, pane.framed(screen)

    esc(pane)
    attach(pane, str(pdf))
    screen = pane.wait_for(attachment_row(ATTACH_NAME), what="the attachment row")
    assert "application/pdf" in "\n".join(attachment_rows(screen)), pane.framed(screen)

    pane.keys("y")
    screen = pane.wait_for(CONFIRM_TITLE, what="the confirmation screen")
    assert "To 1 · Cc 0 · Bcc 1" in screen, pane.framed(screen)
    # Nothing is ticked yet: y refuses and says what is missing.
    pane.keys("y")
    screen = pane.wait_for(lambda s: "Still to tick" in status_line(s), what="y refused before ticking")
    assert composer.server.connections == 0, "connected before confirming; " + composer.server.summary()
    tick_everything(pane)
    pane.keys("y")
    code = pane.wait_exit(SEND_TIMEOUT)
    pane.wait_for("[guardmail exited", what="the shell after guardmail")
    out = pane.screen_with_history()
    assert code == 0, pane.framed(out)
    assert "accepted: %s" % TO_ADDR in out, pane.framed(out)
    assert "accepted: %s" % BCC in out, pane.framed(out)
    sent = re.search(r"sent (\S+) to 2 recipients", out)
    assert sent, pane.framed(out)

    tx = only_transaction(composer.server)
    assert tx.mail_from == SENDER
    assert sorted(tx.rcpt_tos) == sorted([TO_ADDR, BCC]), composer.server.summary()
    assert tx.starttls and tx.auth_login == "taro", composer.server.summary()
    assert not re.search(rb"(?im)^bcc[ \t]*:", tx.raw), "the message has a Bcc header"
    assert BCC.encode() not in tx.raw.lower(), "the Bcc address is in the transmitted message"

    msg = parse(tx.raw)
    assert msg["Subject"] == SUBJECT
    assert addresses(msg, "To") == [(TO_NAME, TO_ADDR)]
    assert addresses(msg, "Cc") == []
    assert [a for _, a in addresses(msg, "From")] == [SENDER]
    assert sent.group(1).strip("<>") == str(msg["Message-ID"]).strip().strip("<>")
    assert body_text(msg) == "\n".join(BODY_LINES) + "\n"
    parts = attachments(msg)
    assert [p.get_filename() for p in parts] == [ATTACH_NAME]
    assert parts[0].get_content_type() == "application/pdf"
    payload = parts[0].get_payload(decode=True)
    assert hashlib.sha256(payload).hexdigest() == hashlib.sha256(data).hexdigest()

    assert composer.draft_files() == [], "a sent message's draft must be removed"


# --------------------------------------------------------------------------
# 2. An invalid address is shown under its field and blocks sending


def test_invalid_address_shown_and_blocks_send(composer):
    bad = "taro＠example.jp"
    pane = start(composer)
    pane.text(bad)
    pane.keys("Tab")
    screen = pane.wait_for(lambda s: error_under(s, "To") is not None,
                           what="a ✗ line under To")
    assert field_value(screen, "To") == bad, pane.framed(screen)
    error = error_under(screen, "To")
    assert "U+FF20" in error, pane.framed(screen)

    esc(pane)
    pane.keys("y")
    screen = pane.wait_for(lambda s: status_line(s).strip().startswith("Fix the To field first"),
                           what="status 'Fix the To field first'")
    assert CONFIRM_TITLE not in screen, pane.framed(screen)
    assert error_under(screen, "To") is not None, pane.framed(screen)

    # Fix only the full-width at sign: back over "example.jp", delete one whole character.
    pane.keys("t")
    pane.editing_mode()
    pane.keys("End", *["Left"] * len("example.jp"), "BSpace")
    pane.wait_for(lambda s: field_value(s, "To") == "taroexample.jp",
                  what="To: taroexample.jp (＠ deleted by one Backspace)")
    pane.text("@")
    pane.wait_for(lambda s: field_value(s, "To") == "taro@example.jp", what="To: taro@example.jp")
    pane.keys("Tab")  # leave the field: it is parsed again
    screen = pane.wait_for(lambda s: pane.cursor()[1] == field_row(s, "Cc"),
                           what="the cursor on the Cc row")
    assert error_under(screen, "To") is None, pane.framed(screen)

    esc(pane)
    pane.keys("y")
    screen = pane.wait_for(CONFIRM_TITLE, what="the confirmation screen (the address is fixed)")
    assert "To 1 · Cc 0 · Bcc 0" in screen, pane.framed(screen)
    pane.keys("q")  # back to the message
    pane.wait_gone(CONFIRM_TITLE)
    pane.command_mode()
    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0, pane.framed()
    assert composer.server.settle(10)
    assert composer.server.connections == 0, composer.server.summary()
    assert composer.server.transactions == []


# --------------------------------------------------------------------------
# 3. kill -9 in the middle of a draft; resume restores everything exactly


TO3 = "佐藤 一郎 <ichiro@example.co.jp>"
SUBJECT3 = "【下書き】再開テスト：か\u3099と𠮷"
BODY3 = ["お世話になっております。", "濁点の合成: か\u3099き\u3099く\u3099", "全角Ａと半角A、漢字𠮷"]
# After the body is typed: "。" at the end, two Left, "X" -> the cursor sits after X.
BODY3_FINAL = BODY3[:2] + ["全角Ａと半角A、漢字X𠮷。"]
CURSOR3_X = display_width("全角Ａと半角A、漢字X")


def test_kill_9_then_resume_restores_everything(composer, tmp_path):
    data = ("議事録\n" * 200).encode("utf-8")
    note = tmp_path / "議事録.txt"
    note.write_bytes(data)

    pane = start(composer)
    pane.text(TO3)
    pane.keys("Tab", "Tab", "Tab")
    pane.text(SUBJECT3)
    pane.keys("Tab")
    for index, line in enumerate(BODY3):
        if index:
            pane.keys("Enter")
        pane.text(line)
    pane.wait_for(lambda s: nfc(body_lines(s)) == nfc(BODY3), what="the three body lines")
    esc(pane)
    attach(pane, str(note))
    pane.wait_for(attachment_row(note.name), what="the attachment row")
    pane.keys("i")
    pane.editing_mode()
    pane.text("。")
    pane.keys("Left", "Left")
    pane.text("X")
    before = pane.wait_for(lambda s: nfc(body_lines(s)) == nfc(BODY3_FINAL),
                           what="the edited last line")
    cursor_before = pane.cursor()
    body_top = rule_rows(before)[0] + 1
    assert cursor_before == (CURSOR3_X, body_top + 2, True), pane.framed(before)

    body = "\n".join(BODY3_FINAL)
    composer.wait_for_draft(
        lambda d: d.body == body and d.subject == SUBJECT3 and d.to == TO3
        and d.attach == [str(note)], what="the whole message in the draft")
    code = pane.kill9()
    assert code == 137, "guardmail exited with %d, not by SIGKILL" % code

    pane = composer.launch()
    screen = pane.wait_for("Resume the unsent draft?", what="the resume box")
    assert "(r) resume   (n) new message, keep the draft   (d) discard the draft" in screen, \
        pane.framed(screen)
    pane.keys("r")
    screen = pane.wait_for(lambda s: "Resume the unsent draft?" not in s
                           and field_value(s, "To") == TO3, what="the resumed message")
    screen = pane.wait_for(lambda s: nfc(body_lines(s)) == nfc(BODY3_FINAL),
                           what="the resumed body")
    assert nfc(field_value(screen, "Subject")) == nfc(SUBJECT3), pane.framed(screen)
    assert field_value(screen, "Cc") == "" and field_value(screen, "Bcc") == "", pane.framed(screen)
    assert attachment_row(note.name).search(screen), pane.framed(screen)
    assert pane.cursor() == cursor_before, "cursor %r, before the kill %r\n%s" % (
        pane.cursor(), cursor_before, pane.framed(screen))

    esc(pane)
    code = confirm_and_send(pane)
    assert code == 0, pane.framed(pane.screen_with_history())
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["ichiro@example.co.jp"]
    msg = parse(tx.raw)
    assert msg["Subject"] == SUBJECT3
    assert addresses(msg, "To") == [("佐藤 一郎", "ichiro@example.co.jp")]
    assert body_text(msg) == body + "\n"
    parts = attachments(msg)
    assert [p.get_filename() for p in parts] == [note.name]
    assert parts[0].get_payload(decode=True) == data
    assert composer.draft_files() == []


def test_combining_marks_are_drawn(composer):
    """A combining mark after a wide character stays visible (か+U+3099 shows as が)."""
    subject = "か\u3099き\u3099e\u0301 テ\u3099スト"
    pane = start(composer)
    pane.keys("Tab", "Tab", "Tab")
    pane.text(subject)
    screen = pane.wait_for(lambda s: (field_value(s, "Subject") or "").endswith("スト"),
                           what="the subject typed")
    assert nfc(field_value(screen, "Subject")) == nfc(subject), (
        "subject on screen %r, typed %r (NFC %r)\n%s" % (
            field_value(screen, "Subject"), subject, nfc(subject), pane.framed(screen)))
    draft = composer.wait_for_draft(lambda d: d.subject != "", what="the subject in the draft")
    assert draft.subject == subject, "the draft must keep the code points as typed"
    pane.keys("C-c")
    pane.wait_exit()


# --------------------------------------------------------------------------
# 4. Resizing re-flows the screen; below 60x16 only a notice


def assert_composer_at(pane: Pane, screen: str, width: int) -> None:
    rules = rule_rows(screen)
    lines = screen.split("\n")
    assert len(rules) == 2, pane.framed(screen)
    for row in rules:
        assert len(lines[row]) == width, "rule is %d wide, not %d\n%s" % (
            len(lines[row]), width, pane.framed(screen))
    for line in lines:
        assert display_width(line) <= width, pane.framed(screen)
    assert lines[0].rstrip().endswith("account: test"), pane.framed(screen)
    assert display_width(lines[0].rstrip()) >= width - 2, \
        "the title is not right-aligned\n" + pane.framed(screen)
    legend = legend_lines(screen)
    assert legend_entries(legend) == COMMAND_LEGEND, pane.framed(screen)


def test_resize_reflows_and_too_small(composer):
    pane = start(composer)
    pane.text("resize@example.jp")
    pane.keys("Tab", "Tab", "Tab")
    pane.text("サイズ変更テスト")
    pane.keys("Tab")
    pane.text("本文はそのまま")
    esc(pane)
    wide = pane.wait_for(lambda s: body_lines(s) == ["本文はそのまま"])
    assert_composer_at(pane, wide, 100)
    legend_100 = legend_lines(wide)

    pane.resize(70, 20)
    narrow = pane.wait_for(lambda s: composer_at(s, 70), what="the composer at 70x20")
    assert_composer_at(pane, narrow, 70)
    legend_70 = legend_lines(narrow)
    assert legend_70 != legend_100, "the legend did not re-flow\n" + pane.framed(narrow)
    assert len(legend_70) >= 2 and len(legend_70) >= len(legend_100), pane.framed(narrow)
    assert field_value(narrow, "To") == "resize@example.jp"
    assert body_lines(narrow) == ["本文はそのまま"]

    pane.resize(60, 16)  # the minimum still shows the composer
    smallest = pane.wait_for(lambda s: composer_at(s, 60), what="the composer at 60x16")
    assert_composer_at(pane, smallest, 60)

    for width, height in ((59, 16), (60, 15), (50, 12)):
        pane.resize(width, height)
        small = pane.wait_for("terminal too small (needs 60×16)",
                              what="the too-small notice at %dx%d" % (width, height))
        assert " To:" not in small and "y Send" not in small and not rule_rows(small), \
            pane.framed(small)

    pane.resize(100, 30)
    back = pane.wait_for(lambda s: composer_at(s, 100), what="the composer back at 100x30")
    assert_composer_at(pane, back, 100)
    assert "terminal too small" not in back
    assert field_value(back, "To") == "resize@example.jp"
    assert field_value(back, "Subject") == "サイズ変更テスト"
    assert body_lines(back) == ["本文はそのまま"]
    assert legend_lines(back) == legend_100

    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0


# --------------------------------------------------------------------------
# 5. Quit prompt, postpone, Ctrl-C


def test_quit_prompt_back_and_discard(composer):
    pane = start(composer)
    pane.text("quit@example.jp")
    pane.keys("Tab", "Tab", "Tab")
    pane.text("捨てるメッセージ")
    esc(pane)
    composer.wait_for_draft(lambda d: d.subject == "捨てるメッセージ", what="the draft saved")

    pane.keys("q")
    screen = pane.wait_for("(b) back to the message", what="the quit box")
    for choice in ("(s) save the draft and leave", "(d) discard the message",
                   "(b) back to the message"):
        assert choice in screen, pane.framed(screen)
    pane.keys("b")
    screen = pane.wait_gone("(b) back to the message")
    screen = pane.command_mode()
    assert field_value(screen, "Subject") == "捨てるメッセージ", pane.framed(screen)
    assert pane.exit_status() is None

    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0, pane.framed()
    assert composer.draft_files() == [], "the discarded message's draft is still there"
    assert composer.server.connections == 0


BAD_CC = "経理 <keiri＠example.jp>"  # kept exactly as typed, invalid or not
PENDING = ("pending@example.jp", BAD_CC, "保留テスト", "あとで送ります")


def test_postpone_then_new_then_resume_invalid_field(composer):
    pane = start(composer)
    pane.text(PENDING[0])
    pane.keys("Tab")
    pane.text(BAD_CC)
    pane.keys("Tab", "Tab")
    pane.text(PENDING[2])
    pane.keys("Tab")
    pane.text(PENDING[3])
    screen = esc(pane)
    assert error_under(screen, "Cc") is not None, pane.framed(screen)
    pane.keys("P")
    assert pane.wait_exit() == 0, pane.framed()
    out = pane.wait_for("[guardmail exited")
    assert "The draft is saved" in pane.screen_with_history(), pane.framed(out)
    drafts = composer.drafts()
    assert [(d.to, d.cc, d.subject, d.body) for d in drafts] == [PENDING], drafts

    # (n): a new message; the draft stays where it is.
    pane = composer.launch()
    screen = pane.wait_for("Resume the unsent draft?", what="the resume box")
    assert PENDING[2] in screen, pane.framed(screen)
    pane.keys("n")
    screen = pane.wait_for(lambda s: "Resume the unsent draft?" not in s
                           and field_value(s, "To") == "", what="a new, empty message")
    assert field_value(screen, "Subject") == "", pane.framed(screen)
    assert PENDING[3] not in screen, pane.framed(screen)
    esc(pane)
    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0
    drafts = composer.drafts()
    assert [(d.to, d.cc, d.subject, d.body) for d in drafts] == [PENDING], \
        "(n) must keep the old draft: %r" % drafts

    # (r): everything back, the invalid Cc exactly as typed and flagged again.
    pane = composer.launch()
    pane.wait_for("Resume the unsent draft?", what="the resume box")
    pane.keys("r")
    screen = pane.wait_for(lambda s: "Resume the unsent draft?" not in s
                           and field_value(s, "To") == PENDING[0], what="the resumed draft")
    assert field_value(screen, "Cc") == BAD_CC, pane.framed(screen)
    assert error_under(screen, "Cc") is not None and "U+FF20" in error_under(screen, "Cc"), \
        pane.framed(screen)
    assert field_value(screen, "Subject") == PENDING[2], pane.framed(screen)
    assert body_lines(screen) == [PENDING[3]], pane.framed(screen)
    # Discarding the resumed message removes its draft.
    if not in_command_mode(screen):
        esc(pane)
    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0
    assert composer.draft_files() == [], "discarding the resumed message left its draft"
    assert composer.server.connections == 0


def test_ctrl_c_restores_terminal_and_keeps_draft(composer):
    pane = start(composer)
    pane.text("ctrlc@example.jp")
    pane.keys("Tab", "Tab", "Tab")
    pane.text("中断テスト")
    pane.keys("Tab")
    pane.text("途中まで")
    pane.keys("C-c")  # at once: no time for the half-second draft timer
    code = pane.wait_exit()
    screen = pane.wait_for("[guardmail exited %d]" % code, what="the shell's line after exit")
    assert code in (0, 130), "Ctrl-C exit status %d\n%s" % (code, pane.framed(screen))
    assert pane.stty_after() == pane.stty_before(), "terminal modes not restored"
    assert pane.pane_flag("alternate_on") == "0", "still on the alternate screen"
    assert pane.cursor()[2], "the cursor is still hidden"
    assert " To:" not in screen and "y Send" not in screen, pane.framed(screen)
    drafts = composer.drafts()
    assert [(d.to, d.subject, d.body) for d in drafts] == [
        ("ctrlc@example.jp", "中断テスト", "途中まで")], drafts
    assert composer.server.connections == 0


# --------------------------------------------------------------------------
# 6. The external editor


EDITED = "エディタで書いた本文です。\n二行目：よろしくお願いします。\n"


def test_external_editor_ok_and_failing(composer, tmp_path):
    tools = tmp_path / "editor"
    tools.mkdir()
    (tools / "new-body.txt").write_text(EDITED, encoding="utf-8")
    mode = tools / "mode"
    # On PATH under a short name, as EDITOR usually is (the status names the editor).
    script = tools / "gm-edit"
    script.write_text(
        "#!/bin/sh\n"
        "d='%s'\n"
        "m=$(cat \"$d/mode\")\n"
        "cp \"$1\" \"$d/seen-$m\"\n"
        "if [ \"$m\" = ok ]; then cat \"$d/new-body.txt\" > \"$1\"; exit 0; fi\n"
        "printf 'これは捨てられるはず\\n' > \"$1\"\n"
        "exit 3\n" % tools, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)

    path = "%s:%s" % (tools, composer.env()["PATH"])
    pane = start(composer, env={"EDITOR": "gm-edit", "VISUAL": None, "PATH": path})
    pane.text("editor@example.jp")
    pane.keys("Tab", "Tab", "Tab", "Tab")
    pane.text("元の本文")
    pane.wait_for(lambda s: body_lines(s) == ["元の本文"])
    esc(pane)

    mode.write_text("ok")
    pane.keys("e")
    screen = pane.wait_for(lambda s: body_lines(s) == EDITED.splitlines()
                           and in_command_mode(s), what="the body from the editor")
    assert (tools / "seen-ok").read_text(encoding="utf-8") == "元の本文", \
        "the editor did not get the current body"
    assert field_value(screen, "To") == "editor@example.jp", pane.framed(screen)

    mode.write_text("fail")
    pane.keys("e")
    screen = pane.wait_for(lambda s: "the body is unchanged" in status_line(s),
                           what="status: the body is unchanged")
    assert "exited with status 3" in status_line(screen), pane.framed(screen)
    assert (tools / "seen-fail").read_text(encoding="utf-8") == EDITED
    assert body_lines(screen) == EDITED.splitlines(), pane.framed(screen)
    assert field_value(screen, "To") == "editor@example.jp", pane.framed(screen)
    composer.wait_for_draft(lambda d: d.body == EDITED, what="the draft holds the edited body")

    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0


# --------------------------------------------------------------------------
# 7. Attaching: a missing file, ~ expansion


def test_missing_attachment_and_tilde(composer):
    pane = start(composer)
    pane.text("files@example.jp")
    screen = esc(pane)
    rows_before = attachment_rows(screen)
    assert len(rows_before) == 1 and not re.search(r"Attach:\s+1\s", rows_before[0]), \
        pane.framed(screen)

    missing = "/nonexistent-guardmail-e2e/見積書.pdf"
    attach(pane, missing)
    screen = pane.wait_for(lambda s: missing in status_line(s), what="a status naming " + missing)
    status = status_line(screen)
    assert "no such file" in status and "not attached" in status, pane.framed(screen)
    assert attachment_rows(screen) == rows_before, pane.framed(screen)

    memo = composer.home / "メモ.txt"
    memo.write_text("ホームのメモ\n", encoding="utf-8")
    attach(pane, "~/メモ.txt")
    screen = pane.wait_for(attachment_row("メモ.txt"), what="メモ.txt attached from ~")
    assert "text/plain" in "\n".join(attachment_rows(screen)), pane.framed(screen)
    draft = composer.wait_for_draft(lambda d: len(d.attach) == 1, what="the attachment in the draft")
    assert draft.attach == [str(memo)]

    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0


# --------------------------------------------------------------------------
# 8. Nothing is ever completed


def test_no_autocomplete_after_sending(composer):
    pane = start(composer)
    pane.text("hanako@example.co.jp")
    pane.keys("Tab", "Tab", "Tab")
    pane.text("一通目")
    pane.keys("Tab")
    pane.text("本文")
    esc(pane)
    assert confirm_and_send(pane) == 0, pane.framed(pane.screen_with_history())
    assert only_transaction(composer.server).rcpt_tos == ["hanako@example.co.jp"]

    pane = start(composer)
    screen = pane.screen()
    assert "Resume the unsent draft?" not in screen, pane.framed(screen)
    pane.text("han")
    pane.wait_for(lambda s: field_value(s, "To") == "han", what="To: han")
    pane.keys("Tab")
    screen = pane.wait_for(lambda s: error_under(s, "To") is not None,
                           what="the ✗ line under To after leaving it")
    assert field_value(screen, "To") == "han", pane.framed(screen)
    assert "hanako" not in screen, "something suggested the old address\n" + pane.framed(screen)
    draft = composer.wait_for_draft(lambda d: d.to != "", what="the typed To in the draft")
    assert draft.to == "han"

    esc(pane)
    pane.keys("y")
    pane.wait_for(lambda s: status_line(s).strip().startswith("Fix the To field first"))
    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0
    assert len(composer.server.transactions) == 1
