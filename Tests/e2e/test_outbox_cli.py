"""End-to-end tests of the countdown hold, the outbox and the send journal on the command line
(`guardmail send`, `guardmail outbox …`, `guardmail journal …`), against a real SMTP server on
127.0.0.1 (STARTTLS + AUTH, from the fixtures).

A `send` that holds its message runs in the background (subprocess.Popen); other guardmail
processes cancel it, release it early, or find it after it was killed.  What the server got is
read from its records; messages are parsed with Python's email package.  Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import datetime
import email
import email.policy
import hashlib
import os
import random
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from conftest import AUTH_USERS, binary_path, send_args
from test_send import config_for  # noqa: F401  (the fixture: test domains are internal)

# The recipients' domains are the organisation's own unless a test says otherwise (test_send's
# config_for fixture), so the policy finds nothing to confirm and the hold is the internal one.
EXTERNAL_ADDR = "partner@external-partner.test"  # not one of test_send.TRANSPORT_POLICY's domains
NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"  # never the machine's /etc file
ENV = {"GUARDMAIL_POLICY": NO_ORG_POLICY}

HELD = re.compile(r"^guardmail: held as (\S+): sending in (\d+) s\.")
FINDING = re.compile(r"^guardmail: (INFO|CONFIRM|BLOCK) +[a-z0-9-]+: ")
START_TIMEOUT = 20.0  # s: from Popen to the "held as" line (policy, inspection, freezing)
EXIT_TIMEOUT = 15.0  # s: from a cancel / the end of the hold to the send's exit
ATTACHMENT_BYTES = random.Random(11).randbytes(300 * 1024)


# --------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n本日の件、よろしくお願いいたします。\n", encoding="utf-8")
    return path


def write_config(guardmail, text: str) -> None:
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(text, encoding="utf-8")


def gm(guardmail, args, **kwargs):
    """Runs guardmail (foreground) without the machine's organisation policy."""
    env = dict(ENV)
    env.update(kwargs.pop("env", None) or {})
    return guardmail(args, env=env, **kwargs)


def data_dir(guardmail) -> Path:
    return guardmail.data_home / "guardmail"


def outbox_dirs(guardmail) -> List[Path]:
    d = data_dir(guardmail) / "outbox"
    return sorted(p for p in d.iterdir()) if d.is_dir() else []


def sent_copies(guardmail, outbox_id: Optional[str] = None) -> List[Path]:
    cur = data_dir(guardmail) / "sent" / "cur"
    files = sorted(cur.iterdir()) if cur.is_dir() else []
    if outbox_id is not None:
        files = [f for f in files if f.name.split(":")[0] == outbox_id]
    return files


def outbox_list(guardmail) -> Dict[str, str]:
    """`guardmail outbox list` -> {id: state text}; {} when it says the outbox is empty."""
    r = gm(guardmail, ["outbox", "list"])
    assert r.code == 0, r.describe()
    if r.stdout.strip() == "The outbox is empty.":
        return {}
    entries = {}
    for line in r.stdout.splitlines():
        if line and not line[0].isspace():
            ident, _, state = line.partition("  ")
            entries[ident.strip()] = state.strip()
    assert entries, "cannot read `outbox list`:\n" + r.describe()
    return entries


def assert_outbox_empty(guardmail) -> None:
    entries = outbox_list(guardmail)
    assert entries == {}, "outbox list is not empty: %r" % entries
    assert outbox_dirs(guardmail) == [], "outbox folder still has %r" % outbox_dirs(guardmail)


def only_entry(guardmail):
    entries = outbox_list(guardmail)
    assert len(entries) == 1, "expected exactly one outbox entry: %r" % entries
    return next(iter(entries.items()))


def message_id_of(guardmail, outbox_id: str) -> str:
    r = gm(guardmail, ["outbox", "show", outbox_id])
    assert r.code == 0, r.describe()
    m = re.search(r"(?m)^Message-ID:\s+(<[^>\s]+>)\s*$", r.stdout)
    assert m, "no Message-ID line in `outbox show`:\n" + r.describe()
    return m.group(1)


def journal_outcome(guardmail, message_id: str) -> str:
    r = gm(guardmail, ["journal", "show", message_id])
    assert r.code == 0, r.describe()
    m = re.search(r"(?m)^Outcome:\s+(.+?)\s*$", r.stdout)
    assert m, "no Outcome line in `journal show`:\n" + r.describe()
    return m.group(1)


