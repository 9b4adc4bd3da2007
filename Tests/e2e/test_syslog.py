"""The journal into the log pipeline (docs/journal.md): `[journal] syslog = true` writes one RFC 5424
record per send outcome to a Unix datagram socket, and `guardmail journal export` writes JSON Lines.

The socket is one the test makes (`syslog_socket` in the config; /dev/log by default): first a
plain receiver, then Debian's rsyslogd running on a socket and an output file of its own (no
root needed), whose parser must read the record as RFC 5424 with structured data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import AUTH_USERS, send_args

PASSWORD = AUTH_USERS["taro"]
SUBJECT = "【社外秘】価格表の件"
BODY = "花子様\n\n本文は決して syslog に出てはならない。\n"
ATTACHMENT = "価格表_2026.csv"
ATTACHMENT_BYTES = "品番,価格\nA-1,1200\n".encode("utf-8")


@pytest.fixture
def short_dir():
    """Unix socket paths are limited to 107 bytes: a short folder for them."""
    path = Path(tempfile.mkdtemp(prefix="gm-syslog-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class Receiver:
    def __init__(self, path: Path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)

    def records(self) -> list:
        out = []
        while True:
            try:
                out.append(self.sock.recv(65536).decode("utf-8"))
            except BlockingIOError:
                return out

    def close(self) -> None:
        self.sock.close()


def write_files(guardmail, server, config_for, socket_path: Path):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(
        config_for(server, extra_lines=["", "[journal]", "syslog = true", f'syslog_socket = "{socket_path}"']),
        encoding="utf-8")
    body = guardmail.tmp / "body.txt"
    body.write_text(BODY, encoding="utf-8")
    attachment = guardmail.tmp / ATTACHMENT
    attachment.write_bytes(ATTACHMENT_BYTES)
    return body, attachment


def send_external(guardmail, body, attachment):
    return guardmail(send_args(to=["山田 花子 <hanako@partner.example>"], cc=["jiro@example.jp"], bcc=["boss@example.jp"],
                               subject=SUBJECT, body_file=body, attach=[attachment],
                               accept=["new-domain", "external-attachment"]))


def assert_no_secret(line: str) -> None:
    for secret in (PASSWORD, "本文", SUBJECT, "社外秘", "hanako@", "boss@", "jiro@"):
        assert secret not in line, f"{secret!r} in the syslog record: {line}"


def test_one_structured_record_per_send_with_the_fields_and_no_secret(guardmail, smtp_server, config_for, short_dir):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    receiver = Receiver(short_dir / "log.sock")
    try:
        body, attachment = write_files(guardmail, server, config_for, receiver.path)
        result = send_external(guardmail, body, attachment)
        assert result.code == 0, result.describe()
        records = receiver.records()
    finally:
        receiver.close()
    assert len(records) == 1, records
    line = records[0]
    header = re.match(r"^<22>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (\S+) guardmail (\d+) send \[guardmail@32473 (.*)\] (.*)$", line)
    assert header, line
    params = re.findall(r'(\w+)="((?:[^"\\\]]|\\.)*)"', header.group(4))
    fields = {}
    for key, value in params:
        fields.setdefault(key, []).append(value)
    [tx] = server.transactions
    message_id = re.search(rb"^Message-ID: (<[^>]+>)", tx.raw, re.M).group(1).decode()
    assert fields["message_id"] == [message_id]
    assert fields["account"] == ["test"]
    assert fields["outcome"] == ["sent"]
    assert fields["rcpt_total"] == ["3"] and fields["rcpt_to"] == ["1"] and fields["rcpt_cc"] == ["1"] and fields["rcpt_bcc"] == ["1"]
    assert sorted(fields["domain"]) == ["example.jp:2", "partner.example:1"]
    assert fields["attachment"] == [ATTACHMENT]
    assert fields["sha256"] == [hashlib.sha256(ATTACHMENT_BYTES).hexdigest()]
    assert sorted(fields["accepted"]) == ["external-attachment", "new-domain"]
    assert_no_secret(line)


def test_syslog_down_does_not_stop_the_send(guardmail, smtp_server, config_for, short_dir):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    body, attachment = write_files(guardmail, server, config_for, short_dir / "nobody.sock")
    result = send_external(guardmail, body, attachment)
    assert result.code == 0, result.describe()
    assert len(server.transactions) == 1
    assert "warning: 1 syslog record not written: cannot write to the syslog socket" in result.stderr, result.describe()


RSYSLOGD = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if os.path.exists("/usr/sbin/rsyslogd") else None)


@pytest.mark.skipif(RSYSLOGD is None, reason="rsyslog is not installed (scripts/install-deps.sh test)")
def test_rsyslog_receives_it_as_rfc5424_structured_data(guardmail, smtp_server, config_for, short_dir):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    sock, out = short_dir / "log.sock", short_dir / "out.log"
    (short_dir / "work").mkdir()
    conf = short_dir / "rsyslog.conf"
    conf.write_text("\n".join([
        f'global(workDirectory="{short_dir}/work")',
        'module(load="imuxsock" SysSock.Use="off")',
        f'input(type="imuxsock" Socket="{sock}" UseSpecialParser="off" ParseHostname="on")',
        'template(name="fields" type="string" '
        'string="%syslogfacility-text%|%syslogseverity-text%|%app-name%|%msgid%|%structured-data%|%msg%\\n")',
        f'*.* action(type="omfile" file="{out}" template="fields")',
    ]) + "\n")
    daemon = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i", str(short_dir / "pid")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert daemon.poll() is None, daemon.stdout.read().decode()
            assert time.monotonic() < deadline, "rsyslogd did not create its socket"
            time.sleep(0.05)
        body, attachment = write_files(guardmail, server, config_for, sock)
        result = send_external(guardmail, body, attachment)
        assert result.code == 0, result.describe()
        deadline = time.monotonic() + 20
        while not (out.exists() and out.read_text().endswith("\n")):
            assert time.monotonic() < deadline, "rsyslogd wrote nothing"
            time.sleep(0.05)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=20)
    lines = out.read_text().splitlines()
    assert len(lines) == 1, lines
    facility, severity, app, msgid, data, msg = lines[0].split("|", 5)
    assert (facility, severity, app, msgid) == ("mail", "info", "guardmail", "send")
    assert data.startswith("[guardmail@32473 message_id=\"<") and data.endswith("]"), data
    assert 'outcome="sent"' in data and 'domain="partner.example:1"' in data
    assert f'sha256="{hashlib.sha256(ATTACHMENT_BYTES).hexdigest()}"' in data
    assert msg.startswith("sent <")
    assert_no_secret(lines[0])


def test_journal_export_jsonl(guardmail, smtp_server, config_for, short_dir):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    body, attachment = write_files(guardmail, server, config_for, short_dir / "unused.sock")
    for _ in range(2):
        assert send_external(guardmail, body, attachment).code == 0
    result = guardmail(["journal", "export", "--since", "1d", "--format", "jsonl"])
    assert result.code == 0, result.describe()
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    entries = [json.loads(line) for line in lines]
    assert entries[0]["confirmed_at_unix"] <= entries[1]["confirmed_at_unix"], "oldest first"
    for entry in entries:
        assert entry["outcome"] == "sent"
        assert entry["attachments"][0]["sha256"] == hashlib.sha256(ATTACHMENT_BYTES).hexdigest()
        assert {r["field"] for r in entry["recipients"]} == {"to", "cc", "bcc"}
        assert "external-attachment" in {f["rule"] for f in entry["findings"] if f["accepted"]}
        assert PASSWORD not in json.dumps(entry, ensure_ascii=False)
        assert "本文" not in json.dumps(entry, ensure_ascii=False)
    # The first message went to a new domain; by the second it was known.
    assert "new-domain" in {f["rule"] for f in entries[0]["findings"] if f["accepted"]}
    future = guardmail(["journal", "export", "--since", "2099-01-01"])
    assert future.code == 0 and future.stdout == ""
    bad = guardmail(["journal", "export", "--format", "csv"])
    assert bad.code == 64 and "invalid --format 'csv'" in bad.stderr
