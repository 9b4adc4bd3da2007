#!/usr/bin/python3
"""A recording SMTP server on 127.0.0.1 for guardmail's end-to-end tests.

Run it with Debian's interpreter (/usr/bin/python3), which has
python3-aiosmtpd (1.4.x) installed.

Library use (tests):

    pki = make_pki(tmp_dir)                      # test CA, untrusted CA, certs
    with SMTPServer(pki, starttls=True, auth_users={"taro": "s3cret"},
                    refuse={"c@example.org": "550 5.1.1 No such user"}) as srv:
        ...  # point the client at srv.url
        srv.settle()                             # wait until no client is connected
        srv.transactions                         # [Transaction(...)]

Script use (capture server for `make demo`):

    /usr/bin/python3 Tests/e2e/smtpserver.py --maildir DIR [--port N] [--insecure]

prints `listening on 127.0.0.1:PORT`, then stores every message it accepts
in DIR/new (written to DIR/tmp first, then renamed) until it is killed.
With --insecure it speaks plaintext SMTP without AUTH; without it, it
requires STARTTLS with a certificate from a fresh test CA, whose path it
prints as `ca_file PATH` before the `listening on` line.

Notes on aiosmtpd 1.4.3 (Debian 12), checked against its source:
  * `Controller(port=0)` does not work: start() connects to `self.port` to
    trigger the lazy server factory, so port 0 fails with ECONNREFUSED.  We
    pick a free port by binding a socket to port 0, release it and start the
    Controller there, retrying a bounded number of times if someone else took
    the port in between.
  * STARTTLS: SMTP(tls_context=..., require_starttls=...).  Implicit TLS:
    Controller(ssl_context=...).
  * AUTH: SMTP(authenticator=..., auth_required=..., auth_require_tls=True);
    AUTH is only advertised after STARTTLS -- aiosmtpd does not count implicit
    TLS, so for smtps the server turns that check off (_RecordingSMTP).  There
    is no switch to advertise no AUTH at all, so handle_EHLO removes the AUTH
    line when auth_users is None.
  * Whether a session was encrypted is read from the transport
    (get_extra_info("ssl_object")), which covers STARTTLS and implicit TLS;
    `starttls` additionally records that it came from STARTTLS.
  * decode_data=False keeps the DATA bytes as received (after the server
    removed dot-stuffing, RFC 5321 4.5.2).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

HOST = "127.0.0.1"

# aiosmtpd 1.4 warns on every successful AUTH that Session.login_data (which it
# sets itself) is deprecated; that is noise, not a finding.
logging.getLogger("mail.log").addFilter(
    lambda record: "login_data is deprecated" not in record.getMessage())
OPENSSL_TIMEOUT = 60  # seconds, per openssl invocation
START_ATTEMPTS = 8  # bounded retries when a free port is taken before we bind it


# --------------------------------------------------------------------------
# Certificates (openssl CLI)


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class PKI:
    """Everything TLS the tests need, all under `directory`.

    ca_cert            the test CA; give it to the client as ca_file
    server             leaf for IP:127.0.0.1 and DNS:localhost, signed by the test CA
    mismatch           leaf for DNS:mail.example.net only, signed by the test CA
    untrusted_ca_cert  a second CA that nobody trusts
    untrusted_server   leaf for IP:127.0.0.1 and DNS:localhost, signed by the untrusted CA
    """

    directory: Path
    ca_cert: Path
    ca_key: Path
    untrusted_ca_cert: Path
    untrusted_ca_key: Path
    server: CertPair
    mismatch: CertPair
    untrusted_server: CertPair

    def pair(self, name: str) -> CertPair:
        return {"trusted": self.server, "mismatch": self.mismatch,
                "untrusted": self.untrusted_server}[name]


def _openssl(*args: str, cwd: Path) -> None:
    proc = subprocess.run(["openssl", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=OPENSSL_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed (%d):\n%s" % (
            " ".join(args), proc.returncode, proc.stderr.decode(errors="replace")))


def _make_ca(directory: Path, stem: str, cn: str) -> Tuple[Path, Path]:
    cert, key = directory / f"{stem}.pem", directory / f"{stem}.key"
    _openssl("req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-keyout", str(key), "-out", str(cert), "-days", "3650",
             "-subj", f"/O=guardmail tests/CN={cn}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash",
             cwd=directory)
    return cert, key


def _make_leaf(directory: Path, stem: str, cn: str, san: str,
               ca_cert: Path, ca_key: Path) -> CertPair:
    cert, key = directory / f"{stem}.pem", directory / f"{stem}.key"
    csr, ext = directory / f"{stem}.csr", directory / f"{stem}.ext"
    ext.write_text(
        f"subjectAltName={san}\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid:always\n")
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-keyout", str(key), "-out", str(csr),
             "-subj", f"/O=guardmail tests/CN={cn}", cwd=directory)
    serial = "0x" + os.urandom(12).hex()
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key),
             "-set_serial", serial, "-days", "365", "-sha256",
             "-extfile", str(ext), "-out", str(cert), cwd=directory)
    return CertPair(cert, key)


def make_pki(directory) -> PKI:
    """Create a test CA, an untrusted CA and three server certificates."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ca_cert, ca_key = _make_ca(d, "ca", "guardmail test CA")
    bad_cert, bad_key = _make_ca(d, "untrusted-ca", "guardmail untrusted CA")
    san = "IP:127.0.0.1,DNS:localhost"
    return PKI(
        directory=d, ca_cert=ca_cert, ca_key=ca_key,
        untrusted_ca_cert=bad_cert, untrusted_ca_key=bad_key,
        server=_make_leaf(d, "server", "127.0.0.1", san, ca_cert, ca_key),
        mismatch=_make_leaf(d, "mismatch", "mail.example.net", "DNS:mail.example.net",
                            ca_cert, ca_key),
        untrusted_server=_make_leaf(d, "untrusted-server", "127.0.0.1", san,
                                    bad_cert, bad_key),
    )