def rcpt_count(server, address: str) -> int:
    """How many accepted transactions carried `address` (over all transactions)."""
    return sum(1 for tx in server.transactions for r in tx.rcpt_tos if r.lower() == address.lower())


def assert_server_got_nothing(server) -> None:
    assert server.transactions == [], "server received a message; " + server.summary()
    assert server.rcpt_attempts == [], "client sent RCPT TO; " + server.summary()
    assert server.mail_commands == [], "client sent MAIL FROM; " + server.summary()


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


class BackgroundSend:
    """`guardmail send …` running in the background; stderr read line by line as it comes."""

    def __init__(self, guardmail, args: Sequence[str]):
        binary = binary_path()
        assert binary.is_file(), f"no guardmail binary at {binary}"
        self.argv = [str(binary), *[os.fspath(a) for a in args]]
        self._cond = threading.Condition()
        self._err: List[str] = []
        self._out: List[bytes] = []
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=guardmail.env(ENV), cwd=guardmail.tmp)
        self._threads = [threading.Thread(target=self._read_err, daemon=True),
                         threading.Thread(target=self._read_out, daemon=True)]
        for t in self._threads:
            t.start()

    def _read_err(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self._err.append(line.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _read_out(self) -> None:
        for chunk in iter(lambda: self.proc.stdout.read(4096), b""):
            with self._cond:
                self._out.append(chunk)

    @property
    def stderr_lines(self) -> List[str]:
        with self._cond:
            return list(self._err)

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    @property
    def stdout(self) -> str:
        with self._cond:
            return b"".join(self._out).decode("utf-8", "replace")

    def describe(self) -> str:
        return "guardmail %s\n  exit: %r\n  stderr:\n%s\n  stdout:\n%s" % (
            " ".join(self.argv[1:]), self.proc.poll(), self.stderr, self.stdout)

    def wait_for_line(self, pattern, timeout: float = START_TIMEOUT) -> re.Match:
        """The first stderr line matching `pattern` (bounded wait)."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._err:
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and self._threads[0].is_alive() is False):
                    break
                self._cond.wait(min(left, 0.2))
        pytest.fail("no stderr line matching %r within %.0f s\n%s"
                    % (regex.pattern, timeout, self.describe()), pytrace=False)

    def wait_held(self, timeout: float = START_TIMEOUT):
        """Waits for the "held as ID: sending in N s" line, which must be the first line of
        stderr after the policy's findings (if any); -> (id, seconds)."""
        m = self.wait_for_line(HELD, timeout)
        lines = self.stderr_lines
        before = lines[:next(i for i, line in enumerate(lines) if HELD.match(line))]
        assert all(FINDING.match(line) for line in before), (
            "stderr has other lines before the held line:\n" + self.describe())
        return m.group(1), int(m.group(2))

    def wait(self, timeout: float = EXIT_TIMEOUT) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail("guardmail send did not exit within %.0f s\n%s" % (timeout, self.describe()),
                        pytrace=False)
        for t in self._threads:
            t.join(5)
        return code

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        for t in self._threads:
            t.join(5)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(10)
        finally:
            for stream in (self.proc.stdout, self.proc.stderr):
                try:
                    stream.close()
                except Exception:
                    pass


def background(guardmail, args) -> BackgroundSend:
    return BackgroundSend(guardmail, args)


def signal_end_of_data(server) -> threading.Event:
    """An event set when the server has the whole message (the end of DATA), before it answers.

    Wraps the recording handler's DATA hook of this server instance (aiosmtpd looks the hooks
    up per connection, so this must happen before the client connects)."""
    event = threading.Event()
    original = server.handler.handle_DATA

    async def handle_DATA(srv, session, envelope):
        event.set()
        return await original(srv, session, envelope)

    server.handler.handle_DATA = handle_DATA
    return event


# --------------------------------------------------------------------------
# 1. Hold, cancelled from another process


def test_cancel_from_another_process_during_the_hold(guardmail, config_for, server, body_file):
    write_config(guardmail, config_for(server, hold=30))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="取り消すメール",
                                           body_file=body_file))
    try:
        outbox_id, seconds = send.wait_held()
        assert seconds == 30, send.describe()

        entries = outbox_list(guardmail)
        assert outbox_id in entries, "outbox list does not show %s: %r" % (outbox_id, entries)
        assert "sends in" in entries[outbox_id], entries
        message_id = message_id_of(guardmail, outbox_id)

        r = gm(guardmail, ["outbox", "cancel", outbox_id])
        assert r.code == 0, r.describe()
        assert f"cancelled {outbox_id}; nothing was sent" in r.stdout, r.describe()

        code = send.wait()
        assert code == 0, send.describe()
        assert "cancelled" in send.stderr.lower(), send.describe()
    finally:
        send.close()
    assert server.settle(10), server.summary()
    assert_server_got_nothing(server)
    assert_outbox_empty(guardmail)
    assert sent_copies(guardmail) == []
    outcome = journal_outcome(guardmail, message_id)
    assert outcome.startswith("undone"), "journal outcome %r, expected undone" % outcome


