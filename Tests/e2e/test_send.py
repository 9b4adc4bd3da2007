"""End-to-end tests of `guardmail send` against a real SMTP server on 127.0.0.1.

What the server received is checked with Python's email package, which is
independent of guardmail's own encoder.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Sequence, Tuple

import pytest

from conftest import send_args

import smtpserver

AUTH_USERS = {"taro": "s3cret"}

SENDER = "taro@example.jp"
SENDER_NAME = "山田 太郎"
TO = "山田 花子 <hanako@example.co.jp>"
TO_ADDR, TO_NAME = "hanako@example.co.jp", "山田 花子"
CC = "Sato Jiro <jiro@example.org>"
CC_ADDR = "jiro@example.org"
BCC = "boss@example.net"
SUBJECT = "【重要】お見積りのご送付について — 2026年度版"
BODY = (
    "山田花子様\n"
    "\n"
    "いつもお世話になっております。山田太郎です。\n"
    "2026年度版のお見積書を添付いたしますので、ご査収ください。\n"
    ".\n"
    ".ドットで始まる行です。\n"
    "..二つのドットで始まる行\n"
    "From me\n"
    "\n"
    "何卒よろしくお願い申し上げます。\n"
)
ATTACHMENT_NAME = "見積書_2026年度.pdf"
ATTACHMENT_BYTES = random.Random(7).randbytes(1 << 20)


# --------------------------------------------------------------------------
# Helpers: wire format and parsing, independent of guardmail


ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def header_section(raw: bytes) -> bytes:
    head, sep, _ = raw.partition(b"\r\n\r\n")
    assert sep, "message has no empty line (CRLF CRLF) ending the header section"
    return head + b"\r\n"


def assert_wire_format(raw: bytes) -> None:
    """RFC 5322 2.1.1 / 2.3: CRLF line ends only, lines of at most 998 octets."""
    assert raw.endswith(b"\r\n"), "message does not end with CRLF: %r" % raw[-40:]
    lines = raw.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        assert b"\n" not in line and b"\r" not in line, (
            "line %d has a bare CR or LF: %r" % (number, line[:120]))
        assert len(line) <= 998, "line %d is %d octets (max 998): %r…" % (
            number, len(line), line[:80])


def header_field_lines(raw: bytes, name: str) -> list:
    """The physical lines (first + continuation lines) of every `name:` field."""
    fields, current = [], None
    for line in header_section(raw).split(b"\r\n")[:-1]:
        if line[:1] in (b" ", b"\t"):
            if current is not None:
                current.append(line)
            continue
        current = None
        if line.lower().startswith(name.lower().encode() + b":"):
            current = [line]
            fields.append(current)
    return fields


def assert_no_bcc(raw: bytes, bcc_addresses: Sequence[str]) -> None:
    """No Bcc header field anywhere, and the Bcc addresses appear nowhere."""
    bcc_lines = re.findall(rb"(?im)^bcc[ \t]*:.*$", raw)
    assert not bcc_lines, "transmitted message has a Bcc header: %r" % bcc_lines
    for address in bcc_addresses:
        assert address.lower().encode() not in raw.lower(), (
            "Bcc recipient %s appears in the transmitted message" % address)


# RFC 2047 5(3) forbids encoded words inside quoted strings, but MUAs
# (Outlook, Thunderbird) put `name="=?UTF-8?B?...?="` on Content-Type next to
# the RFC 2231 `filename*=` of Content-Disposition so that old readers show
# the name.  That legacy practice alone is tolerated; anything else is not.
LEGACY_NAME_DEFECTS = {"encoded word inside quoted string",
                       "missing trailing whitespace after encoded-word"}


def assert_no_defects(msg) -> None:
    for part in msg.walk():
        assert not part.defects, "email package found defects in %s part: %r" % (
            part.get_content_type(), part.defects)
        for name, value in part.items():
            defects = list(getattr(value, "defects", ()))
            if name.lower() == "content-type" and "name" in getattr(value, "params", {}):
                defects = [d for d in defects if str(d) not in LEGACY_NAME_DEFECTS]
            assert not defects, "header %s: %r has defects %r" % (name, str(value), defects)


def addresses(msg, name: str) -> list:
    header = msg[name]
    assert header is not None, "no %s header" % name
    return [(a.display_name, a.addr_spec) for a in header.addresses]


def body_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain body part in:\n%s" % msg.get_content_type()
    return part.get_content().replace("\r\n", "\n")


def attachments(msg) -> list:
    return [p for p in msg.walk() if not p.is_multipart() and p.get_filename() is not None]


def only_transaction(server) -> smtpserver.Transaction:
    txs = server.transactions
    assert len(txs) == 1, "expected exactly one transaction; " + server.summary()
    return txs[0]


def assert_nothing_sent(server, *, allow_mail: bool = False) -> None:
    assert server.transactions == [], "server received a message; " + server.summary()
    if not allow_mail:
        assert server.mail_commands == [], (
            "client started a mail transaction (MAIL FROM); " + server.summary())


# These tests are about submission; the recipients' domains are the organisation's own, so the
# policy finds nothing to confirm. The policy on the send path has its own tests
# (test_policy_cli.py).
TRANSPORT_POLICY = (
    "",
    "[policy]",
    'internal_domains = ["example.jp", "example.co.jp", "example.com", "example.net", "example.org"]',
)


@pytest.fixture
def config_for(config_for):
    def build(*args, extra_lines=(), **kwargs):
        return config_for(*args, extra_lines=tuple(extra_lines) + TRANSPORT_POLICY, **kwargs)
    return build


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text(BODY, encoding="utf-8")
    return path


@pytest.fixture
def attachment(tmp_path) -> Path:
    d = tmp_path / "attachments"
    d.mkdir()
    path = d / ATTACHMENT_NAME
    path.write_bytes(ATTACHMENT_BYTES)
    return path


@pytest.fixture
def tls_server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


# --------------------------------------------------------------------------
# Delivery


def test_happy_path_starttls_auth_japanese_bcc_attachment(
        guardmail, config_for, tls_server, body_file, attachment):
    r = guardmail(send_args(to=[TO], cc=[CC], bcc=[BCC], subject=SUBJECT,
                            body_file=body_file, attach=[attachment]),
                  config=config_for(tls_server))
    assert r.code == 0, r.describe()
    tx = only_transaction(tls_server)

    # Envelope
    assert tx.mail_from == SENDER
    assert sorted(tx.rcpt_tos) == sorted([TO_ADDR, CC_ADDR, BCC]), tls_server.summary()

    # Session
    assert tx.tls and tx.starttls, "session was not protected by STARTTLS: %r" % tx
    assert tx.auth_login == "taro", tls_server.summary()
    attempts = tls_server.auth_attempts
    assert [(a.login, a.success, a.tls) for a in attempts] == [("taro", True, True)], attempts

    raw = tx.raw
    assert_wire_format(raw)
    assert_no_bcc(raw, [BCC])

    # The sender's copy in the sent Maildir: a Bcc header, then exactly the transmitted bytes.
    sent = list((guardmail.data_home / "guardmail" / "sent" / "cur").iterdir())
    assert len(sent) == 1 and sent[0].name.endswith(":2,S"), sent
    copy = sent[0].read_bytes()
    assert copy.endswith(raw), "the sent copy differs from what the server received"
    own = parse(copy)
    assert own["Bcc"] is not None and BCC in str(own["Bcc"]), copy[:300]
    assert not list((guardmail.data_home / "guardmail" / "spool").iterdir()), "a spool file was left behind"

    msg = parse(raw)
    assert_no_defects(msg)

    # Headers
    assert "Bcc" not in msg
    assert msg["Subject"] == SUBJECT
    assert addresses(msg, "From") == [(SENDER_NAME, SENDER)]
    assert addresses(msg, "To") == [(TO_NAME, TO_ADDR)]
    assert [a for _, a in addresses(msg, "Cc")] == [CC_ADDR]
    assert msg["Date"] is not None and msg["Date"].datetime is not None, "no valid Date"
    assert str(msg.get("MIME-Version", "")).strip() == "1.0"

    # Folding: RFC 2047 section 2 limits an encoded word to 75 characters and
    # a header line holding encoded words to 76; RFC 5322 2.1.1 asks for 78.
    subject_fields = header_field_lines(raw, "Subject")
    assert len(subject_fields) == 1, subject_fields
    for line in subject_fields[0]:
        assert len(line) <= 78, "Subject line not folded to 78 octets: %r" % line
    for line in header_section(raw).split(b"\r\n"):
        words = ENCODED_WORD.findall(line)
        for word in words:
            assert len(word) <= 75, "encoded word longer than 75 characters: %r" % word
        if words:
            assert len(line) <= 76, (
                "header line with encoded words is %d characters (RFC 2047: 76): %r"
                % (len(line), line))

    # Body
    assert body_text(msg) == BODY

    # Attachment
    parts = attachments(msg)
    assert [p.get_filename() for p in parts] == [ATTACHMENT_NAME]
    part = parts[0]
    assert part.get_content_disposition() == "attachment"
    payload = part.get_payload(decode=True)
    assert len(payload) == len(ATTACHMENT_BYTES)
    assert hashlib.sha256(payload).hexdigest() == hashlib.sha256(ATTACHMENT_BYTES).hexdigest()


def test_bcc_recipient_gets_mail_through_envelope_only(
        guardmail, config_for, tls_server, tmp_path):
    body = tmp_path / "b.txt"
    body.write_text("Hello.\n", encoding="utf-8")
    secret = "secret.boss@example.net"
    r = guardmail(send_args(to=["alice@example.com"], bcc=[secret], subject="hello",
                            body_file=body), config=config_for(tls_server))
    assert r.code == 0, r.describe()
    tx = only_transaction(tls_server)
    assert sorted(tx.rcpt_tos) == sorted(["alice@example.com", secret])
    assert_wire_format(tx.raw)
    assert_no_bcc(tx.raw, [secret])
    msg = parse(tx.raw)
    assert [a for _, a in addresses(msg, "To")] == ["alice@example.com"]
    assert "Cc" not in msg and "Bcc" not in msg
    assert body_text(msg) == "Hello.\n"


def test_repeated_flags_and_comma_lists_with_quoted_comma(
        guardmail, config_for, tls_server, tmp_path):
    body = tmp_path / "b.txt"
    body.write_text("Hi all.\n", encoding="utf-8")
    r = guardmail(send_args(
        to=['"Suzuki, Ichiro" <ichiro@example.com>, b@example.com', "c@example.com"],
        cc=["d@example.com,e@example.com"], bcc=["f@example.net, g@example.net"],
        subject="list", body_file=body), config=config_for(tls_server))
    assert r.code == 0, r.describe()
    tx = only_transaction(tls_server)
    assert sorted(tx.rcpt_tos) == sorted(
        ["ichiro@example.com", "b@example.com", "c@example.com", "d@example.com",
         "e@example.com", "f@example.net", "g@example.net"])
    assert_no_bcc(tx.raw, ["f@example.net", "g@example.net"])
    msg = parse(tx.raw)
    assert addresses(msg, "To") == [("Suzuki, Ichiro", "ichiro@example.com"),
                                    ("", "b@example.com"), ("", "c@example.com")]
    assert [a for _, a in addresses(msg, "Cc")] == ["d@example.com", "e@example.com"]


def test_one_recipient_typed_twice_in_two_cases_is_sent_once(
        guardmail, config_for, tls_server, tmp_path):
    """`Bob@example.jp` in To and `bob@EXAMPLE.jp` in Cc are one recipient (the local part and
    the domain compare case-folded): one RCPT TO in the spelling typed first, one copy, and one
    recipient in what guardmail prints and in the journal."""
    body = tmp_path / "b.txt"
    body.write_text("Once only.\n", encoding="utf-8")
    r = guardmail(send_args(to=["Bob@example.jp"], cc=["bob@EXAMPLE.jp"], subject="once",
                            body_file=body), config=config_for(tls_server))
    assert r.code == 0, r.describe()
    assert [a for a, _ in tls_server.rcpt_attempts] == ["Bob@example.jp"], tls_server.summary()
    tx = only_transaction(tls_server)
    assert tx.rcpt_tos == ["Bob@example.jp"], tls_server.summary()
    # The headers stay as written.
    msg = parse(tx.raw)
    assert [a for _, a in addresses(msg, "To")] == ["Bob@example.jp"]
    assert [a for _, a in addresses(msg, "Cc")] == ["bob@example.jp"]
    printed = r.stdout + r.stderr
    assert printed.lower().count("bob@example.jp") == 1, r.describe()

    listed = guardmail(["journal", "--json"])
    assert listed.code == 0, listed.describe()
    messages = json.loads(listed.stdout)["messages"]
    assert [(m["recipients"], m["accepted"]) for m in messages] == [(1, 1)], listed.stdout
    shown = guardmail(["journal", "show", "--json", messages[0]["message_id"]])
    assert shown.code == 0, shown.describe()
    entry = json.loads(shown.stdout)
    assert [(x["address"], x["field"], x["result"]) for x in entry["recipients"]] == [
        ("Bob@example.jp", "to", "accepted")], shown.stdout
    assert [x["address"] for x in entry["replies"]] == ["Bob@example.jp"], shown.stdout


BODIES = {
    # Pure ASCII is likely sent as-is, so the dot lines reach the wire and
    # only dot-stuffing keeps "." from ending DATA early.
    "ascii-dots": ".\n..\n...\n. a dot and a space\n.hidden\nFrom me\n>From me\nend\n",
    # A 3600-octet line must be transfer-encoded to stay within 998 octets;
    # trailing white space must survive the encoding.
    "long-line": "長い行" * 400 + "\ntrailing space \ntab\tin the middle\t\n.\nend\n",
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_body_round_trips_exactly(guardmail, config_for, tls_server, tmp_path, name):
    body = tmp_path / "b.txt"
    body.write_bytes(BODIES[name].encode("utf-8"))
    r = guardmail(send_args(to=["a@example.com"], subject="body " + name, body_file=body),
                  config=config_for(tls_server))
    assert r.code == 0, r.describe()
    tx = only_transaction(tls_server)
    assert_wire_format(tx.raw)
    msg = parse(tx.raw)
    assert_no_defects(msg)
    assert body_text(msg) == BODIES[name]


def test_implicit_tls_smtps(guardmail, config_for, smtp_server, tmp_path):
    server = smtp_server(implicit_tls=True, auth_users=AUTH_USERS)
    body = tmp_path / "b.txt"
    body.write_text("over smtps\n", encoding="utf-8")
    r = guardmail(send_args(to=["a@example.com"], subject="smtps", body_file=body),
                  config=config_for(server))
    assert server.url.startswith("smtps://")
    assert r.code == 0, r.describe()
    tx = only_transaction(server)
    assert tx.tls and not tx.starttls, tx
    assert tx.auth_login == "taro"
    assert tx.rcpt_tos == ["a@example.com"]


def test_insecure_plaintext_without_auth(guardmail, config_for, smtp_server, tmp_path):
    server = smtp_server(starttls=False, auth_users=None)
    body = tmp_path / "b.txt"
    body.write_text("plaintext demo\n", encoding="utf-8")
    cfg = config_for(server, username=None, password_command=None, ca_file=None,
                     insecure=True)
    r = guardmail(send_args(to=["a@example.com"], subject="demo", body_file=body), config=cfg)
    assert r.code == 0, r.describe()
    tx = only_transaction(server)
    assert not tx.tls
    assert tx.auth_login is None
    assert body_text(parse(tx.raw)) == "plaintext demo\n"


def test_demo_capture_server_stores_message_in_maildir(guardmail, config_for, tmp_path,
                                                        body_file):
    maildir = tmp_path / "Maildir"
    with smtpserver.CaptureProcess(maildir, insecure=True) as cap:
        cfg = config_for(url=cap.url, username=None, password_command=None, ca_file=None,
                         insecure=True)
        r = guardmail(send_args(to=[TO], bcc=[BCC], subject=SUBJECT, body_file=body_file,
                                extra=["--accept", "forgotten-attachment"]),
                      config=cfg)
        assert r.code == 0, r.describe()
        files = smtpserver.wait_for_maildir_messages(maildir, 1, timeout=15)
        code, out, err = cap.stop()
    assert len(files) == 1, (files, cap.output, err)
    raw = files[0].read_bytes()
    assert_no_bcc(raw, [BCC])
    msg = parse(raw)
    assert msg["Subject"] == SUBJECT
    assert body_text(msg) == BODY
    delivered = [line for line in cap.output if line.startswith("delivered ")]
    assert len(delivered) == 1 and "<%s>" % BCC in delivered[0], cap.output


# --------------------------------------------------------------------------
# Delivery failures


@dataclass(frozen=True)
class Failure:
    server: Dict = field(default_factory=dict)
    config: Dict = field(default_factory=dict)
    code: int = 69
    phrases: Tuple[str, ...] = ()
    credentials_may_be_sent: bool = False  # AUTH may have been attempted
    mail_allowed: bool = False  # MAIL FROM may have been sent


FAILURES = {
    "wrong-password": Failure(
        server=dict(auth_users=AUTH_USERS), config=dict(password_command="printf %s 'wrong'"),
        code=77, phrases=("login denied",), credentials_may_be_sent=True),
    "no-starttls": Failure(
        server=dict(starttls=False, auth_users=AUTH_USERS),
        phrases=("does not offer STARTTLS",)),
    "untrusted-cert-no-ca-file": Failure(
        server=dict(auth_users=AUTH_USERS, cert="untrusted"), config=dict(ca_file=None),
        phrases=("certificate is not trusted",)),
    "untrusted-cert-other-ca": Failure(
        server=dict(auth_users=AUTH_USERS, cert="untrusted"),
        phrases=("certificate is not trusted",)),
    "host-name-mismatch": Failure(
        server=dict(auth_users=AUTH_USERS, cert="mismatch")),
    # guardmail stops right after the final EHLO: not even MAIL FROM reaches the server.
    "no-auth-offered": Failure(
        server=dict(auth_users=None), phrases=("does not offer AUTH",), mail_allowed=False),
    "temporary-4xx": Failure(
        server=dict(auth_users=AUTH_USERS,
                    refuse={"a@example.com": "450 4.2.1 Mailbox busy, try later"}),
        code=75, credentials_may_be_sent=True, mail_allowed=True),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_delivery_failure(guardmail, config_for, smtp_server, tmp_path, case):
    f = FAILURES[case]
    server = smtp_server(**f.server)
    body = tmp_path / "b.txt"
    body.write_text("should not arrive\n", encoding="utf-8")
    r = guardmail(send_args(to=["a@example.com"], subject="fail", body_file=body),
                  config=config_for(server, **f.config))
    assert r.code == f.code, r.describe() + "\n" + server.summary()
    for phrase in f.phrases:
        assert phrase.lower() in r.stderr.lower(), (
            "stderr lacks %r\n%s" % (phrase, r.describe()))
    assert_nothing_sent(server, allow_mail=f.mail_allowed)
    if not f.credentials_may_be_sent:
        assert server.auth_attempts == [], (
            "credentials were sent to a server that should not get them; " + server.summary())
    if case == "wrong-password":
        assert server.auth_attempts and all(
            a.login == "taro" and not a.success for a in server.auth_attempts), server.summary()


def test_connection_refused(guardmail, config_for, tmp_path):
    blocker = smtpserver.reserve_refusing_port()  # bound, never listening
    try:
        port = blocker.getsockname()[1]
        body = tmp_path / "b.txt"
        body.write_text("nobody listens\n", encoding="utf-8")
        r = guardmail(send_args(to=["a@example.com"], subject="x", body_file=body),
                      config=config_for(url=f"smtp://127.0.0.1:{port}"))
    finally:
        blocker.close()
    assert r.code == 69, r.describe()
    assert "connection refused" in r.stderr.lower(), r.describe()


def test_one_of_three_recipients_refused(guardmail, config_for, smtp_server, tmp_path):
    refused = "c@example.org"
    server = smtp_server(auth_users=AUTH_USERS,
                         refuse={refused: "550 5.1.1 No such user"})
    body = tmp_path / "b.txt"
    body.write_text("partly delivered\n", encoding="utf-8")
    r = guardmail(send_args(to=["a@example.com, " + refused], cc=["b@example.com"],
                            subject="partial", body_file=body),
                  config=config_for(server))
    assert r.code == 69, r.describe()
    lines = [line for line in r.stderr.splitlines()
             if "refused" in line.lower() and refused in line and "550" in line]
    assert lines, "no stderr line with 'refused', %s and 550\n%s" % (refused, r.describe())
    assert (refused, "550 5.1.1 No such user") in server.rcpt_attempts, server.summary()
    tx = only_transaction(server)
    assert sorted(tx.rcpt_tos) == ["a@example.com", "b@example.com"]
    msg = parse(tx.raw)
    assert body_text(msg) == "partly delivered\n"


# --------------------------------------------------------------------------
# Data errors: exit 65, nothing sent


DATA_ERRORS = {
    "invalid-to": (["--to", "taro@@example.jp"], ("taro@@example.jp",)),
    "invalid-cc": (["--to", "ok@example.com", "--cc", "taro@@example.jp"],
                   ("taro@@example.jp",)),
    "invalid-bcc": (["--to", "ok@example.com", "--bcc", "taro@@example.jp"],
                    ("taro@@example.jp",)),
    "fullwidth-at": (["--to", "taro＠example.jp"], ("taro＠example.jp", "U+FF20")),
    "missing-attachment": (["--to", "ok@example.com", "--attach", "{tmp}/no-such-見積書.pdf"],
                           ("{tmp}/no-such-見積書.pdf",)),
    "no-recipients": ([], ()),
}


@pytest.mark.parametrize("case", sorted(DATA_ERRORS))
def test_data_error(guardmail, config_for, tls_server, tmp_path, case):
    args, shown = DATA_ERRORS[case]
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    shown = [s.replace("{tmp}", str(tmp_path)) for s in shown]
    body = tmp_path / "b.txt"
    body.write_text("must not be sent\n", encoding="utf-8")
    r = guardmail(["send", *args, "--subject", "x", "--body-file", str(body)],
                  config=config_for(tls_server))
    assert r.code == 65, r.describe()
    for text in shown:
        assert text.lower() in r.stderr.lower(), "stderr lacks %r\n%s" % (text, r.describe())
    assert_nothing_sent(tls_server)


# --------------------------------------------------------------------------
# Config errors: exit 78


def test_literal_password_is_refused(guardmail, config_for, tls_server, body_file):
    cfg = config_for(tls_server, password_command=None, extra_lines=['password = "s3cret"'])
    r = guardmail(send_args(to=["a@example.com"], body_file=body_file), config=cfg)
    assert r.code == 78, r.describe()
    assert "password_command" in r.stderr, r.describe()
    assert_nothing_sent(tls_server)


UNKNOWN_KEYS = {
    # otherwise valid config with one key too many: the only error is the key
    "extra-key": ("smtp_port", dict(extra_lines=["smtp_port = 587"])),
    # the contract's example: a typo, so password_command is missing as well;
    # the message must still name the key actually written
    "typo": ("pasword_command", dict(password_command=None,
                                     extra_lines=["pasword_command = \"printf %s 's3cret'\""])),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN_KEYS))
def test_unknown_key_is_refused_with_line_number(guardmail, config_for, tls_server, body_file,
                                                 case):
    key, overrides = UNKNOWN_KEYS[case]
    cfg = config_for(tls_server, **overrides)
    line_no = next(i for i, line in enumerate(cfg.splitlines(), 1) if line.startswith(key))
    r = guardmail(send_args(to=["a@example.com"], body_file=body_file), config=cfg)
    assert r.code == 78, r.describe()
    assert key in r.stderr, r.describe()
    numbers = {int(n) for n in re.findall(r"config\.toml:(\d+)", r.stderr)}
    numbers |= {int(n) for n in re.findall(r"(?i)\bline (\d+)", r.stderr)}
    assert line_no in numbers, "stderr does not name line %d\n%s" % (line_no, r.describe())
    assert_nothing_sent(tls_server)


# --------------------------------------------------------------------------
# Dry run


def test_dry_run_prints_message_and_envelope_sends_nothing(
        guardmail, config_for, tls_server, body_file, tmp_path):
    small = tmp_path / "note.txt"
    small.write_bytes(b"attachment text\n")
    r = guardmail(send_args(to=[TO], cc=[CC], bcc=[BCC], subject=SUBJECT,
                            body_file=body_file, attach=[small], extra=["--dry-run"]),
                  config=config_for(tls_server))
    assert r.code == 0, r.describe()
    raw = r.stdout_bytes
    assert_wire_format(raw)
    assert_no_bcc(raw, [BCC])
    msg = parse(raw)
    assert_no_defects(msg)
    assert msg["Subject"] == SUBJECT
    assert addresses(msg, "To") == [(TO_NAME, TO_ADDR)]
    assert body_text(msg) == BODY
    assert [p.get_filename() for p in attachments(msg)] == ["note.txt"]

    mail_from = re.findall(r"(?m)^\s*MAIL FROM:<([^>]*)>", r.stderr)
    rcpt_to = re.findall(r"(?m)^\s*RCPT TO:<([^>]*)>", r.stderr)
    assert mail_from == [SENDER], r.describe()
    assert sorted(rcpt_to) == sorted([TO_ADDR, CC_ADDR, BCC]), r.describe()

    assert tls_server.connections == 0 and tls_server.ehlo_count == 0, tls_server.summary()
    assert_nothing_sent(tls_server)


# --------------------------------------------------------------------------
# The checkers above must be able to fail (no binary needed)


def test_checkers_catch_violations():
    good = b"Subject: a\r\n b\r\nTo: x@example.com\r\n\r\nbody\r\n"
    assert_wire_format(good)
    assert_no_bcc(good, ["boss@example.net"])
    assert header_field_lines(good, "subject") == [[b"Subject: a", b" b"]]
    bad_cases = [
        (assert_wire_format, (b"To: x\r\n\r\nbare LF\nhere\r\n",)),
        (assert_wire_format, (b"To: x\r\n\r\n" + b"y" * 999 + b"\r\n",)),
        (assert_wire_format, (b"To: x\r\n\r\nno final CRLF",)),
        (assert_no_bcc, (b"To: x\r\nBCC: boss@example.net\r\n\r\nb\r\n", [])),
        (assert_no_bcc, (b"To: x\r\nX-Note: Boss@Example.NET\r\n\r\nb\r\n",
                         ["boss@example.net"])),
    ]
    for check, args in bad_cases:
        with pytest.raises(AssertionError):
            check(*args)