def server_tls_context(pair: CertPair) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(pair.cert), str(pair.key))
    return ctx


def client_tls_context(ca_cert) -> ssl.SSLContext:
    """A client context that trusts only `ca_cert` (for self-checks)."""
    ctx = ssl.create_default_context(cafile=str(ca_cert))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


# --------------------------------------------------------------------------
# Recording handler


@dataclass
class Transaction:
    """One message accepted by DATA."""

    mail_from: str
    rcpt_tos: List[str]  # accepted recipients only, in order
    raw: bytes  # DATA as received, dot-stuffing removed, CRLF kept
    auth_login: Optional[str]  # login of a successful AUTH in this session, else None
    tls: bool  # the session was encrypted (STARTTLS or implicit TLS)
    starttls: bool  # ... by STARTTLS
    tls_version: Optional[str]
    mail_options: List[str] = field(default_factory=list)
    rcpt_options: List[str] = field(default_factory=list)
    smtp_utf8: bool = False


@dataclass
class AuthAttempt:
    mechanism: str
    login: str
    success: bool
    tls: bool


def _tls_of(server: SMTP) -> Tuple[bool, Optional[str]]:
    transport = server.transport
    sslobj = transport.get_extra_info("ssl_object") if transport is not None else None
    if sslobj is None:
        return False, None
    return True, sslobj.version()