# --------------------------------------------------------------------------
# 2. Ctrl-C (SIGINT) during the hold


def test_sigint_during_the_hold_cancels(guardmail, config_for, server, body_file):
    write_config(guardmail, config_for(server, hold=30))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="Ctrl-C",
                                           body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        # The first countdown line is written once the countdown runs (and Ctrl-C is its undo).
        send.wait_for_line(r"^guardmail: sending in \d+ s$", timeout=5)
        message_id = message_id_of(guardmail, outbox_id)
        send.proc.send_signal(signal.SIGINT)
        code = send.wait()
        assert code == 130, send.describe()
        assert "cancelled" in send.stderr.lower(), send.describe()
    finally:
        send.close()
    assert server.settle(10), server.summary()
    assert_server_got_nothing(server)
    assert_outbox_empty(guardmail)
    assert journal_outcome(guardmail, message_id).startswith("undone")


# --------------------------------------------------------------------------
# 3. Released early from another process


def test_release_from_another_process_sends_at_once(guardmail, config_for, server, body_file):
    write_config(guardmail, config_for(server, hold=60))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="今すぐ送る",
                                           body_file=body_file))
    try:
        outbox_id, seconds = send.wait_held()
        assert seconds == 60
        released_at = time.monotonic()
        r = gm(guardmail, ["outbox", "release", outbox_id])
        assert r.code == 0, r.describe()
        assert f"asked the guardmail holding {outbox_id} to send it now" in r.stdout, r.describe()
        code = send.wait(timeout=20)
        took = time.monotonic() - released_at
        assert code == 0, send.describe()
    finally:
        send.close()
    assert took < 20, "send finished %.1f s after the release" % took
    assert server.settle(10), server.summary()
    assert len(server.transactions) == 1, server.summary()
    assert server.transactions[0].rcpt_tos == ["hanako@example.co.jp"]
    assert_outbox_empty(guardmail)
    assert len(sent_copies(guardmail, outbox_id)) == 1


# --------------------------------------------------------------------------
# 4. The built-in hold lengths: 10 s internal only, 60 s with an external recipient


def test_default_hold_lengths(guardmail, config_for, server, body_file):
    write_config(guardmail, config_for(server, hold=None))

    def held_for(args) -> int:
        send = background(guardmail, args)
        try:
            outbox_id, seconds = send.wait_held()
            r = gm(guardmail, ["outbox", "cancel", outbox_id])
            assert r.code == 0, r.describe()
            assert send.wait() == 0, send.describe()
        finally:
            send.close()
        return seconds

    internal = send_args(to=["hanako@example.co.jp"], subject="社内", body_file=body_file)
    assert held_for(internal) == 10

    # First without --accept: the findings an external recipient raises are named on stderr.
    external = send_args(to=[EXTERNAL_ADDR], subject="社外", body_file=body_file)
    first = gm(guardmail, external)
    accepts = re.findall(r"--accept (\S+)", first.stderr)
    if first.code == 1:
        assert accepts, "exit 1 without naming a --accept\n" + first.describe()
    else:  # nothing to confirm: it was held (and sent after 60 s) -- not expected here
        pytest.fail("an external recipient needed no confirmation\n" + first.describe())
    assert held_for(external + [a for rule in accepts for a in ("--accept", rule)]) == 60

    assert server.settle(10), server.summary()
    assert_server_got_nothing(server)
    assert_outbox_empty(guardmail)


