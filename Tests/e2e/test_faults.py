"""The fault matrix: `guardmail send` and `guardmail bulk` (bcc and individual) against an SMTP
server that misbehaves at every step (Tests/e2e/faultserver.py), and the send path's own
durability faults (a full disk during the hold, a locked journal, kill -9).

For every fault the test checks the exit status, the outbox state (state.toml), the journal
(read with sqlite3), and -- after the server is healed and the user runs `outbox release` /
`bulk --resume` -- the number of copies each recipient got at the server: never more than one
(a recipient whose outcome is unknown is never sent to again without --resend-unknown).

The SMTP timeouts are shortened with GUARDMAIL_SMTP_TIMEOUTS so that a silent server costs a
second, not minutes; the fault server's own silences last longer than that.  No assertion is
about time: a wait that does not end fails the run through the subprocess timeout.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from conftest import binary_path, send_args

TIMEOUTS = "connect=2,reply=1,stall=2,final=1,final_per_mib=0"
RELAXED = "connect=10,reply=10,stall=10,final=10,final_per_mib=0"  # for the slow-but-fine server
SILENCE = 200.0  # s: how long the fault server stays silent: above TIMEOUTS and above the 186 s the
# client waited before issue 10 (a client that leaves ends the silence at once)
RUN_TIMEOUT = 60  # s: any single guardmail run
NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"
INTERNAL = ("", "[policy]", 'internal_domains = ["example.jp", "example.com", "example.org"]')
SEND_RCPTS = ["a@example.com", "b@example.com", "c@example.org"]
BULK_RCPTS = ["user1@example.org", "user2@example.org", "user3@example.org", "user4@example.org"]
BIG_ATTACHMENT = 3 << 20  # bytes: more than libcurl reads ahead, so a cut in DATA is before the end


# --------------------------------------------------------------------------
# The table


@dataclass
class Fault:
    id: str
    fault: str
    params: Dict = field(default_factory=dict)
    # send: exit status, outbox state afterwards ("" = left the outbox: sent), journal's latest event
    send_exit: int = 0
    send_state: str = ""
    send_journal: str = "sent"
    # recipients of `send` the server refuses (partial sends)
    send_refused: Sequence[str] = ()
    # bulk: the exit status of the first run, per mode
    bulk_exit: Dict[str, int] = field(default_factory=lambda: {"bcc": 0, "individual": 0})
    # the fault hits every connection (refuse, greeting, TLS, AUTH), not one transaction
    per_connection: bool = False
    timeouts: str = TIMEOUTS
    big: bool = False


FAULTS = [
    Fault("well-behaved", "none"),
    Fault("refused-connection", "refuse", send_exit=69, send_state="failed-permanently", send_journal="failed",
          bulk_exit={"bcc": 75, "individual": 75}, per_connection=True),
    Fault("greeting-421", "greeting", {"reply": "421 4.3.2 Try again later"}, send_exit=75,
          send_state="interrupted", send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}, per_connection=True),
    Fault("greeting-554", "greeting", {"reply": "554 5.3.2 No SMTP service here"}, send_exit=69,
          send_state="failed-permanently", send_journal="failed", bulk_exit={"bcc": 75, "individual": 75}, per_connection=True),
    Fault("mail-451", "mail", {"reply": "451 4.3.0 Try again later"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted"),
    Fault("mail-550", "mail", {"reply": "550 5.7.1 Sender refused"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("rcpt-550-all", "rcpt", {"reply": "550 5.1.1 No such user"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 69, "individual": 69}),
    Fault("rcpt-450-all", "rcpt", {"reply": "450 4.2.1 Mailbox busy"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("rcpt-550-one", "rcpt", {"reply": "550 5.1.1 No such user", "addresses": ["b@example.com", "user3@example.org"]},
          send_exit=69, send_state="partially-sent", send_journal="partially-sent", send_refused=["b@example.com"],
          bulk_exit={"bcc": 69, "individual": 0}),
    Fault("data-451", "data", {"reply": "451 4.3.0 Try again later"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("data-554", "data", {"reply": "554 5.5.0 No"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 69, "individual": 69}),
    Fault("dot-451", "dot", {"reply": "451 4.3.0 Try again later"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("dot-554", "dot", {"reply": "554 5.7.1 Message refused"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 69, "individual": 69}),
    # After the dot, a reply that is neither 250 nor a 4xx/5xx refusal: the server may have queued
    # it, so the message is unknown and never sent again on its own (before: retried, or failed).
    Fault("dot-251", "dot", {"reply": "251 2.0.0 Queued, oddly"}, send_exit=75, send_state="unknown",
          send_journal="unknown", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("dot-999", "dot", {"reply": "999 Something else"}, send_exit=75, send_state="unknown",
          send_journal="unknown", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("too-many-recipients", "too_many_rcpts", {"max": 2}, send_exit=75, send_state="partially-sent",
          send_journal="partially-sent", send_refused=["c@example.org"]),
    Fault("drop-during-data", "drop_in_data", {"after_bytes": 1}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", big=True),
    Fault("drop-after-dot", "after_dot", {"mode": "drop"}, send_exit=75, send_state="unknown", send_journal="unknown",
          bulk_exit={"bcc": 75, "individual": 75}),
    Fault("garbage-after-dot", "after_dot", {"mode": "garbage"}, send_exit=75, send_state="unknown",
          send_journal="unknown", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("silence-after-dot", "after_dot", {"mode": "silence"}, send_exit=75, send_state="unknown",
          send_journal="unknown", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("silent-greeting", "silent", {"step": "greeting"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}, per_connection=True),
    Fault("silent-at-mail", "silent", {"step": "mail"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("silent-at-data", "silent", {"step": "data"}, send_exit=75, send_state="interrupted",
          send_journal="interrupted", bulk_exit={"bcc": 75, "individual": 75}),
    Fault("slow-final-reply", "slow", {"step": "dot", "delay": 1.5}, timeouts=RELAXED),
    # The message went; a server that never answers QUIT holds nobody up for long (5 s at most).
    Fault("silent-at-quit", "silent", {"step": "quit"}),
    Fault("untrusted-certificate", "bad_cert", {"cert": "untrusted"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 69, "individual": 69}, per_connection=True),
    Fault("certificate-for-another-host", "bad_cert", {"cert": "mismatch"}, send_exit=69,
          send_state="failed-permanently", send_journal="failed", bulk_exit={"bcc": 69, "individual": 69},
          per_connection=True),
    Fault("starttls-refused", "starttls_fail", {"mode": "reply"}, send_exit=69, send_state="failed-permanently",
          send_journal="failed", bulk_exit={"bcc": 69, "individual": 69}, per_connection=True),
    Fault("starttls-handshake-cut", "starttls_fail", {"mode": "handshake"}, send_exit=69,
          send_state="failed-permanently", send_journal="failed", bulk_exit={"bcc": 69, "individual": 69},
          per_connection=True),
    Fault("no-auth", "no_auth", send_exit=69, send_state="failed-permanently", send_journal="failed",
          bulk_exit={"bcc": 69, "individual": 69}, per_connection=True),
]


# --------------------------------------------------------------------------
# Helpers


def env_for(timeouts: str = TIMEOUTS) -> Dict[str, str]:
    return {"GUARDMAIL_POLICY": NO_ORG_POLICY, "GUARDMAIL_SMTP_TIMEOUTS": timeouts}


def data_dir(guardmail) -> Path:
    return guardmail.data_home / "guardmail"


def outbox_states(guardmail) -> Dict[str, str]:
    """{outbox id: state} from each entry's state.toml."""
    d = data_dir(guardmail) / "outbox"
    out = {}
    if d.is_dir():
        for entry in sorted(d.iterdir()):
            if entry.name.startswith("."):
                continue
            m = re.search(r'(?m)^state = "([a-z-]+)"', (entry / "state.toml").read_text(encoding="utf-8"))
            assert m, "no state in %s" % entry
            out[entry.name] = m.group(1)
    return out