class RecordingHandler:
    """aiosmtpd handler that records what clients do.  Thread-safe reads."""

    def __init__(self, auth_users: Optional[Dict[str, str]] = None,
                 refuse: Optional[Dict[str, str]] = None,
                 on_transaction: Optional[Callable[[Transaction], Optional[str]]] = None,
                 mail_reply: Optional[str] = None, data_delay: float = 0.0,
                 drop_in_data: bool = False, max_recipients: Optional[int] = None,
                 drop_after_messages: Optional[int] = None,
                 mail_reply_after_drop: Optional[str] = None,
                 drop_in_data_at: Optional[int] = None):
        self.auth_users = dict(auth_users) if auth_users is not None else None
        self.mail_reply = mail_reply
        self.data_delay = data_delay
        self.drop_in_data = drop_in_data
        self.dropped = 0  # connections cut in the middle of DATA
        self.max_recipients = max_recipients
        self.drop_after_messages = drop_after_messages
        self.mail_reply_after_drop = mail_reply_after_drop
        self.drop_in_data_at = drop_in_data_at
        self.data_commands = 0  # DATA commands seen (for drop_in_data_at)
        self.closed_after_messages = 0  # connections closed by drop_after_messages
        self.refuse = {k.lower(): v for k, v in (refuse or {}).items()}
        self.on_transaction = on_transaction
        self._cond = threading.Condition()
        self._active = 0
        self.connections = 0
        self.ehlo_count = 0
        self.transactions: List[Transaction] = []
        self.auth_attempts: List[AuthAttempt] = []
        self.mail_commands: List[str] = []
        self.rcpt_attempts: List[Tuple[str, str]] = []  # (address, reply sent)

    # -- connection tracking (called by _RecordingSMTP, in the server thread)
    def _opened(self, task: asyncio.Task) -> None:
        with self._cond:
            self._active += 1
            self.connections += 1
        task.add_done_callback(self._closed)

    def _closed(self, _task) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once no client connection is open; False after `timeout` s."""
        with self._cond:
            return self._cond.wait_for(lambda: self._active <= 0, timeout=timeout)

    def reset_counters(self) -> None:
        with self._cond:
            self.connections = 0

    # -- aiosmtpd hooks
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname  # the 5-argument hook must do this itself
        with self._cond:
            self.ehlo_count += 1
        if self.auth_users is None:
            responses = [r for r in responses if not r[4:].upper().startswith("AUTH")]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        with self._cond:
            self.mail_commands.append(address)
        if self.mail_reply is not None:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.lower())
        if reply is None and self.max_recipients is not None \
                and len(envelope.rcpt_tos) >= self.max_recipients:
            reply = "452 4.5.3 Too many recipients"
        if reply is None:
            envelope.rcpt_tos.append(address)
            envelope.rcpt_options.extend(rcpt_options)
            reply = "250 2.1.5 OK"
        with self._cond:
            self.rcpt_attempts.append((address, reply))
        return reply

    async def handle_DATA(self, server, session, envelope):
        tls, version = _tls_of(server)
        login = session.auth_data if session.authenticated else None
        tx = Transaction(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(envelope.original_content), auth_login=login, tls=tls,
            starttls=server._tls_protocol is not None, tls_version=version,
            mail_options=list(envelope.mail_options),
            rcpt_options=list(envelope.rcpt_options), smtp_utf8=envelope.smtp_utf8)
        if self.data_delay > 0:
            # Holds the final reply back: the client has sent everything and waits (a client
            # killed now cannot know whether the message was taken).  Recorded after the wait.
            await asyncio.sleep(self.data_delay)
        reply = None
        if self.on_transaction is not None:
            reply = self.on_transaction(tx)
        drop = False
        with self._cond:
            self.transactions.append(tx)
            if (self.drop_after_messages is not None and not reply
                    and len(self.transactions) == self.drop_after_messages):
                drop = True
                self.closed_after_messages += 1
                if self.mail_reply_after_drop is not None:
                    self.mail_reply = self.mail_reply_after_drop
        if drop:
            # The reply is written first (push() right after this returns), then the server
            # hangs up: the message was queued, the connection is gone.
            asyncio.get_running_loop().call_soon(server.transport.close)
        return reply or "250 2.0.0 OK: queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
        else:
            login, password = repr(auth_data), None
        ok = (self.auth_users is not None and password is not None
              and self.auth_users.get(login) == password)
        with self._cond:
            self.auth_attempts.append(AuthAttempt(mechanism, login, ok, _tls_of(server)[0]))
        if ok:
            return AuthResult(success=True, auth_data=login)
        return AuthResult(success=False, handled=False)


class _RecordingSMTP(SMTP):
    def __init__(self, handler, *, implicit_tls: bool = False, **kwargs):
        super().__init__(handler, **kwargs)
        if implicit_tls:
            # aiosmtpd counts only STARTTLS as TLS when deciding whether to offer
            # AUTH (auth_require_tls).  With implicit TLS the whole connection is
            # encrypted, so offer it at once.  Passing auth_require_tls=False
            # instead would work too, but makes aiosmtpd warn on every connection.
            self._auth_require_tls = False

    def data_received(self, data):
        # drop_in_data: cut the connection at the first bytes of message content, after the
        # server said 354 -- the client is in the middle of DATA and nothing is queued.
        handler = self.event_handler
        if getattr(self, "_gm_in_data", False):
            with handler._cond:
                handler.dropped += 1
            self.transport.abort()
            return
        if handler.drop_in_data and data.rstrip(b"\r\n").upper().endswith(b"DATA"):
            self._gm_in_data = True
        super().data_received(data)

    async def smtp_DATA(self, arg):
        # drop_in_data_at: the N-th DATA command (server-wide) is cut like drop_in_data.  Counted
        # here, in the command phase, not by looking at raw bytes (message text may end in "data").
        handler = self.event_handler
        with handler._cond:
            handler.data_commands += 1
            count = handler.data_commands
        if handler.drop_in_data_at is not None and count == handler.drop_in_data_at:
            self._gm_in_data = True
        return await super().smtp_DATA(arg)

    def connection_made(self, transport):
        # aiosmtpd calls this a second time after STARTTLS; count the first only.
        first = self.transport is None
        super().connection_made(transport)
        if first:
            self.event_handler._opened(self._handler_coroutine)


class _Controller(Controller):
    def factory(self):
        return _RecordingSMTP(self.handler, **self.SMTP_kwargs)


# --------------------------------------------------------------------------
# Server


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (may be taken since)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def reserve_refusing_port() -> socket.socket:
    """A socket bound to a free port but not listening: connecting to that
    port is refused (ECONNREFUSED) for as long as the socket stays open."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    return s


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1:<free port> that records everything.

    starttls          offer STARTTLS (ignored with implicit_tls)
    require_starttls  refuse MAIL/AUTH/... before STARTTLS (default: = starttls)
    auth_users        {"login": "password"}; None: no AUTH advertised at all
    auth_required     refuse MAIL without AUTH (default: auth_users is not None)
    refuse            {"address": "550 5.1.1 No such user"}: RCPT reply for it
    mail_reply        answer every MAIL FROM with this (e.g. "421 4.3.2 Try later")
    data_delay        seconds to wait before answering the end of DATA
    drop_in_data      abort the connection at the first message bytes after 354
    drop_in_data_at   the same, for the N-th DATA command only (server-wide, 1-based)
    max_recipients    accept at most N recipients per transaction; every RCPT after
                      that gets "452 4.5.3 Too many recipients"
    drop_after_messages  close the connection right after the 250 of the N-th
                      transaction (server-wide count); the message is queued
    mail_reply_after_drop  from that moment answer every MAIL FROM with this (e.g.
                      "421 4.3.2 Service not available"); set_mail_reply(None) ends it
    implicit_tls      TLS from the first byte (smtps://)
    cert              "trusted" | "untrusted" | "mismatch" (see PKI)
    """

    def __init__(self, pki: Optional[PKI] = None, *, starttls: bool = True,
                 require_starttls: Optional[bool] = None,
                 auth_users: Optional[Dict[str, str]] = None,
                 auth_required: Optional[bool] = None,
                 refuse: Optional[Dict[str, str]] = None,
                 implicit_tls: bool = False, cert: str = "trusted",
                 on_transaction=None, mail_reply: Optional[str] = None,
                 data_delay: float = 0.0, drop_in_data: bool = False,
                 max_recipients: Optional[int] = None,
                 drop_after_messages: Optional[int] = None,
                 mail_reply_after_drop: Optional[str] = None,
                 drop_in_data_at: Optional[int] = None,
                 ready_timeout: float = 10.0,
                 hostname: str = "localhost", port: Optional[int] = None):
        if (starttls or implicit_tls) and pki is None:
            raise ValueError("TLS needs a PKI (make_pki)")
        self.pki = pki
        self.implicit_tls = implicit_tls
        self.starttls = starttls and not implicit_tls
        self.handler = RecordingHandler(auth_users, refuse, on_transaction, mail_reply=mail_reply,
                                        data_delay=data_delay, drop_in_data=drop_in_data,
                                        max_recipients=max_recipients,
                                        drop_after_messages=drop_after_messages,
                                        mail_reply_after_drop=mail_reply_after_drop,
                                        drop_in_data_at=drop_in_data_at)
        tls_ctx = server_tls_context(pki.pair(cert)) if (starttls or implicit_tls) else None
        if require_starttls is None:
            require_starttls = self.starttls
        if auth_required is None:
            auth_required = auth_users is not None
        self._smtp_kwargs = dict(
            server_hostname=hostname, decode_data=False, enable_SMTPUTF8=True,
            tls_context=tls_ctx if self.starttls else None,
            require_starttls=bool(require_starttls and self.starttls),
            authenticator=self.handler.authenticate,
            auth_required=auth_required, auth_require_tls=True, timeout=60,
            implicit_tls=implicit_tls)  # consumed by _RecordingSMTP
        self._ssl_context = tls_ctx if implicit_tls else None
        self._ready_timeout = ready_timeout
        self.controller: Optional[Controller] = None
        self._fixed_port = port
        self.port: Optional[int] = None

    # -- lifecycle
    def start(self) -> "SMTPServer":
        last_error: Optional[BaseException] = None
        attempts = 1 if self._fixed_port else START_ATTEMPTS
        for _ in range(attempts):
            port = self._fixed_port or free_port()
            ctl = _Controller(self.handler, hostname=HOST, port=port,
                              ssl_context=self._ssl_context,
                              ready_timeout=self._ready_timeout, **self._smtp_kwargs)
            try:
                ctl.start()
            except OSError as e:  # port taken between free_port() and bind
                last_error = e
                try:
                    ctl.stop(no_assert=True)
                except Exception:
                    pass
                if e.errno in (errno.EADDRINUSE, errno.ECONNREFUSED) and attempts > 1:
                    continue
                raise
            self.controller, self.port = ctl, port
            # start() made one connection of its own to wake the server up.
            self.handler.wait_idle(self._ready_timeout)
            self.handler.reset_counters()
            return self
        raise RuntimeError(f"could not start SMTP server after {attempts} attempts: "
                           f"{last_error!r}")

    def stop(self) -> None:
        if self.controller is not None:
            ctl, self.controller = self.controller, None
            ctl.stop()

    def __enter__(self) -> "SMTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what the client needs
    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{HOST}:{self.port}"

    # -- what the server saw (copies)
    def settle(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until no client connection is open."""
        return self.handler.wait_idle(timeout)

    @property
    def transactions(self) -> List[Transaction]:
        with self.handler._cond:
            return list(self.handler.transactions)

    @property
    def auth_attempts(self) -> List[AuthAttempt]:
        with self.handler._cond:
            return list(self.handler.auth_attempts)

    @property
    def mail_commands(self) -> List[str]:
        with self.handler._cond:
            return list(self.handler.mail_commands)

    @property
    def rcpt_attempts(self) -> List[Tuple[str, str]]:
        with self.handler._cond:
            return list(self.handler.rcpt_attempts)

    def set_mail_reply(self, reply: Optional[str]) -> None:
        """Answer every later MAIL FROM with `reply` (None: accept again)."""
        with self.handler._cond:
            self.handler.mail_reply = reply

    @property
    def connections(self) -> int:
        with self.handler._cond:
            return self.handler.connections

    @property
    def ehlo_count(self) -> int:
        with self.handler._cond:
            return self.handler.ehlo_count

    def summary(self) -> str:
        """One paragraph for assertion messages."""
        return ("server saw: connections=%d ehlo=%d auth=%r mail=%r rcpt=%r transactions=%r"
                % (self.connections, self.ehlo_count,
                   [(a.mechanism, a.login, a.success) for a in self.auth_attempts],
                   self.mail_commands, self.rcpt_attempts,
                   [(t.mail_from, t.rcpt_tos, len(t.raw)) for t in self.transactions]))


# --------------------------------------------------------------------------
# Maildir capture (script mode)


class MaildirWriter:
    def __init__(self, root):
        self.root = Path(root)
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._count = 0
        self._lock = threading.Lock()
        self._host = socket.gethostname().replace("/", "\\057").replace(":", "\\072")

    def deliver(self, raw: bytes) -> Path:
        with self._lock:
            self._count += 1
            n = self._count
        now = time.time()
        name = "%d.M%06dP%dQ%d.%s" % (int(now), int((now % 1) * 1e6), os.getpid(), n,
                                      self._host)
        tmp, new = self.root / "tmp" / name, self.root / "new" / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(raw)
            while view:  # bounded: each write consumes at least one byte
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if new.exists():
            os.unlink(tmp)
            raise FileExistsError(new)
        os.rename(tmp, new)
        return new


class CaptureProcess:
    """This file run as a script (the `make demo` capture server), for tests.

    with CaptureProcess(maildir, insecure=True) as cap:
        cap.port, cap.url, cap.ca_file (None with insecure)
    """

    def __init__(self, maildir, *, insecure: bool = True, port: Optional[int] = None,
                 max_seconds: float = 300, start_timeout: float = 60,
                 python: str = sys.executable):
        self.maildir = Path(maildir)
        self.port: Optional[int] = None
        self.ca_file: Optional[Path] = None
        self.output: List[str] = []
        argv = [python, str(Path(__file__).resolve()), "--maildir", str(self.maildir),
                "--max-seconds", str(max_seconds)]
        if insecure:
            argv.append("--insecure")
        if port:
            argv += ["--port", str(port)]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        try:
            self._wait_listening(start_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_listening(self, timeout: float) -> None:
        import selectors
        deadline = time.monotonic() + timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while self.port is None:  # bounded by the deadline
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("capture server printed no 'listening on' line "
                                       f"within {timeout} s; output so far: {buf!r}")
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    err = self.proc.stderr.read().decode(errors="replace")
                    raise RuntimeError("capture server exited before listening "
                                       f"(output {buf!r}):\n{err}")
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    text = line.decode("utf-8", "replace")
                    self.output.append(text)
                    if text.startswith("ca_file "):
                        self.ca_file = Path(text[len("ca_file "):])
                    elif text.startswith("listening on "):
                        self.port = int(text.rsplit(":", 1)[1])

    @property
    def url(self) -> str:
        return f"smtp://{HOST}:{self.port}"

    def stop(self, timeout: float = 15) -> Tuple[int, str, str]:
        """SIGTERM, then wait (bounded; SIGKILL if needed).  -> (code, stdout, stderr)"""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate(timeout=timeout)
        text = out.decode("utf-8", "replace")
        self.output.extend(text.splitlines())
        return self.proc.returncode, text, err.decode("utf-8", "replace")

    def __enter__(self) -> "CaptureProcess":
        return self

    def __exit__(self, *exc) -> None:
        if self.proc.poll() is None:
            self.stop()


def wait_for_maildir_messages(maildir, count: int, timeout: float = 15) -> List[Path]:
    """Poll (bounded) until DIR/new holds at least `count` files; sorted paths."""
    new = Path(maildir) / "new"
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(p for p in new.iterdir() if p.is_file()) if new.is_dir() else []
        if len(files) >= count or time.monotonic() >= deadline:
            return files
        time.sleep(0.05)


def _say(line: str) -> None:
    try:
        print(line, flush=True)
    except (BrokenPipeError, ValueError):
        pass


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="guardmail capture SMTP server (127.0.0.1 only)")
    ap.add_argument("--maildir", required=True, help="Maildir to store messages in")
    ap.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    ap.add_argument("--insecure", action="store_true",
                    help="plaintext SMTP, no STARTTLS, no AUTH (loopback demo)")
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="exit after this many seconds (default 0: until killed)")
    args = ap.parse_args(argv)

    writer = MaildirWriter(args.maildir)

    def on_transaction(tx: Transaction) -> Optional[str]:
        path = writer.deliver(tx.raw)
        _say("delivered new/%s from=<%s> to=%s" % (
            path.name, tx.mail_from, ",".join("<%s>" % r for r in tx.rcpt_tos)))
        return None

    tls_dir = None
    pki = None
    if not args.insecure:
        tls_dir = tempfile.mkdtemp(prefix="guardmail-capture-tls-")
        pki = make_pki(tls_dir)
    server = SMTPServer(pki, starttls=not args.insecure, auth_users=None,
                        on_transaction=on_transaction, port=args.port or None)
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if pki is not None:
        _say("ca_file %s" % pki.ca_cert)
    _say("listening on %s:%d" % (HOST, server.port))
    deadline = time.monotonic() + args.max_seconds if args.max_seconds > 0 else None
    try:
        while not stop.wait(0.5):
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        server.stop()
        if tls_dir is not None:
            shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