# --------------------------------------------------------------------------
# 5. The message is frozen: changing an attached file during the hold changes nothing


def test_changing_the_attachment_during_the_hold_changes_nothing(
        guardmail, config_for, server, body_file, tmp_path):
    attachment = tmp_path / "見積書.bin"
    attachment.write_bytes(ATTACHMENT_BYTES)
    original_sha = hashlib.sha256(ATTACHMENT_BYTES).hexdigest()
    other = random.Random(12).randbytes(len(ATTACHMENT_BYTES))
    write_config(guardmail, config_for(server, hold=3))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="添付",
                                           body_file=body_file, attach=[attachment]))
    try:
        outbox_id, _ = send.wait_held()
        attachment.write_bytes(other)  # same size, other bytes
        code = send.wait(timeout=3 + EXIT_TIMEOUT)
        assert code == 0, send.describe()
    finally:
        send.close()
    assert server.settle(10), server.summary()
    assert len(server.transactions) == 1, server.summary()
    msg = parse(server.transactions[0].raw)
    parts = [p for p in msg.walk() if not p.is_multipart() and p.get_filename() is not None]
    assert [p.get_filename() for p in parts] == ["見積書.bin"], [p.get_filename() for p in parts]
    payload = parts[0].get_payload(decode=True)
    assert hashlib.sha256(payload).hexdigest() == original_sha, (
        "the server received other bytes than were attached when the message was confirmed")
    # The journal records the SHA-256 of the bytes sent.
    message_id = msg["Message-ID"].strip()
    r = gm(guardmail, ["journal", "show", message_id])
    assert r.code == 0, r.describe()
    assert original_sha in r.stdout, r.describe()
    assert hashlib.sha256(other).hexdigest() not in r.stdout, r.describe()


# --------------------------------------------------------------------------
# 6. kill -9 during the hold: nothing is sent on its own; release sends it


def test_killed_during_the_hold_is_interrupted_until_released(
        guardmail, config_for, server, body_file):
    write_config(guardmail, config_for(server, hold=30))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="強制終了",
                                           body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        send.kill9()
        assert send.proc.returncode == -signal.SIGKILL
    finally:
        send.close()
    time.sleep(2)  # nothing may change on its own
    assert server.settle(10), server.summary()
    assert_server_got_nothing(server)
    entries = outbox_list(guardmail)
    assert outbox_id in entries, entries
    assert "interrupted" in entries[outbox_id], entries

    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 0, r.describe()
    assert len(server.transactions) == 1, server.summary()
    assert server.transactions[0].rcpt_tos == ["hanako@example.co.jp"]
    assert_outbox_empty(guardmail)
    assert len(sent_copies(guardmail, outbox_id)) == 1


