"""Self-check of smtpserver.py with Python's smtplib (no guardmail needed).

If these fail, the guardmail tests that use the server mean nothing.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import subprocess

import pytest

import smtpserver

AUTH_USERS = {"taro": "s3cret"}
TIMEOUT = 15  # s, every smtplib connection

# Dot lines, 8-bit UTF-8 and CRLF: what we send must be what the server records.
MESSAGE = (
    "From: taro@example.jp\r\n"
    "To: a@example.com, b@example.com, c@example.org\r\n"
    "Subject: self-check\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "MIME-Version: 1.0\r\n"
    "\r\n"
    ".\r\n"
    "..two dots\r\n"
    ".one dot\r\n"
    "From me\r\n"
    "日本語の本文\r\n"
).encode("utf-8")


def connect(server, **kw) -> smtplib.SMTP:
    return smtplib.SMTP(smtpserver.HOST, server.port, timeout=TIMEOUT, **kw)


def test_certificates_have_ip_and_dns_san(pki):
    for pair in (pki.server, pki.untrusted_server):
        text = subprocess.run(["openssl", "x509", "-in", str(pair.cert), "-noout", "-text"],
                              capture_output=True, text=True, timeout=30, check=True).stdout
        assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text, text
    for pair, ca, other in ((pki.server, pki.ca_cert, pki.untrusted_ca_cert),
                            (pki.untrusted_server, pki.untrusted_ca_cert, pki.ca_cert)):
        ok = subprocess.run(["openssl", "verify", "-CAfile", str(ca), str(pair.cert)],
                            capture_output=True, text=True, timeout=30)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        bad = subprocess.run(["openssl", "verify", "-CAfile", str(other), str(pair.cert)],
                             capture_output=True, text=True, timeout=30)
        assert bad.returncode != 0, "cert verifies against the wrong CA"


def test_starttls_auth_refusal_and_recording(smtp_server, pki):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS,
                         refuse={"c@example.org": "550 5.1.1 No such user"})
    assert server.url == "smtp://127.0.0.1:%d" % server.port
    with connect(server) as c:
        c.ehlo("client.test")
        assert c.has_extn("starttls")
        assert not c.has_extn("auth"), "AUTH offered before TLS"
        code, _ = c.mail("taro@example.jp")
        assert code == 530, "MAIL accepted before STARTTLS"
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        c.ehlo("client.test")
        assert not c.has_extn("starttls")
        assert c.has_extn("auth")
        c.login("taro", "s3cret")
        refused = c.sendmail("taro@example.jp",
                             ["a@example.com", "c@example.org", "b@example.com"], MESSAGE)
        assert refused == {"c@example.org": (550, b"5.1.1 No such user")}
    assert server.settle(10)
    assert len(server.transactions) == 1, server.summary()
    tx = server.transactions[0]
    assert tx.mail_from == "taro@example.jp"
    assert tx.rcpt_tos == ["a@example.com", "b@example.com"]
    assert tx.raw == MESSAGE
    assert tx.tls and tx.starttls and tx.tls_version in ("TLSv1.2", "TLSv1.3")
    assert tx.auth_login == "taro"
    assert [(a.login, a.success, a.tls) for a in server.auth_attempts] == [("taro", True, True)]
    assert ("c@example.org", "550 5.1.1 No such user") in server.rcpt_attempts
    assert server.connections == 1 and server.ehlo_count == 2


def test_wrong_password_is_rejected_and_recorded(smtp_server, pki):
    server = smtp_server(auth_users=AUTH_USERS)
    with connect(server) as c:
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        with pytest.raises(smtplib.SMTPAuthenticationError) as err:
            c.login("taro", "wrong")
        assert err.value.smtp_code == 535
        code, _ = c.mail("taro@example.jp")
        assert code == 530, "MAIL accepted without AUTH"
    assert server.settle(10)
    assert server.transactions == []
    assert server.auth_attempts and all(
        a.login == "taro" and not a.success for a in server.auth_attempts)


def test_no_starttls_variant(smtp_server):
    server = smtp_server(starttls=False, auth_users=AUTH_USERS)
    with connect(server) as c:
        c.ehlo("client.test")
        assert not c.has_extn("starttls")
        assert not c.has_extn("auth"), "AUTH offered over plaintext"
        with pytest.raises(smtplib.SMTPNotSupportedError):
            c.starttls()
        code, _ = c.mail("taro@example.jp")
        assert code == 530
    assert server.settle(10)
    assert server.transactions == [] and server.auth_attempts == []


def test_no_auth_variant_accepts_without_login(smtp_server, pki):
    server = smtp_server(starttls=True, auth_users=None)
    with connect(server) as c:
        c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        c.ehlo("client.test")
        assert not c.has_extn("auth"), c.esmtp_features
        assert c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE) == {}
    assert server.settle(10)
    (tx,) = server.transactions
    assert tx.auth_login is None and tx.tls and tx.raw == MESSAGE


def test_plaintext_insecure_variant(smtp_server):
    server = smtp_server(starttls=False, auth_users=None)
    with connect(server) as c:
        assert c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE) == {}
    assert server.settle(10)
    (tx,) = server.transactions
    assert not tx.tls and tx.raw == MESSAGE


@pytest.mark.parametrize("cert,expected", [
    ("untrusted", "certificate verify failed"),
    ("mismatch", "IP address mismatch"),
])
def test_bad_certificates_fail_client_verification(smtp_server, pki, cert, expected):
    server = smtp_server(auth_users=AUTH_USERS, cert=cert)
    with connect(server) as c:
        with pytest.raises(ssl.SSLCertVerificationError) as err:
            c.starttls(context=smtpserver.client_tls_context(pki.ca_cert))
        assert expected in str(err.value)
    assert server.settle(10)
    assert server.transactions == [] and server.auth_attempts == []


def test_untrusted_cert_verifies_with_its_own_ca(smtp_server, pki):
    server = smtp_server(auth_users=None, cert="untrusted")
    with connect(server) as c:
        c.starttls(context=smtpserver.client_tls_context(pki.untrusted_ca_cert))
        assert c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE) == {}
    assert server.settle(10)
    assert len(server.transactions) == 1


def test_implicit_tls(smtp_server, pki):
    server = smtp_server(implicit_tls=True, auth_users=AUTH_USERS)
    assert server.url.startswith("smtps://127.0.0.1:")
    ctx = smtpserver.client_tls_context(pki.ca_cert)
    with smtplib.SMTP_SSL(smtpserver.HOST, server.port, timeout=TIMEOUT, context=ctx) as c:
        c.login("taro", "s3cret")
        c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
    assert server.settle(10)
    (tx,) = server.transactions
    assert tx.tls and not tx.starttls and tx.auth_login == "taro"


def test_servers_get_distinct_free_ports(smtp_server):
    first = smtp_server(starttls=False)
    second = smtp_server(starttls=False)
    assert first.port != second.port
    for server, rcpt in ((first, "one@example.com"), (second, "two@example.com")):
        with connect(server) as c:
            c.sendmail("taro@example.jp", [rcpt], MESSAGE)
    assert first.settle(10) and second.settle(10)
    assert [t.rcpt_tos for t in first.transactions] == [["one@example.com"]]
    assert [t.rcpt_tos for t in second.transactions] == [["two@example.com"]]


def test_settle_waits_for_open_connections(smtp_server):
    server = smtp_server(starttls=False)
    c = connect(server)
    try:
        c.ehlo("client.test")
        assert not server.settle(0.5), "settle() returned while a client was connected"
    finally:
        c.close()
    assert server.settle(10)


def test_refusing_port_refuses():
    blocker = smtpserver.reserve_refusing_port()
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(blocker.getsockname(), timeout=5).close()
    finally:
        blocker.close()


def test_capture_script_insecure_writes_maildir(tmp_path):
    maildir = tmp_path / "Maildir"
    with smtpserver.CaptureProcess(maildir, insecure=True) as cap:
        assert cap.ca_file is None
        with smtplib.SMTP(smtpserver.HOST, cap.port, timeout=TIMEOUT) as c:
            c.ehlo("client.test")
            assert not c.has_extn("starttls") and not c.has_extn("auth")
            c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
            c.sendmail("taro@example.jp", ["b@example.com", "c@example.net"], MESSAGE + b"2\r\n")
        files = smtpserver.wait_for_maildir_messages(maildir, 2, timeout=15)
        code, out, err = cap.stop()
    assert code == 0, err
    assert len(files) == 2 and len({f.name for f in files}) == 2
    assert sorted(f.read_bytes() for f in files) == sorted([MESSAGE, MESSAGE + b"2\r\n"])
    assert list((maildir / "tmp").iterdir()) == []
    assert (maildir / "cur").is_dir()
    delivered = [line for line in cap.output if line.startswith("delivered new/")]
    assert len(delivered) == 2, cap.output
    assert any("to=<b@example.com>,<c@example.net>" in line for line in delivered), delivered


def test_capture_script_tls_mode_requires_starttls(tmp_path):
    maildir = tmp_path / "Maildir"
    with smtpserver.CaptureProcess(maildir, insecure=False) as cap:
        assert cap.ca_file is not None and cap.ca_file.is_file()
        with smtplib.SMTP(smtpserver.HOST, cap.port, timeout=TIMEOUT) as c:
            c.ehlo("client.test")
            assert c.mail("taro@example.jp")[0] == 530
            c.starttls(context=smtpserver.client_tls_context(cap.ca_file))
            c.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
        files = smtpserver.wait_for_maildir_messages(maildir, 1, timeout=15)
        code, _, err = cap.stop()
    assert code == 0, err
    assert [f.read_bytes() for f in files] == [MESSAGE]


def test_mail_reply_421_refuses_every_transaction(smtp_server):
    srv = smtp_server(starttls=False, mail_reply="421 4.3.2 Try again later")
    with connect(srv) as client:
        client.ehlo()
        code, text = client.mail("taro@example.jp")
        assert code == 421 and b"Try again later" in text
    srv.settle()
    assert srv.transactions == []


def test_drop_in_data_cuts_the_connection_and_queues_nothing(smtp_server):
    srv = smtp_server(starttls=False, drop_in_data=True)
    client = connect(srv)
    client.ehlo()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
    srv.settle()
    assert srv.transactions == []
    assert srv.handler.dropped == 1
    assert [a for a, _ in srv.rcpt_attempts] == ["a@example.com"]


def test_data_delay_holds_the_final_reply_then_records(smtp_server):
    import time
    srv = smtp_server(starttls=False, data_delay=1.0)
    with connect(srv) as client:
        client.ehlo()
        started = time.monotonic()
        client.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
        assert time.monotonic() - started >= 0.9
    srv.settle()
    assert len(srv.transactions) == 1


def test_max_recipients_answers_452_beyond_the_limit(smtp_server):
    srv = smtp_server(starttls=False, max_recipients=2)
    rcpts = ["a@example.com", "b@example.com", "c@example.org", "d@example.org"]
    with connect(srv) as client:
        client.ehlo()
        refused = client.sendmail("taro@example.jp", rcpts, MESSAGE)
        assert refused == {"c@example.org": (452, b"4.5.3 Too many recipients"),
                           "d@example.org": (452, b"4.5.3 Too many recipients")}
        # The limit is per transaction: the next one takes two again.
        assert client.sendmail("taro@example.jp", ["c@example.org", "d@example.org"], MESSAGE) == {}
    srv.settle()
    assert [t.rcpt_tos for t in srv.transactions] == [rcpts[:2], rcpts[2:]]
    assert [r for _, r in srv.rcpt_attempts].count("452 4.5.3 Too many recipients") == 2


def test_drop_after_messages_closes_after_the_nth_and_can_refuse_later(smtp_server):
    srv = smtp_server(starttls=False, drop_after_messages=2,
                      mail_reply_after_drop="421 4.3.2 Service not available")
    client = connect(srv)
    client.ehlo()
    client.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
    client.sendmail("taro@example.jp", ["b@example.com"], MESSAGE)  # queued, then the server hangs up
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("taro@example.jp", ["c@example.com"], MESSAGE)
    client.close()
    with connect(srv) as again:  # a new connection is refused at MAIL until told otherwise
        again.ehlo()
        code, _ = again.mail("taro@example.jp")
        assert code == 421
        again.rset()
        srv.set_mail_reply(None)
        assert again.sendmail("taro@example.jp", ["c@example.com"], MESSAGE) == {}
    srv.settle()
    assert [t.rcpt_tos for t in srv.transactions] == [["a@example.com"], ["b@example.com"], ["c@example.com"]]
    assert srv.handler.closed_after_messages == 1
    assert srv.connections == 2


def test_drop_in_data_at_cuts_only_the_nth_data(smtp_server):
    srv = smtp_server(starttls=False, drop_in_data_at=2)
    client = connect(srv)
    client.ehlo()
    client.sendmail("taro@example.jp", ["a@example.com"], MESSAGE)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("taro@example.jp", ["b@example.com"], MESSAGE)
    client.close()
    with connect(srv) as again:
        again.ehlo()
        again.sendmail("taro@example.jp", ["c@example.com"], MESSAGE)
    srv.settle()
    assert [t.rcpt_tos for t in srv.transactions] == [["a@example.com"], ["c@example.com"]]
    assert srv.handler.dropped == 1
