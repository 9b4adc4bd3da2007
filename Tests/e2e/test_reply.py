"""End-to-end tests of `guardmail reply` and `forward` (docs/replies.md): the real binary in
tmux and with --no-compose, against the STARTTLS+AUTH SMTP server on 127.0.0.1.

The original is Tests/e2e/fixtures/reply/outlook-reply-all.eml, shaped as Outlook writes mail
(scripts/gen-reply-fixture.py): an ISO-2022-JP subject with ① and ㈱, multipart/alternative
(ISO-2022-JP text with 髙, HTML with a script), a PDF attachment.
"""

from __future__ import annotations

import re
from pathlib import Path

from tui import body_lines, body_text, composer, field_value, parse, status_line  # noqa: F401
from test_compose import CONFIRM_TITLE, SEND_TIMEOUT, addresses, only_transaction

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "reply" / "outlook-reply-all.eml"
SUBJECT = "Re: ①見積書の件 ㈱山田"


def test_reply_all_in_tmux_reaches_the_server_threaded_and_quoted(composer):
    pane = composer.launch(["reply", "--all", "--language", "ja", str(FIXTURE)])
    screen = pane.wait_for(lambda s: field_value(s, "Subject") == SUBJECT, what="the reply's subject")
    assert "ichiro@client.example.com" in field_value(screen, "To"), pane.framed(screen)
    assert "hanako@example.jp" in field_value(screen, "To"), pane.framed(screen)
    assert "suzuki@client.example.com" in field_value(screen, "Cc"), pane.framed(screen)
    assert "taro@example.jp" not in field_value(screen, "To") + field_value(screen, "Cc"), pane.framed(screen)
    lines = body_lines(screen)
    assert lines[:3] == ["", "", "2026年12月7日(月) 10:15 佐藤 一郎 <ichiro@client.example.com>:"], pane.framed(screen)
    assert "> 髙橋様の件、承知しました。" in lines, pane.framed(screen)
    # The cursor is above the quote: what is typed now goes on the first line.
    pane.text("承知いたしました。")
    screen = pane.wait_for(lambda s: body_lines(s)[:1] == ["承知いたしました。"], what="text typed above the quote")
    pane.keys("Escape")
    pane.command_mode()
    pane.keys("y")
    pane.wait_for(CONFIRM_TITLE, what="the confirmation screen")
    pane.confirm_everything()
    code = pane.wait_exit(SEND_TIMEOUT)
    out = pane.screen_with_history()
    assert code == 0, pane.framed(out)

    tx = only_transaction(composer.server)
    assert sorted(tx.rcpt_tos) == sorted(
        ["ichiro@client.example.com", "hanako@example.jp", "suzuki@client.example.com"]), composer.server.summary()
    msg = parse(tx.raw)
    assert msg["Subject"] == SUBJECT
    assert msg["In-Reply-To"].strip() == "<ORIG-1@client.example.com>"
    assert msg["References"].split() == ["<ROOT-0@example.jp>", "<ORIG-1@client.example.com>"]
    assert [a for _, a in addresses(msg, "To")] == ["ichiro@client.example.com", "hanako@example.jp"]
    assert [a for _, a in addresses(msg, "Cc")] == ["suzuki@client.example.com"]
    text = body_text(msg)
    assert text.startswith("承知いたしました。\n"), text
    assert "> 佐藤です。\n> 髙橋様の件、承知しました。\n> ①と②の資料を添付します。" in text, text
    assert "alert" not in text
    assert not msg.is_multipart() or all(p.get_filename() is None for p in msg.walk()), "a reply does not carry attachments"