def test_outbox_show_and_list_name_a_unicode_domain_in_unicode(
        guardmail, config_for, server, body_file):
    """record.toml keeps the Unicode form beside the wire form; `outbox show` and `list` show it."""
    write_config(guardmail, config_for(server, hold=30))
    send = background(guardmail, send_args(to=["hanako@例え.jp"], subject="国際化ドメイン", accept=["new-domain"],
                                           body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        send.kill9()
    finally:
        send.close()
    record = (data_dir(guardmail) / "outbox" / outbox_id / "record.toml").read_text(encoding="utf-8")
    assert 'address = "hanako@xn--r8jz45g.jp"' in record, record
    assert 'display = "hanako@例え.jp"' in record, record
    r = gm(guardmail, ["outbox", "show", outbox_id])
    assert r.code == 0, r.describe()
    assert re.search(r"(?m)^  To  <hanako@例え\.jp>$", r.stdout), r.describe()
    r = gm(guardmail, ["outbox", "list"])
    assert r.code == 0 and "例え.jp" in r.stdout, r.describe()
    assert_server_got_nothing(server)


def test_killed_during_a_short_hold_is_not_sent_after_the_hold_ends(
        guardmail, config_for, server, body_file):
    """(Added) The hold's end passes while no guardmail runs it; other guardmail commands run
    after that (list, show, journal, an unrelated send) must not send it."""
    write_config(guardmail, config_for(server, hold=2))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="短い保留",
                                           body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        send.kill9()
    finally:
        send.close()
    time.sleep(2 + 2)  # past the end of the hold, and 2 s more
    entries = outbox_list(guardmail)
    assert "interrupted" in entries.get(outbox_id, ""), entries
    assert gm(guardmail, ["outbox", "show", outbox_id]).code == 0
    assert gm(guardmail, ["journal"]).code == 0
    write_config(guardmail, config_for(server, hold=0))
    other = gm(guardmail, send_args(to=["jiro@example.org"], subject="別件", body_file=body_file))
    assert other.code == 0, other.describe()
    assert rcpt_count(server, "hanako@example.co.jp") == 0, server.summary()
    assert rcpt_count(server, "jiro@example.org") == 1, server.summary()
    assert "interrupted" in outbox_list(guardmail).get(outbox_id, ""), "interrupted entry changed"
    r = gm(guardmail, ["outbox", "cancel", outbox_id])
    assert r.code == 0, r.describe()
    assert_outbox_empty(guardmail)
    assert rcpt_count(server, "hanako@example.co.jp") == 0, server.summary()


# --------------------------------------------------------------------------
# 7. kill -9 while submitting: unknown, never resent on its own


def test_killed_while_submitting_is_unknown_and_not_resent(
        guardmail, config_for, smtp_server, body_file):
    delay = 4
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, data_delay=delay)
    end_of_data = signal_end_of_data(server)
    write_config(guardmail, config_for(server, hold=0))
    first = "hanako@example.co.jp"
    send = background(guardmail, send_args(to=[first], subject="送信中に終了", body_file=body_file))
    try:
        assert end_of_data.wait(START_TIMEOUT), (
            "the server never got the end of DATA\n%s\n%s" % (send.describe(), server.summary()))
        killed_at = time.monotonic()
        send.kill9()
    finally:
        send.close()
    (outbox_id, state), = outbox_list(guardmail).items()
    assert state.startswith("unknown"), "state after kill -9 while submitting: %r" % state

    # After the server's delay it has (at most) the one copy.
    time.sleep(max(0.0, delay + 1 - (time.monotonic() - killed_at)))
    assert server.settle(10), server.summary()
    assert len(server.transactions) <= 1, server.summary()
    before = rcpt_count(server, first)

    other = gm(guardmail, send_args(to=["jiro@example.org"], subject="別件", body_file=body_file))
    assert other.code == 0, other.describe()
    assert rcpt_count(server, "jiro@example.org") == 1, server.summary()
    assert rcpt_count(server, first) == before <= 1, server.summary()
    entries = outbox_list(guardmail)
    assert entries.get(outbox_id, "").startswith("unknown"), entries


# --------------------------------------------------------------------------
# 8. 421 to MAIL FROM: temporary failure, stays in the outbox


def test_421_to_mail_stays_in_the_outbox(guardmail, config_for, smtp_server, body_file):
    reply = "421 4.3.2 Service busy, try later"
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, mail_reply=reply)
    r = gm(guardmail, send_args(to=["hanako@example.co.jp"], subject="421", body_file=body_file),
           config=config_for(server, hold=0))
    assert r.code == 75, r.describe() + "\n" + server.summary()
    assert "Service busy, try later" in r.stderr, r.describe()
    outbox_id, state = only_entry(guardmail)
    # `send` ends after the attempt, so nobody retries: it waits for the user, with the reason.
    assert state.startswith("interrupted: nothing was sent (") and "421" in state \
        and "Service busy" in state and "not retried" in state, state
    assert server.transactions == [] and server.rcpt_attempts == [], server.summary()
    assert sent_copies(guardmail) == []


# --------------------------------------------------------------------------
# 9. The connection drops in the middle of DATA


def test_connection_dropped_in_data_stays_in_the_outbox(guardmail, config_for, smtp_server,
                                                        body_file):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, drop_in_data=True)
    r = gm(guardmail, send_args(to=["hanako@example.co.jp"], subject="切断", body_file=body_file),
           config=config_for(server, hold=0))
    assert r.code == 75, r.describe() + "\n" + server.summary()
    assert server.handler.dropped >= 1, server.summary()
    assert server.transactions == [], server.summary()
    outbox_id, state = only_entry(guardmail)
    # Small message: all of it was handed over before the reset, so "unknown" (never resent on
    # its own); otherwise a failure that `send` does not retry after it ends ("interrupted").
    m = re.match(r"(interrupted|unknown)\b\W*(.*)$", state)
    assert m, "state is neither interrupted nor unknown: %r" % state
    assert len(m.group(2).strip()) >= 5, "no reason given in the state: %r" % state
    assert sent_copies(guardmail) == []