def journal_events(guardmail) -> Dict[str, List[str]]:
    """{message id: [event kinds, oldest first]} read with sqlite3 (not through guardmail)."""
    path = data_dir(guardmail) / "journal.sqlite"
    assert path.is_file(), "no journal at %s" % path
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    try:
        rows = db.execute("SELECT m.message_id, e.kind FROM events e JOIN messages m ON m.id = e.message_row "
                          "ORDER BY e.id").fetchall()
    finally:
        db.close()
    out: Dict[str, List[str]] = {}
    for message_id, kind in rows:
        out.setdefault(message_id, []).append(kind)
    return out


def only_journal_events(guardmail) -> List[str]:
    events = journal_events(guardmail)
    assert len(events) == 1, events
    return next(iter(events.values()))


def run(guardmail, args, *, timeouts: str = TIMEOUTS, timeout: float = RUN_TIMEOUT, **kwargs):
    return guardmail(args, env=env_for(timeouts), timeout=timeout, **kwargs)


def config_text(config_for, server, hold: int = 0) -> str:
    return config_for(server, extra_lines=INTERNAL, hold=hold)


def make_body(tmp_path: Path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n.\n..\n故障試験の本文です。\n", encoding="utf-8")
    return path


def make_attachment(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    line = "id,name,value\n" + "".join("%d,名前%d,%d\n" % (i, i, i * 7) for i in range(1, 200))
    text = (line * (BIG_ATTACHMENT // len(line.encode()) + 1)).encode("utf-8")[:BIG_ATTACHMENT]
    path.write_bytes(text)
    return path


def start_fault(fault_server, case: Fault, *, bulk: bool = False):
    params = dict(case.params)
    if bulk and not case.per_connection and case.fault not in ("none", "slow", "too_many_rcpts") \
            and case.params.get("step") != "quit":
        # In a bulk run the fault hits the second transaction only: the first one goes through.
        params.update(at=2, times=1)
    return fault_server(case.fault, silence_limit=SILENCE, idle_timeout=SILENCE + 5, **params)


# --------------------------------------------------------------------------
# send


@pytest.mark.parametrize("case", FAULTS, ids=[c.id for c in FAULTS])
def test_send(guardmail, config_for, fault_server, tmp_path, case: Fault):
    server = start_fault(fault_server, case)
    body = make_body(tmp_path)
    attach = [make_attachment(tmp_path)] if case.big else []
    r = run(guardmail, send_args(to=SEND_RCPTS[:2], cc=SEND_RCPTS[2:], body_file=body, attach=attach,
                                 subject="故障試験 " + case.id),
            config=config_text(config_for, server), timeouts=case.timeouts)
    assert r.code == case.send_exit, r.describe() + "\n" + server.summary()
    states = outbox_states(guardmail)
    if case.send_state:
        assert list(states.values()) == [case.send_state], (states, r.describe())
    else:
        assert states == {}, (states, r.describe())
    events = only_journal_events(guardmail)
    assert events[-1] == case.send_journal, (events, r.describe())

    copies = server.copies()
    if case.send_state == "unknown":
        # The server has it (it got the whole message) but never said so: one copy, and nothing
        # sends it again on its own -- not a restart, not another command.
        assert copies == {a: 1 for a in SEND_RCPTS}, server.summary()
        server.heal()
        again = run(guardmail, ["outbox", "list"])
        assert again.code == 0 and "unknown" in again.stdout, again.describe()
        assert server.copies() == copies, server.summary()
        return
    expected = {a: 1 for a in SEND_RCPTS if a not in case.send_refused} if case.send_state in ("", "partially-sent") else {}
    assert copies == expected, server.summary()
    if not case.send_state:
        return

    # The server is fixed; the user releases the message: everyone has exactly one copy.
    server.heal()
    (outbox_id,) = states
    released = run(guardmail, ["outbox", "release", outbox_id], timeouts=case.timeouts)
    assert released.code == 0, released.describe() + "\n" + server.summary()
    assert server.copies() == {a: 1 for a in SEND_RCPTS}, server.summary()
    assert outbox_states(guardmail) == {}
    assert only_journal_events(guardmail)[-1] == "sent"


# --------------------------------------------------------------------------
# bulk


def bulk_status(guardmail, job: str) -> Dict[str, int]:
    r = run(guardmail, ["bulk", "--status", job])
    assert r.code == 0, r.describe()
    m = re.search(r"delivered (\d+), refused (\d+), unknown (\d+), remaining (\d+)", r.stdout)
    assert m, r.describe()
    return dict(zip(("delivered", "refused", "unknown", "remaining"), map(int, m.groups())))


def only_job(guardmail) -> str:
    d = data_dir(guardmail) / "bulk"
    ids = sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []
    assert len(ids) == 1, ids
    return ids[0]


@pytest.mark.parametrize("mode", ["bcc", "individual"])
@pytest.mark.parametrize("case", FAULTS, ids=[c.id for c in FAULTS])
def test_bulk(guardmail, config_for, fault_server, tmp_path, case: Fault, mode: str):
    server = start_fault(fault_server, case, bulk=True)
    body = make_body(tmp_path)
    csv = tmp_path / "list.csv"
    csv.write_text("email,name\n" + "".join("%s,利用者%d\n" % (a, i) for i, a in enumerate(BULK_RCPTS, 1)),
                   encoding="utf-8")
    args = ["bulk", "--recipients", str(csv), "--subject", "故障試験 " + case.id, "--body-file", str(body),
            "--mode", mode, "--batch-size", "2"]
    if case.big:
        args += ["--attach", str(make_attachment(tmp_path))]
    r = run(guardmail, args, config=config_text(config_for, server), timeouts=case.timeouts)
    assert r.code == case.bulk_exit[mode], r.describe() + "\n" + server.summary()
    job = only_job(guardmail)

    # What the server knows, and what guardmail must say about it: a whole message without a
    # definite answer (none, or neither 250 nor a 4xx/5xx refusal) is unknown to guardmail.
    def answered(m) -> bool:
        return m.final_reply is not None and (m.final_reply.startswith("250") or m.final_reply[:1] in ("4", "5"))
    lost = {a for m in server.messages if m.complete and not answered(m) for a in m.rcpts}
    delivered = {a for m in server.delivered() if answered(m) for a in m.rcpts}
    status = bulk_status(guardmail, job)
    assert status["unknown"] == len(lost), (status, server.summary(), r.describe())
    assert status["delivered"] == len(delivered), (status, server.summary(), r.describe())
    assert all(n == 1 for n in server.copies().values()), server.summary()

    # The server is fixed; a plain resume (with --retry-refused for the 5xx ones) completes the
    # job: everyone has exactly one copy, the unknown ones included (they are not sent again).
    server.heal()
    resumed = run(guardmail, ["bulk", "--resume", job, "--retry-refused"])
    assert resumed.code == (75 if lost else 0), resumed.describe() + "\n" + server.summary()
    assert server.copies() == {a: 1 for a in BULK_RCPTS}, server.summary()
    after = bulk_status(guardmail, job)
    assert after == {"delivered": 4 - len(lost), "refused": 0, "unknown": len(lost), "remaining": 0}, after


# --------------------------------------------------------------------------
# The send path's own faults: the disk, the journal, kill -9 (issue 10, items 2 and 3)


HELD = re.compile(r"^guardmail: held as (\S+): sending in (\d+) s\.")


class Background:
    """`guardmail …` in the background, stderr read line by line as it comes."""

    def __init__(self, guardmail, args: Sequence[str]):
        self.proc = subprocess.Popen([str(binary_path()), *map(str, args)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=guardmail.env(env_for()), cwd=guardmail.tmp)
        self._lines: List[str] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._out = b""
        self._out_reader = threading.Thread(target=self._read_out, daemon=True)
        self._out_reader.start()

    def _read(self):
        for line in iter(self.proc.stderr.readline, b""):
            with self._cond:
                self._lines.append(line.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _read_out(self):
        self._out = self.proc.stdout.read()

    @property
    def stderr(self) -> str:
        with self._cond:
            return "\n".join(self._lines)

    def wait_held(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines:
                    m = HELD.match(line)
                    if m:
                        return m.group(1)
                left = deadline - time.monotonic()
                if left <= 0 or not self._reader.is_alive():
                    pytest.fail("no 'held as' line within %.0f s:\n%s" % (timeout, "\n".join(self._lines)))
                self._cond.wait(min(left, 0.2))

    def wait(self, timeout: float = RUN_TIMEOUT) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail("guardmail did not exit within %.0f s:\n%s" % (timeout, self.stderr))
        self._reader.join(10)
        self._out_reader.join(10)
        return code

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def message_id_of(guardmail, outbox_id: str) -> str:
    record = (data_dir(guardmail) / "outbox" / outbox_id / "record.toml").read_text(encoding="utf-8")
    m = re.search(r'(?m)^message_id = "<?([^">]+)>?"', record)
    assert m, record
    return m.group(1)


def journal_show_outcome(guardmail, message_id: str) -> str:
    r = run(guardmail, ["journal", "show", message_id])
    assert r.code == 0, r.describe()
    m = re.search(r"(?m)^Outcome:\s+(.+?)\s*$", r.stdout)
    assert m, r.describe()
    return m.group(1)


@pytest.fixture
def small_disk(guardmail):
    """The data folder on a 16 MiB tmpfs (root only; skipped where mount(2) is not allowed),
    so that the test can fill it up."""
    target = guardmail.data_home
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(target)],
                          capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): %s" % proc.stderr.strip())
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


def fill(directory: Path) -> Path:
    """Writes a file until the file system is full; checks that it really is (root ignores
    permissions, not a full disk)."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for size in (1 << 20, 4096):
            try:
                while True:  # bounded by the file system's size
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    probe = directory / "probe"
    with pytest.raises(OSError):
        probe_fd = os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.write(probe_fd, b"x" * 8192)
        finally:
            os.close(probe_fd)
    probe.unlink(missing_ok=True)
    return filler


def test_disk_full_during_the_hold_sends_nothing_and_says_why(guardmail, config_for, fault_server, tmp_path, small_disk):
    """Item 2: the durable "submitting" record cannot be written, so nothing is submitted; the
    message stays in the outbox (interrupted, with the reason) and goes once released."""
    server = fault_server("none")
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_text(config_for, server, hold=2), encoding="utf-8")
    send = Background(guardmail, send_args(to=SEND_RCPTS, body_file=make_body(tmp_path), subject="満杯"))
    try:
        outbox_id = send.wait_held()
        filler = fill(small_disk)
        code = send.wait()
    finally:
        send.close()
    assert code == 74, send.stderr
    assert "nothing was sent" in send.stderr and "No space left on device" in send.stderr, send.stderr
    assert "guardmail outbox release %s" % outbox_id in send.stderr, send.stderr
    assert server.settle(10)
    assert server.copies() == {} and server.messages == [], server.summary()

    filler.unlink()
    listed = run(guardmail, ["outbox", "list"])
    assert listed.code == 0 and outbox_id in listed.stdout and "interrupted" in listed.stdout, listed.describe()
    assert only_journal_events(guardmail)[-1] == "interrupted"
    released = run(guardmail, ["outbox", "release", outbox_id])
    assert released.code == 0, released.describe()
    assert server.copies() == {a: 1 for a in SEND_RCPTS}, server.summary()
    assert only_journal_events(guardmail)[-1] == "sent"


def test_journal_locked_during_the_hold_converges_to_sent(guardmail, config_for, fault_server, tmp_path):
    """Item 3: another program holds the journal's write lock while the message goes out. The
    message goes (the outbox is the durable record), the user is told, and the journal is
    brought up to date from the kept writes at the next start."""
    server = fault_server("none")
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_text(config_for, server, hold=1), encoding="utf-8")
    send = Background(guardmail, send_args(to=SEND_RCPTS, body_file=make_body(tmp_path), subject="施錠"))
    locker = None
    try:
        outbox_id = send.wait_held()
        message_id = message_id_of(guardmail, outbox_id)
        locker = sqlite3.connect(str(data_dir(guardmail) / "journal.sqlite"), timeout=10, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        code = send.wait()
        assert code == 0, send.stderr
        assert "warning: the journal could not record" in send.stderr, send.stderr
        assert server.copies() == {a: 1 for a in SEND_RCPTS}, server.summary()
        assert list((data_dir(guardmail) / "journal-backlog").glob("*.entry")), "nothing kept for later"
    finally:
        send.close()
        if locker is not None:
            locker.execute("ROLLBACK")
            locker.close()
    # The lock is gone; nothing has started since, so the journal still says what it said.
    assert journal_events(guardmail)[message_id.strip("<>")][-1] == "held"
    # The next start catches up, in the order things happened.
    assert journal_show_outcome(guardmail, message_id).startswith("sent")
    events = journal_events(guardmail)[message_id.strip("<>")]
    assert events[-2:] == ["submitting", "sent"], events
    assert not list((data_dir(guardmail) / "journal-backlog").glob("*.entry"))
    db = sqlite3.connect("file:%s?mode=ro" % (data_dir(guardmail) / "journal.sqlite"), uri=True)
    try:
        accepted = db.execute("SELECT count(*) FROM recipient_results WHERE accepted = 1").fetchone()[0]
    finally:
        db.close()
    assert accepted == 3
    assert server.copies() == {a: 1 for a in SEND_RCPTS}


def test_kill_9_during_the_hold_journal_converges_to_interrupted(guardmail, config_for, fault_server, tmp_path):
    """Item 3: after kill -9 during a hold the journal said "held" while the outbox said
    interrupted. `journal` shows the outbox's state; the next start records it."""
    server = fault_server("none")
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_text(config_for, server, hold=30), encoding="utf-8")
    send = Background(guardmail, send_args(to=SEND_RCPTS, body_file=make_body(tmp_path), subject="強制終了"))
    try:
        outbox_id = send.wait_held()
        send.kill9()
    finally:
        send.close()
    message_id = message_id_of(guardmail, outbox_id)
    key = message_id.strip("<>")
    assert journal_events(guardmail)[key][-1] == "held"

    listed = run(guardmail, ["journal"])
    assert listed.code == 0, listed.describe()
    lines = listed.stdout.splitlines()
    # Two lines a message: the outcome on the line above the one with the Message-ID.
    line = lines[next(i for i, l in enumerate(lines) if key in l) - 1]
    assert "interrupted*" in line, listed.stdout
    assert "as the outbox has it" in listed.stdout
    shown = journal_show_outcome(guardmail, message_id)
    assert shown.startswith("interrupted (as the outbox has it; the journal still says held"), shown

    started = run(guardmail, ["outbox", "list"])  # any start of guardmail that opens the outbox
    assert started.code == 0 and "interrupted" in started.stdout, started.describe()
    assert journal_events(guardmail)[key][-1] == "interrupted"
    assert journal_show_outcome(guardmail, message_id).startswith("interrupted (")
    assert "as the outbox has it" not in run(guardmail, ["journal"]).stdout
    # A second start records nothing more.
    run(guardmail, ["outbox", "list"])
    assert journal_events(guardmail)[key].count("interrupted") == 1
    assert server.copies() == {}, server.summary()


@pytest.mark.parametrize("value,expected", [
    ("reply=abc", "GUARDMAIL_SMTP_TIMEOUTS: the timeout 'reply' in 'reply=abc' must be a number of seconds above 0 up to 86400, not 'abc'"),
    ("patience=3", "unknown timeout 'patience' in 'patience=3'"),
])
def test_bad_timeout_setting_is_refused_before_anything_is_frozen(guardmail, config_for, fault_server, tmp_path,
                                                                   value, expected):
    server = fault_server("none")
    r = guardmail(send_args(to=SEND_RCPTS, body_file=make_body(tmp_path)), config=config_text(config_for, server),
                  env={"GUARDMAIL_POLICY": NO_ORG_POLICY, "GUARDMAIL_SMTP_TIMEOUTS": value}, timeout=RUN_TIMEOUT)
    assert r.code == 78, r.describe()
    assert expected in r.stderr, r.describe()
    assert outbox_states(guardmail) == {} and server.messages == [] and server.connections == 0