def test_reply_no_compose_from_standard_input_and_maildir(guardmail, config_for, smtp_server, tmp_path):
    server = smtp_server(starttls=True, auth_users={"taro": "s3cret"})
    top = tmp_path / "top.txt"
    top.write_text("ありがとうございます。\n", encoding="utf-8")
    raw = FIXTURE.read_bytes()
    r = guardmail(["reply", "--no-compose", "--language", "en", "--body-file", str(top), "--accept", "new-domain", "-"],
                  config=config_for(server), input=raw, timeout=90)
    assert r.code == 0, r.stderr
    tx = only_transaction(server)
    assert tx.rcpt_tos == ["ichiro@client.example.com"]
    msg = parse(tx.raw)
    assert msg["Subject"] == SUBJECT
    assert msg["In-Reply-To"].strip() == "<ORIG-1@client.example.com>"
    text = body_text(msg)
    assert text.startswith("ありがとうございます。\n"), text
    assert "On Mon, 7 Dec 2026 at 10:15, 佐藤 一郎 <ichiro@client.example.com> wrote:\n> 佐藤です。" in text, text

    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1765070100.1.host:2,S").write_bytes(raw)
    missing = guardmail(["reply", "--no-compose", "--dry-run", "--maildir", str(maildir), "--message-id", "<nope@x>"],
                        config=config_for(server))
    assert missing.code == 65, missing.stderr
    assert "no message with Message-ID '<nope@x>'" in missing.stderr
    found = guardmail(["reply", "--no-compose", "--dry-run", "--maildir", str(maildir), "--message-id", "ORIG-1@client.example.com"],
                      config=config_for(server))
    assert found.code == 0, found.stderr
    assert "In-Reply-To: <ORIG-1@client.example.com>" in found.stdout


def test_malformed_original_is_refused_clearly(guardmail, config_for, smtp_server, tmp_path):
    server = smtp_server(starttls=True, auth_users={"taro": "s3cret"})
    bad = tmp_path / "not-mail.eml"
    bad.write_bytes(b"%PDF-1.4\n\x00\x01binary")
    r = guardmail(["reply", "--no-compose", "--dry-run", str(bad)], config=config_for(server))
    assert r.code == 65, r.stderr
    assert "is not a message that can be answered: not a mail message" in r.stderr, r.stderr
    truncated = tmp_path / "truncated.eml"
    truncated.write_bytes(FIXTURE.read_bytes()[:3000])
    r = guardmail(["reply", "--no-compose", "--dry-run", str(truncated)], config=config_for(server))
    assert r.code == 0, r.stderr
    assert "Subject: =?UTF-8?" in r.stdout
    assert server.transactions == []


def test_forward_attach_and_inline_carry_the_original(guardmail, config_for, smtp_server, tmp_path):
    server = smtp_server(starttls=True, auth_users={"taro": "s3cret"})
    cfg = config_for(server)
    whole = guardmail(["forward", "--attach", "--no-compose", "--dry-run", "--to", "boss@example.jp", str(FIXTURE)], config=cfg)
    assert whole.code == 0, whole.stderr
    msg = parse(whole.stdout.encode())
    assert msg["Subject"] == "Fwd: ①見積書の件 ㈱山田"
    assert msg["In-Reply-To"] is None
    names = [p.get_filename() for p in msg.walk() if p.get_filename()]
    assert names == ["forwarded.eml"], names
    inline = guardmail(["forward", "--no-compose", "--dry-run", "--language", "ja", "--to", "boss@example.jp", str(FIXTURE)],
                       config=cfg)
    assert inline.code == 0, inline.stderr
    msg = parse(inline.stdout.encode())
    text = body_text(msg)
    assert "-------- 転送メッセージ --------\n差出人: " in text, text
    assert "件名: RE: ①見積書の件 ㈱山田" in text, text
    assert "髙橋様の件、承知しました。" in text, text
    parts = [p for p in msg.walk() if p.get_filename()]
    assert [p.get_filename() for p in parts] == ["①見積書.pdf"]
    assert parts[0].get_payload(decode=True).startswith(b"%PDF-1.4")
    # The attachment carried is the original's, byte for byte (decoded piece by piece from the
    # mapped original, never whole in memory).
    original = [p for p in parse(FIXTURE.read_bytes()).walk() if p.get_filename()]
    assert parts[0].get_payload(decode=True) == original[0].get_payload(decode=True)