def test_connection_dropped_early_in_a_large_data_is_a_failure_not_unknown(
        guardmail, config_for, smtp_server, body_file, tmp_path):
    """(Added) With a message far larger than the socket buffers, the server's reset reaches
    guardmail while it is still writing DATA: the message was not handed over, so the state is
    a failure, not "unknown"; `send` does not retry after it ends, so it waits for the user
    ("interrupted: nothing was sent (<reason>; not retried …)")."""
    big = tmp_path / "large.bin"
    big.write_bytes(random.Random(13).randbytes(12 << 20))
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, drop_in_data=True)
    r = gm(guardmail, send_args(to=["hanako@example.co.jp"], subject="大きい", body_file=body_file,
                                attach=[big]),
           config=config_for(server, hold=0), timeout=120)
    assert r.code == 75, r.describe() + "\n" + server.summary()
    assert server.handler.dropped >= 1 and server.transactions == [], server.summary()
    outbox_id, state = only_entry(guardmail)
    assert state.startswith("interrupted: nothing was sent (") and "not retried" in state, state


# --------------------------------------------------------------------------
# 10. One of three recipients refused; release retries only that one


def test_partly_sent_release_retries_only_the_refused(guardmail, config_for, smtp_server,
                                                      body_file):
    refused = "c@example.org"
    server = smtp_server(starttls=True, auth_users=AUTH_USERS,
                         refuse={refused: "550 5.1.1 No such user"})
    r = gm(guardmail, send_args(to=["a@example.com", refused], cc=["b@example.com"],
                                subject="一部失敗", body_file=body_file),
           config=config_for(server, hold=0))
    assert r.code == 69, r.describe()
    assert rcpt_count(server, "a@example.com") == 1, server.summary()
    assert rcpt_count(server, "b@example.com") == 1, server.summary()
    assert rcpt_count(server, refused) == 0, server.summary()
    outbox_id, state = only_entry(guardmail)
    assert "partly sent" in state and refused in state, state

    server.handler.refuse.pop(refused)
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 0, r.describe() + "\n" + server.summary()
    assert rcpt_count(server, refused) == 1, server.summary()
    assert rcpt_count(server, "a@example.com") == 1, server.summary()
    assert rcpt_count(server, "b@example.com") == 1, server.summary()
    assert len(server.transactions) == 2, server.summary()
    assert_outbox_empty(guardmail)
    assert len(sent_copies(guardmail, outbox_id)) == 1, sent_copies(guardmail)


# --------------------------------------------------------------------------
# 11. Journal queries after a mix of outcomes


def journal_rows(guardmail, *filters) -> Dict[str, str]:
    """`guardmail journal [filters]` -> {message-id: line}; {} for "no messages …"."""
    r = gm(guardmail, ["journal", *filters])
    assert r.code == 0, r.describe()
    lines = r.stdout.splitlines()
    if r.stdout.strip() in ("no messages match", "no messages yet"):
        return {}
    assert lines and lines[0].startswith("WHEN") and lines[1].startswith("  MESSAGE-ID"), r.describe()
    rows = {}
    # Two lines a message (the list fits 80 columns): the first from WHEN to SUBJECT, the
    # second the Message-ID and the domains.
    data = [line for line in lines[2:] if not line.startswith("* ")]
    assert len(data) % 2 == 0, r.describe()
    for first, second in zip(data[0::2], data[1::2]):
        m = re.match(r"^  (<[^>\s]+>)", second)
        assert m, "journal entry without a Message-ID: %r\n%s" % (second, r.describe())
        rows[m.group(1)] = first + "\n" + second
    return rows


def outcome_of(line: str) -> str:
    """The OUTCOME column of a journal line (after WHEN: date and time)."""
    m = re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d  (.+?)\s{2,}\d", line)
    assert m, "cannot read the outcome of %r" % line
    return m.group(1)


