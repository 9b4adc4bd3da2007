"""Self-check of faultserver.py with Python's smtplib as the independent client.

If these fail, the fault tests that use the server mean nothing.  No guardmail needed.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

import faultserver
import smtpserver

TIMEOUT = 10  # s, every smtplib connection and read
USERS = ("taro", "s3cret")
MESSAGE = (b"From: taro@example.jp\r\nTo: a@example.com\r\nSubject: self-check\r\n\r\n"
           b".leading dot\r\nbody\r\n")
RCPTS = ["a@example.com", "b@example.com", "c@example.org"]


def session(server, pki, *, login=True, timeout=TIMEOUT) -> smtplib.SMTP:
    c = smtplib.SMTP(faultserver.HOST, server.port, timeout=timeout)
    c.ehlo("client.test")
    c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
    c.ehlo("client.test")
    if login:
        c.login(*USERS)
    return c


def test_well_behaved_records_envelope_data_and_copies(fault_server, pki):
    srv = fault_server("none")
    with session(srv, pki) as c:
        assert not c.has_extn("starttls") and c.has_extn("auth")
        assert c.sendmail("taro@example.jp", RCPTS, MESSAGE) == {}
        assert c.sendmail("taro@example.jp", RCPTS[:1], MESSAGE) == {}
    assert srv.settle(10)
    assert srv.copies() == {"a@example.com": 2, "b@example.com": 1, "c@example.org": 1}
    first = srv.messages[0]
    assert first.mail_from == "taro@example.jp" and first.rcpts == RCPTS
    assert first.data == MESSAGE and first.tls and first.login == "taro"
    assert first.final_reply.startswith("250")
    record = json.loads(srv.record_path.read_text())
    assert record["copies"] == srv.copies() and len(record["messages"]) == 2
    assert record["messages"][0]["size"] == len(MESSAGE) and record["errors"] == []


def test_requires_starttls_and_auth_before_mail(fault_server, pki):
    srv = fault_server("none")
    with smtplib.SMTP(faultserver.HOST, srv.port, timeout=TIMEOUT) as c:
        c.ehlo()
        assert c.has_extn("starttls") and not c.has_extn("auth")
        assert c.mail("taro@example.jp")[0] == 530
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        c.ehlo()
        assert c.mail("taro@example.jp")[0] == 530
        with pytest.raises(smtplib.SMTPAuthenticationError):
            c.login("taro", "wrong")
    assert srv.settle(10) and srv.messages == []
    assert srv.auth and all(a == ("taro", False) for a in srv.auth)  # smtplib tries PLAIN, LOGIN


def test_refuse_then_heal(fault_server, pki):
    srv = fault_server("refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((faultserver.HOST, srv.port), timeout=5).close()
    srv.heal()
    with session(srv, pki) as c:
        c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
    assert srv.settle(10) and srv.copies() == {"a@example.com": 1}


@pytest.mark.parametrize("reply", ["421 4.3.2 Not now", "554 5.3.2 No SMTP service here"])
def test_greeting(fault_server, reply):
    srv = fault_server("greeting", reply=reply)
    with pytest.raises(smtplib.SMTPConnectError) as err:
        smtplib.SMTP(faultserver.HOST, srv.port, timeout=TIMEOUT)
    assert err.value.smtp_code == int(reply[:3])
    if reply.startswith("5"):
        # RFC 5321 3.1: after a 554 greeting the server waits for QUIT, 503 to the rest.
        with socket.create_connection((faultserver.HOST, srv.port), timeout=TIMEOUT) as s:
            f = s.makefile("rb")
            assert f.readline().startswith(b"554")
            s.sendall(b"EHLO x\r\n")
            assert f.readline().startswith(b"503")
            s.sendall(b"QUIT\r\n")
            assert f.readline().startswith(b"221")
    assert srv.settle(10) and srv.messages == []


@pytest.mark.parametrize("fault,reply", [
    ("mail", "451 4.3.0 Later"), ("mail", "550 5.7.1 Sender refused"),
])
def test_mail_reply(fault_server, pki, fault, reply):
    srv = fault_server(fault, reply=reply)
    with session(srv, pki) as c:
        with pytest.raises(smtplib.SMTPSenderRefused) as err:
            c.sendmail("taro@example.jp", RCPTS, MESSAGE)
        assert err.value.smtp_code == int(reply[:3])
    assert srv.settle(10) and srv.copies() == {}


def test_rcpt_reply_for_some_addresses(fault_server, pki):
    srv = fault_server("rcpt", reply="550 5.1.1 No such user", addresses=["b@example.com"])
    with session(srv, pki) as c:
        refused = c.sendmail("taro@example.jp", RCPTS, MESSAGE)
    assert refused == {"b@example.com": (550, b"5.1.1 No such user")}
    assert srv.settle(10) and srv.copies() == {"a@example.com": 1, "c@example.org": 1}


def test_rcpt_reply_for_all(fault_server, pki):
    srv = fault_server("rcpt", reply="450 4.2.0 Mailbox busy")
    with session(srv, pki) as c:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            c.sendmail("taro@example.jp", RCPTS, MESSAGE)
    assert srv.settle(10) and srv.copies() == {}


@pytest.mark.parametrize("reply", ["451 4.3.0 Later", "554 5.5.0 No DATA for you"])
def test_data_command_reply(fault_server, pki, reply):
    srv = fault_server("data", reply=reply)
    with session(srv, pki) as c:
        with pytest.raises(smtplib.SMTPDataError) as err:
            c.sendmail("taro@example.jp", RCPTS, MESSAGE)
        assert err.value.smtp_code == int(reply[:3])
    assert srv.settle(10) and srv.copies() == {} and srv.messages == []


def test_dot_reply_refuses_after_whole_message(fault_server, pki):
    srv = fault_server("dot", reply="554 5.7.1 Spam")
    with session(srv, pki) as c:
        with pytest.raises(smtplib.SMTPDataError) as err:
            c.sendmail("taro@example.jp", RCPTS, MESSAGE)
        assert err.value.smtp_code == 554
    assert srv.settle(10) and srv.copies() == {}
    (m,) = srv.messages
    assert m.complete and m.data == MESSAGE and not m.delivered


def test_too_many_recipients_per_transaction(fault_server, pki):
    srv = fault_server("too_many_rcpts", max=2)
    with session(srv, pki) as c:
        refused = c.sendmail("taro@example.jp", RCPTS, MESSAGE)
        assert refused == {"c@example.org": (452, b"4.5.3 Too many recipients")}
        assert c.sendmail("taro@example.jp", RCPTS[2:], MESSAGE) == {}
    assert srv.settle(10)
    assert srv.copies() == {"a@example.com": 1, "b@example.com": 1, "c@example.org": 1}


def test_drop_in_data_queues_nothing(fault_server, pki):
    srv = fault_server("drop_in_data", after_bytes=1)
    c = session(srv, pki)
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
        c.sendmail("taro@example.jp", RCPTS, MESSAGE * 2000)
    c.close()
    assert srv.settle(10) and srv.copies() == {}
    (m,) = srv.messages
    assert not m.complete


def test_after_dot_drop_counts_as_delivered(fault_server, pki):
    srv = fault_server("after_dot", mode="drop")
    c = session(srv, pki)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        c.sendmail("taro@example.jp", RCPTS, MESSAGE)
    c.close()
    assert srv.settle(10)
    assert srv.copies() == {r: 1 for r in RCPTS}
    (m,) = srv.messages
    assert m.complete and m.final_reply is None


@pytest.mark.parametrize("mode", ["silence", "garbage"])
def test_after_dot_silence_and_garbage_give_no_reply(fault_server, pki, mode):
    srv = fault_server("after_dot", mode=mode, silence_limit=30)
    c = session(srv, pki, timeout=1.0)
    with pytest.raises((socket.timeout, smtplib.SMTPServerDisconnected, smtplib.SMTPDataError)) as err:
        c.sendmail("taro@example.jp", RCPTS, MESSAGE)
    if mode == "garbage":  # smtplib reads the garbage line as a malformed reply
        assert not isinstance(err.value, smtplib.SMTPDataError) or err.value.smtp_code == -1
    c.close()
    assert srv.settle(10)
    assert srv.copies() == {r: 1 for r in RCPTS}


def test_silence_is_bounded_by_silence_limit(fault_server, pki):
    srv = fault_server("after_dot", mode="silence", silence_limit=1.0)
    c = session(srv, pki)
    # The server hangs up by itself after its silence limit, while the client still waits.
    with pytest.raises(smtplib.SMTPServerDisconnected):
        c.sendmail("taro@example.jp", RCPTS, MESSAGE)
    c.close()
    assert srv.settle(10) and srv.copies() == {r: 1 for r in RCPTS}


def step_that_times_out(srv, pki, timeout: float):
    """Walk the dialogue step by step with a short read limit; the step whose reply did
    not come in time, or None."""
    step = "greeting"
    try:
        c = smtplib.SMTP(faultserver.HOST, srv.port, timeout=timeout)
        step = "ehlo"
        c.ehlo("client.test")
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        c.ehlo("client.test")
        c.login(*USERS)
        for step, command in (("mail", "mail FROM:<taro@example.jp>"),
                              ("rcpt", "rcpt TO:<a@example.com>"), ("data", "data")):
            c.putcmd(command)
            assert c.getreply()[0] in (250, 354), step
        step = "dot"
        c.send(MESSAGE + b".\r\n")
        assert c.getreply()[0] == 250
    except (socket.timeout, smtplib.SMTPServerDisconnected):
        return step
    c.close()
    return None


@pytest.mark.parametrize("step", ["greeting", "ehlo", "mail", "rcpt", "data", "dot"])
def test_slow_reply_at_step(fault_server, pki, step):
    srv = fault_server("slow", step=step, delay=1.0)
    # A patient client gets every reply (late) and the message goes through ...
    with session(srv, pki, timeout=TIMEOUT) as c:
        assert c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE) == {}
    # ... an impatient one (0.3 s per reply) gives up at exactly that step.
    assert step_that_times_out(srv, pki, 0.3) == step
    assert srv.settle(10) and srv.errors == []
    assert srv.copies()["a@example.com"] >= 1


def test_silent_at_mail_says_nothing(fault_server, pki):
    srv = fault_server("silent", step="mail", silence_limit=1.0)
    c = session(srv, pki)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        c.mail("taro@example.jp")
    c.close()
    assert srv.settle(10) and srv.messages == []


@pytest.mark.parametrize("cert,expected", [
    ("untrusted", "certificate verify failed"), ("mismatch", "IP address mismatch")])
def test_bad_certificate(fault_server, pki, cert, expected):
    srv = fault_server("bad_cert", cert=cert)
    with smtplib.SMTP(faultserver.HOST, srv.port, timeout=TIMEOUT) as c:
        c.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError) as err:
            c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        assert expected in str(err.value)
    assert srv.settle(10) and srv.messages == []


def test_starttls_fail_reply(fault_server, pki):
    srv = fault_server("starttls_fail", mode="reply")
    with smtplib.SMTP(faultserver.HOST, srv.port, timeout=TIMEOUT) as c:
        c.ehlo()
        assert c.has_extn("starttls")
        with pytest.raises(smtplib.SMTPResponseException) as err:
            c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        assert err.value.smtp_code == 454
    assert srv.settle(10)


def test_starttls_fail_handshake(fault_server, pki):
    srv = fault_server("starttls_fail", mode="handshake")
    c = smtplib.SMTP(faultserver.HOST, srv.port, timeout=TIMEOUT)
    c.ehlo()
    with pytest.raises((ssl.SSLError, OSError)):
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
    c.close()
    assert srv.settle(10)


def test_no_auth_advertised(fault_server, pki):
    srv = fault_server("no_auth")
    with session(srv, pki, login=False) as c:
        assert not c.has_extn("auth")
        assert c.mail("taro@example.jp")[0] == 530
    assert srv.settle(10)


def test_at_and_times_choose_the_faulty_transactions(fault_server, pki):
    srv = fault_server("mail", reply="451 4.3.0 Later", at=2, times=1)
    with session(srv, pki) as c:
        outcomes = []
        for rcpt in RCPTS:
            try:
                c.sendmail("taro@example.jp", [rcpt], MESSAGE)
                outcomes.append("ok")
            except smtplib.SMTPSenderRefused as e:
                outcomes.append(e.smtp_code)
                c.rset()
    assert outcomes == ["ok", 451, "ok"]
    assert srv.settle(10) and srv.copies() == {"a@example.com": 1, "c@example.org": 1}


def test_unknown_fault_or_parameter_is_refused(pki):
    with pytest.raises(ValueError, match="unknown fault 'nope'"):
        faultserver.FaultServer(pki, "nope")
    with pytest.raises(ValueError, match="has no parameter 'colour'"):
        faultserver.FaultServer(pki, "mail", colour="red")


def test_script_mode_with_json_config_records_and_stops(tmp_path):
    config = tmp_path / "fault.json"
    config.write_text(json.dumps({"fault": "after_dot", "params": {"mode": "drop"},
                                  "options": {"starttls": False, "users": None}}))
    record = tmp_path / "record.json"
    proc = subprocess.Popen([sys.executable, str(Path(faultserver.__file__)), "--config", str(config),
                             "--record", str(record), "--option", "max_seconds=60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline().decode()  # bounded: the server prints it at once or exits
        assert line.startswith("listening on "), (line, proc.stderr.read() if proc.poll() else "")
        port = int(line.rsplit(":", 1)[1])
        c = smtplib.SMTP(faultserver.HOST, port, timeout=TIMEOUT)
        with pytest.raises(smtplib.SMTPServerDisconnected):
            c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
        c.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # bounded poll for the record file
            if record.exists() and json.loads(record.read_text())["copies"]:
                break
            time.sleep(0.1)
        assert json.loads(record.read_text())["copies"] == {"a@example.com": 1}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