def test_forward_to_a_new_external_domain_is_stopped_until_confirmed(composer, guardmail, config_for):
    # Without the composer: the thread rules stop it (exit 1) until their findings are accepted.
    cfg = config_for(composer.server)
    stopped = guardmail(["forward", "--no-compose", "--to", "x@new.example", str(FIXTURE)], config=cfg)
    assert stopped.code == 1, stopped.stderr
    assert "thread-new-party: a recipient who was not on the thread: x@new.example" in stopped.stderr, stopped.stderr
    assert "forward-outside: an attachment from client.example.com forwarded to another domain: x@new.example" in stopped.stderr
    assert composer.server.transactions == []

    # In the composer: the confirmation screen marks the recipient NOT ON THE THREAD and sends
    # only once everything is ticked.
    pane = composer.launch(["forward", "--to", "x@new.example", str(FIXTURE)])
    pane.wait_for(lambda s: field_value(s, "Subject") == "Fwd: ①見積書の件 ㈱山田", what="the forward's subject")
    pane.keys("Escape")
    pane.command_mode()
    pane.keys("y")
    screen = pane.wait_for(CONFIRM_TITLE, what="the confirmation screen")
    screen = pane.wait_for("NOT ON THE THREAD", what="the thread mark")
    assert "forward-outside" in pane.screen_with_history() or "forwarded to another domain" in screen, pane.framed(screen)
    pane.keys("y")
    pane.wait_for(lambda s: "Still to tick" in status_line(s), what="y refused before ticking")
    assert composer.server.connections == 0, composer.server.summary()
    pane.confirm_everything()
    code = pane.wait_exit(SEND_TIMEOUT)
    assert code == 0, pane.framed(pane.screen_with_history())
    tx = only_transaction(composer.server)
    assert tx.rcpt_tos == ["x@new.example"]
    msg = parse(tx.raw)
    assert [p.get_filename() for p in msg.walk() if p.get_filename()] == ["①見積書.pdf"]


def test_postponed_reply_resumes_as_a_reply(composer):
    pane = composer.launch(["reply", "--language", "ja", str(FIXTURE)])
    pane.wait_for(lambda s: field_value(s, "Subject") == SUBJECT, what="the reply's subject")
    pane.text("後で書きます。")
    pane.wait_for(lambda s: body_lines(s)[:1] == ["後で書きます。"], what="text above the quote")
    pane.keys("Escape")
    pane.command_mode()
    pane.keys("P")
    assert pane.wait_exit() == 0, pane.framed()
    [draft] = composer.draft_files()
    assert b"In-Reply-To: <ORIG-1@client.example.com>" in draft.read_bytes()

    pane = composer.launch()
    pane.wait_for("Resume the unsent draft?", what="the resume box")
    pane.keys("r")
    pane.wait_for(lambda s: field_value(s, "Subject") == SUBJECT, what="the resumed reply")
    pane.keys("Escape")
    pane.command_mode()
    pane.keys("y")
    pane.wait_for(CONFIRM_TITLE, what="the confirmation screen")
    pane.confirm_everything()
    assert pane.wait_exit(SEND_TIMEOUT) == 0, pane.framed(pane.screen_with_history())
    msg = parse(only_transaction(composer.server).raw)
    assert msg["In-Reply-To"].strip() == "<ORIG-1@client.example.com>"
    assert msg["References"].split() == ["<ROOT-0@example.jp>", "<ORIG-1@client.example.com>"]
    assert body_text(msg).startswith("後で書きます。\n")


def test_forward_picker_offers_the_thread_parties_marked(composer):
    """In a forward (no recipients yet), ^T in the empty To opens the picker; the original's
    parties are listed first, marked `t` (on the thread), the sender not among them;
    ↓ Enter inserts the first as `Name <address>`."""
    pane = composer.launch(["forward", str(FIXTURE)])
    pane.wait_for(lambda s: field_value(s, "Subject") == "Fwd: ①見積書の件 ㈱山田", what="the forward's subject")
    pane.editing_mode()
    pane.keys("C-t")
    screen = pane.wait_for(lambda s: "pick an address for To" in s and "t on the thread" in s, what="the picker with the thread")
    rows = [line for line in screen.split("\n") if line.startswith(" t")]
    assert [r for r in rows if "ichiro@client.example.com" in r], pane.framed(screen)
    assert [r for r in rows if "suzuki@client.example.com" in r], pane.framed(screen)
    assert "taro@example.jp" not in screen, pane.framed(screen)
    pane.keys("Down", "Enter")
    screen = pane.wait_for(lambda s: "pick an address" not in s, what="back in the composer")
    assert field_value(screen, "To") == "佐藤 一郎 <ichiro@client.example.com>", pane.framed(screen)