def test_journal_after_sent_cancelled_failed_and_partial(guardmail, config_for, smtp_server,
                                                          body_file):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, refuse={
        "c1@example.org": "550 5.1.1 No such user c1",
        "d2@example.org": "550 5.1.1 No such user d2",
    })
    ids = {}

    # sent
    r = gm(guardmail, send_args(to=["a1@example.com"], subject="送信済み", body_file=body_file),
           config=config_for(server, hold=0))
    assert r.code == 0, r.describe()
    ids["sent"] = parse(server.transactions[-1].raw)["Message-ID"].strip()

    # cancelled during the hold
    write_config(guardmail, config_for(server, hold=30))
    send = background(guardmail, send_args(to=["b1@example.net"], subject="取り消し",
                                           body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        ids["undone"] = message_id_of(guardmail, outbox_id)
        assert gm(guardmail, ["outbox", "cancel", outbox_id]).code == 0
        assert send.wait() == 0, send.describe()
    finally:
        send.close()

    # failed permanently (the only recipient refused), then discarded
    r = gm(guardmail, send_args(to=["c1@example.org"], subject="失敗", body_file=body_file),
           config=config_for(server, hold=0))
    assert r.code == 69, r.describe()
    failed_id, state = only_entry(guardmail)
    assert state.startswith("failed"), state
    ids["failed"] = message_id_of(guardmail, failed_id)
    assert outcome_of(journal_rows(guardmail, "--to", "c1@example.org")[ids["failed"]]) == "failed"
    r = gm(guardmail, ["outbox", "cancel", failed_id])
    assert r.code == 0, r.describe()
    assert_outbox_empty(guardmail)

    # partial: d1 accepted, d2 refused
    r = gm(guardmail, send_args(to=["d1@example.co.jp", "d2@example.org"], subject="一部",
                                body_file=body_file))
    assert r.code == 69, r.describe()
    partial_id, state = only_entry(guardmail)
    ids["partial"] = message_id_of(guardmail, partial_id)

    assert server.settle(10)
    everything = journal_rows(guardmail)
    assert set(everything) == set(ids.values()), everything
    outcomes = {kind: outcome_of(everything[mid]) for kind, mid in ids.items()}
    assert outcomes == {"sent": "sent", "undone": "undone", "failed": "discarded",
                        "partial": "partially sent"}, outcomes

    # --to: exact recipient, case-insensitively, also with a display name
    assert set(journal_rows(guardmail, "--to", "a1@example.com")) == {ids["sent"]}
    assert set(journal_rows(guardmail, "--to", "B1@Example.NET")) == {ids["undone"]}
    assert set(journal_rows(guardmail, "--to", "二郎 <d2@example.org>")) == {ids["partial"]}
    assert journal_rows(guardmail, "--to", "nobody@example.com") == {}
    # --domain: exactly that domain
    assert set(journal_rows(guardmail, "--domain", "example.org")) == {ids["failed"], ids["partial"]}
    assert set(journal_rows(guardmail, "--domain", "example.co.jp")) == {ids["partial"]}
    assert set(journal_rows(guardmail, "--domain", "@example.com")) == {ids["sent"]}
    assert journal_rows(guardmail, "--domain", "co.jp") == {}
    # --since
    today = datetime.date.today()
    assert set(journal_rows(guardmail, "--since", today.isoformat())) == set(ids.values())
    future = (today + datetime.timedelta(days=2)).isoformat()
    r = gm(guardmail, ["journal", "--since", future])
    assert r.code == 0 and r.stdout.strip() == "no messages match", r.describe()

    # journal show: per-recipient results of the partial one
    r = gm(guardmail, ["journal", "show", ids["partial"]])
    assert r.code == 0, r.describe()
    rcpt = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s+(To|Cc|Bcc)\s+(\S+@\S+)\s+.*?\b(accepted|refused|not submitted)\b\s*(.*)$",
                     line)
        if m:
            rcpt[m.group(2)] = (m.group(3), m.group(4))
    assert set(rcpt) == {"d1@example.co.jp", "d2@example.org"}, r.describe()
    assert rcpt["d1@example.co.jp"][0] == "accepted" and rcpt["d1@example.co.jp"][1].startswith("250")
    assert rcpt["d2@example.org"][0] == "refused", r.describe()
    assert "550 5.1.1 No such user d2" in rcpt["d2@example.org"][1], r.describe()
    assert re.search(r"(?m)^Outcome:\s+partially sent", r.stdout), r.describe()
