#!/usr/bin/python3
"""A fault-injecting SMTP server on 127.0.0.1 for guardmail's end-to-end tests.

Raw sockets and the ssl module only (no aiosmtpd), so that it can misbehave at any step
of the dialogue in ways a well-written server library will not.  It speaks just enough
ESMTP for a submission client: EHLO/HELO, STARTTLS (RFC 3207), AUTH PLAIN and LOGIN
(RFC 4954), MAIL, RCPT, DATA, RSET, NOOP, QUIT.  Everything it does is bounded: every
read has a time limit, a "silent" server hangs up after `silence_limit` seconds, and the
whole server stops by itself after `max_seconds`.

Faults (name: parameters -- behaviour)
--------------------------------------------------------------------------------------
none            -                   a well-behaved server (STARTTLS, AUTH, 250 to all)
refuse          -                   the port is bound but not listening: ECONNREFUSED
greeting        reply="421 ..."     the greeting is `reply`; a 4xx greeting closes the
                                    connection at once, a 5xx one (554) answers every
                                    command but QUIT with 503 (RFC 5321 3.1)
mail            reply="451 ..."     MAIL FROM is answered with `reply`
rcpt            reply="550 ...",    RCPT TO is answered with `reply`; `addresses` (a list)
                addresses=None      limits that to those recipients (default: all)
data            reply="451 ..."     the DATA command is answered with `reply`
dot             reply="554 ..."     the final reply (after "<CRLF>.<CRLF>") is `reply`;
                                    the message is recorded but not delivered
too_many_rcpts  max=2               at most `max` recipients per transaction; every
                                    RCPT after that gets "452 4.5.3 Too many recipients"
drop_in_data    after_bytes=1       the connection is cut once `after_bytes` bytes of
                                    message content arrived (after 354): nothing queued
after_dot       mode="drop"|        the whole message arrived (delivered, counted in
                "garbage"|"silence" `copies`), then instead of the final reply the
                                    server hangs up / sends a line that is not an SMTP
                                    reply (then stays silent) / says nothing; silence
                                    and garbage last until the client leaves or
                                    `silence_limit` s
slow            step="dot",         the reply at `step` (greeting, ehlo, starttls, auth,
                delay=2.0           mail, rcpt, data, dot, quit) comes `delay` s late, or
                                    as soon as the test calls `answer_now()` (a long delay
                                    and answer_now(): the reply is withheld exactly as
                                    long as the test needs, with no timing guess)
silent          step="mail"         no reply at `step` at all (as after_dot silence, at
                                    an earlier step); bounded by `silence_limit`
bad_cert        cert="untrusted"|   STARTTLS with a certificate the client's CA did not
                "mismatch"          sign / one for another host name (mail.example.net)
starttls_fail   mode="reply"|       STARTTLS is offered, then answered "454 4.7.0 TLS not
                "handshake"         available" / answered 220 and the connection closed
                                    instead of a TLS handshake
no_auth         -                   AUTH is never advertised (and refused if tried)

Every fault takes `at` (1-based) and `times` (default: no limit): it applies to the
`at`-th and following transactions (connections for refuse/greeting/bad_cert/
starttls_fail/no_auth; MAIL commands for the rest), `times` of them, and the server is
well-behaved otherwise.  `heal()` (or SIGUSR1 in script mode) ends the fault for every
later connection or transaction.

Server options (any fault): starttls=True (offer STARTTLS; required before MAIL when
offered), implicit_tls=False (smtps), users={"taro": "s3cret"} (None: AUTH not needed and
not offered), silence_limit=30 s, idle_timeout=30 s (per read), max_seconds=600.

What it records (thread-safe; also written as JSON to `record` after every change):
  messages   one per DATA with envelope: mail_from, rcpts (accepted), refused
             [(address, reply)], data (bytes, dot-unstuffed), complete (the final dot
             arrived), final_reply (sent after the dot, None if none), delivered
             (complete and not refused at the dot: what a real server may have queued)
  copies     {recipient: number of delivered messages with it in the envelope}
  connections, auth (login, success), commands [(connection, line)] (AUTH args hidden)

Library use (tests):

    srv = FaultServer(pki, "after_dot", mode="silence", record=tmp / "record.json")
    srv.start(); ...; srv.settle(); srv.copies(); srv.heal(); srv.stop()

The pytest fixture `fault_server` (conftest.py) makes and stops them.

Script use:

    /usr/bin/python3 Tests/e2e/faultserver.py --fault after_dot --param mode=silence \\
        --record /tmp/rec.json [--config faults.json] [--port N]

prints `ca_file PATH` (a fresh test CA, unless the server is plaintext) and
`listening on 127.0.0.1:PORT`, then serves until SIGTERM or --max-seconds.  A --config
JSON file is {"fault": NAME, "params": {...}, "options": {...}}; --param key=value
(value parsed as JSON when it parses, else a string) and --option key=value add to it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import select
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HOST = "127.0.0.1"
CRLF = b"\r\n"
MAX_LINE = 4096  # longest command line accepted (RFC 5321 4.5.3.1.4 says 512)
MAX_MESSAGE = 64 << 20  # bytes of DATA kept per message
POLL = 0.2  # s: how often blocked reads and the accept loop look at the stop flag

FAULTS: Dict[str, Dict[str, Any]] = {
    "none": {},
    "refuse": {},
    "greeting": {"reply": "421 4.3.2 Service not available, closing channel"},
    "mail": {"reply": "451 4.3.0 Temporary failure, try again later"},
    "rcpt": {"reply": "550 5.1.1 No such user", "addresses": None},
    "data": {"reply": "451 4.3.0 Temporary failure, try again later"},
    "dot": {"reply": "554 5.7.1 Message refused"},
    "too_many_rcpts": {"max": 2},
    "drop_in_data": {"after_bytes": 1},
    "after_dot": {"mode": "silence"},
    "slow": {"step": "dot", "delay": 2.0},
    "silent": {"step": "mail"},
    "bad_cert": {"cert": "untrusted"},
    "starttls_fail": {"mode": "reply"},
    "no_auth": {},
}
STEPS = ("greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "dot", "quit")
# Faults that count connections (not MAIL commands) for `at` / `times`.
CONNECTION_FAULTS = {"refuse", "greeting", "bad_cert", "starttls_fail", "no_auth"}
GARBAGE = b"HELLO?? this line is not an SMTP reply\r\n"

DEFAULT_OPTIONS: Dict[str, Any] = {
    "starttls": True, "implicit_tls": False, "users": {"taro": "s3cret"},
    "silence_limit": 30.0, "idle_timeout": 30.0, "max_seconds": 600.0,
    "hostname": "faultserver.test",
}


class Hangup(Exception):
    """The connection is over (client left, read limit, or the fault cut it)."""


@dataclass
class Message:
    connection: int
    mail_from: str
    rcpts: List[str] = field(default_factory=list)
    refused: List[Tuple[str, str]] = field(default_factory=list)
    data: bytes = b""
    complete: bool = False
    final_reply: Optional[str] = None
    login: Optional[str] = None
    tls: bool = False

    @property
    def delivered(self) -> bool:
        """What a real server may have queued: the whole message arrived and was not refused."""
        if not self.complete:
            return False
        return self.final_reply is None or not self.final_reply[:1] in ("4", "5")

    def as_json(self) -> Dict[str, Any]:
        return {"connection": self.connection, "mail_from": self.mail_from,
                "rcpts": list(self.rcpts), "refused": [list(r) for r in self.refused],
                "data_base64": base64.b64encode(self.data).decode("ascii"),
                "size": len(self.data), "complete": self.complete,
                "final_reply": self.final_reply, "delivered": self.delivered,
                "login": self.login, "tls": self.tls}


def parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _reply_code(reply: str) -> str:
    return reply.strip()[:3]


class FaultServer:
    """See the module docstring.  One listening socket, one thread per connection."""

    def __init__(self, pki=None, fault: str = "none", *, record=None, port: Optional[int] = None,
                 **params):
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        options = dict(DEFAULT_OPTIONS)
        fault_params = dict(FAULTS[fault])
        at, times = params.pop("at", 1), params.pop("times", None)
        for key, value in params.items():
            if key in DEFAULT_OPTIONS:
                options[key] = value
            elif key in fault_params:
                fault_params[key] = value
            else:
                raise ValueError(f"fault {fault!r} has no parameter {key!r}; it takes "
                                 f"{sorted(fault_params) + ['at', 'times']} and the options "
                                 f"{sorted(DEFAULT_OPTIONS)}")
        if fault in ("slow", "silent") and fault_params["step"] not in STEPS:
            raise ValueError(f"step {fault_params['step']!r} is not one of {STEPS}")
        self.fault, self.params, self.options = fault, fault_params, options
        self.at, self.times = int(at), (None if times is None else int(times))
        self.pki = pki
        tls_needed = options["starttls"] or options["implicit_tls"]
        if tls_needed and pki is None:
            raise ValueError("STARTTLS or implicit TLS needs a PKI (smtpserver.make_pki)")
        self._contexts: Dict[str, ssl.SSLContext] = {}
        if tls_needed:
            for name in ("trusted", "untrusted", "mismatch"):
                pair = pki.pair(name)
                ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                ctx.minimum_version = ssl.TLSVersion.TLSv1_2
                ctx.load_cert_chain(str(pair.cert), str(pair.key))
                self._contexts[name] = ctx
        self.record_path = Path(record) if record is not None else None
        self._fixed_port = port
        self.port: Optional[int] = None
        self._sock: Optional[socket.socket] = None
        self._listening = False
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._healed = False
        self._answer_now = threading.Event()  # ends every `slow` wait (answer_now())
        self._threads: List[threading.Thread] = []
        self._active = 0
        self._deadline = 0.0
        self._fault_count = {"connection": 0, "transaction": 0}
        # Records
        self.connections = 0
        self.messages: List[Message] = []
        self.auth: List[Tuple[str, bool]] = []
        self.commands: List[Tuple[int, str]] = []
        self.errors: List[str] = []  # unexpected server-side exceptions

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> "FaultServer":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((HOST, self._fixed_port or 0))
        self._sock, self.port = s, s.getsockname()[1]
        self._deadline = time.monotonic() + float(self.options["max_seconds"])
        if self.fault != "refuse":
            self._listen()
        t = threading.Thread(target=self._accept_loop, name=f"faultserver-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        self._write_record()
        return self

    def _listen(self) -> None:
        with self._lock:
            if not self._listening and self._sock is not None:
                self._sock.listen(16)
                self._listening = True

    def answer_now(self) -> None:
        """Every reply a `slow` fault is withholding goes out now, and later ones are not
        delayed."""
        self._answer_now.set()

    def heal(self) -> None:
        """From now on, a well-behaved server (a refusing port starts listening)."""
        with self._lock:
            self._healed = True
        self._listen()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for t in list(self._threads):
            t.join(max(0.0, deadline - time.monotonic()))
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._write_record()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"{'smtps' if self.options['implicit_tls'] else 'smtp'}://{HOST}:{self.port}"

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait (bounded) until no client connection is open."""
        with self._lock:
            return self._lock.wait_for(lambda: self._active == 0, timeout=timeout)

    # -- what it saw ---------------------------------------------------------------
    def copies(self) -> Dict[str, int]:
        """Per recipient, how many delivered messages had it in the envelope."""
        out: Dict[str, int] = {}
        with self._lock:
            for m in self.messages:
                if m.delivered:
                    for r in m.rcpts:
                        out[r] = out.get(r, 0) + 1
        return out

    def delivered(self) -> List[Message]:
        with self._lock:
            return [m for m in self.messages if m.delivered]

    def summary(self) -> str:
        with self._lock:
            return ("fault %s %r: connections=%d messages=%r errors=%r" % (
                self.fault, self.params, self.connections,
                [(m.mail_from, m.rcpts, m.complete, m.final_reply) for m in self.messages],
                self.errors))

    def _write_record(self) -> None:
        if self.record_path is None:
            return
        with self._lock:
            doc = {"fault": self.fault, "params": self.params, "port": self.port,
                   "connections": self.connections,
                   "messages": [m.as_json() for m in self.messages],
                   "copies": {}, "auth": [list(a) for a in self.auth],
                   "errors": list(self.errors)}
            for m in self.messages:
                if m.delivered:
                    for r in m.rcpts:
                        doc["copies"][r] = doc["copies"].get(r, 0) + 1
            tmp = self.record_path.with_name(self.record_path.name + ".tmp")
            tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
            os.replace(tmp, self.record_path)

    # -- fault selection ---------------------------------------------------------------
    def _claim(self, unit: str) -> bool:
        """Count one connection/transaction; True when the fault applies to it."""
        kind = "connection" if self.fault in CONNECTION_FAULTS else "transaction"
        if unit != kind:
            return False
        with self._lock:
            if self._healed:
                return False
            self._fault_count[unit] += 1
            n = self._fault_count[unit]
        if n < self.at:
            return False
        return self.times is None or n < self.at + self.times

    # -- accept loop ---------------------------------------------------------------
    def _accept_loop(self) -> None:
        cid = 0
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                listening = self._listening
            if not listening:
                self._stop.wait(POLL)
                continue
            readable, _, _ = select.select([self._sock], [], [], POLL)
            if not readable:
                continue
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            cid += 1
            with self._lock:
                self.connections += 1
                self._active += 1
            t = threading.Thread(target=self._serve, args=(conn, cid), daemon=True,
                                 name=f"faultserver-{self.port}-{cid}")
            self._threads.append(t)
            t.start()
        self._stop.set()

    def _serve(self, sock: socket.socket, cid: int) -> None:
        try:
            _Connection(self, sock, cid).run()
        except Hangup:
            pass
        except Exception as e:  # recorded: a test can assert there were none
            with self._lock:
                self.errors.append(f"connection {cid}: {e!r}")
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self._lock:
                self._active -= 1
                self._lock.notify_all()
            self._write_record()


class _Connection:
    def __init__(self, server: FaultServer, sock: socket.socket, cid: int):
        self.srv, self.sock, self.cid = server, sock, cid
        self.raw_sock = sock
        self.buf = b""
        self.tls = False
        self.login: Optional[str] = None
        self.message: Optional[Message] = None
        self.conn_fault = server._claim("connection")
        self.tx_fault = False
        self.greeted_5xx = False

    # -- I/O, every wait bounded
    def _deadline_passed(self, until: float) -> bool:
        return self.srv._stop.is_set() or time.monotonic() >= until

    def _recv(self, until: float) -> bytes:
        while True:
            if self._deadline_passed(until):
                raise Hangup()
            if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                ready = True
            else:
                ready = bool(select.select([self.sock], [], [], POLL)[0])
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except (OSError, ssl.SSLError):
                raise Hangup()
            if not chunk:
                raise Hangup()
            return chunk

    def readline(self) -> bytes:
        until = time.monotonic() + float(self.srv.options["idle_timeout"])
        while CRLF not in self.buf and b"\n" not in self.buf:
            if len(self.buf) > MAX_MESSAGE:
                raise Hangup()
            self.buf += self._recv(until)
        at = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:at], self.buf[at:]
        return line

    def send(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError):
            raise Hangup()

    def reply(self, text: str, step: str) -> None:
        srv = self.srv
        faulty = self.tx_fault if step in ("mail", "rcpt", "data", "dot") else self.conn_fault_or_tx()
        if srv.fault == "slow" and srv.params["step"] == step and faulty:
            self.wait(float(srv.params["delay"]))
        if srv.fault == "silent" and srv.params["step"] == step and faulty:
            self.silence()
        self.send(text.encode("utf-8") + CRLF)

    def conn_fault_or_tx(self) -> bool:
        # slow/silent are transaction faults; before the first MAIL of a connection they
        # apply when the next transaction would be faulty (the counter is peeked, not taken).
        srv = self.srv
        with srv._lock:
            if srv._healed:
                return False
            n = srv._fault_count["transaction"] + 1
        return n >= srv.at and (srv.times is None or n < srv.at + srv.times)

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` (cut short by answer_now(); a Hangup when the server stops)."""
        until = time.monotonic() + seconds
        while not self.srv._answer_now.is_set():
            left = until - time.monotonic()
            if left <= 0:
                return
            if self.srv._stop.wait(min(POLL, left)):
                raise Hangup()

    def silence(self) -> None:
        """Say nothing until the client leaves or silence_limit; then hang up."""
        until = time.monotonic() + float(self.srv.options["silence_limit"])
        while True:
            self._recv(until)  # raises Hangup at the limit or when the client leaves

    def record(self) -> None:
        self.srv._write_record()

    # -- the dialogue
    def run(self) -> None:
        srv, fault = self.srv, self.srv.fault
        if srv.options["implicit_tls"]:
            self.start_tls(srv._contexts["trusted"])
        if fault == "greeting" and self.conn_fault:
            greeting = str(srv.params["reply"])
            self.send(greeting.encode() + CRLF)
            if greeting.startswith("4"):
                return
            self.greeted_5xx = True
        else:
            self.reply(f"220 {srv.options['hostname']} ESMTP faultserver", "greeting")
        while True:
            line = self.readline()
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            verb = text.split(" ", 1)[0].upper()
            arg = text[len(verb):].strip()
            with srv._lock:
                srv.commands.append((self.cid, text if verb != "AUTH" else "AUTH " + arg.split(" ")[0]))
            if verb == "QUIT":
                self.reply("221 2.0.0 Bye", "quit")
                return
            if self.greeted_5xx:
                self.send(b"503 5.5.1 No service here, only QUIT\r\n")
                continue
            handler = getattr(self, "cmd_" + verb.lower(), None)
            if handler is None:
                self.send(b"502 5.5.2 Command not recognised\r\n")
                continue
            handler(arg)

    def ehlo_lines(self) -> List[str]:
        srv = self.srv
        lines = [srv.options["hostname"], "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES",
                 "SIZE 104857600"]
        if srv.options["starttls"] and not self.tls and not srv.options["implicit_tls"]:
            lines.append("STARTTLS")
        if self.auth_offered():
            lines.append("AUTH PLAIN LOGIN")
        return lines

    def auth_offered(self) -> bool:
        srv = self.srv
        if srv.options["users"] is None or (srv.fault == "no_auth" and self.conn_fault):
            return False
        return self.tls or not (srv.options["starttls"] or srv.options["implicit_tls"])

    def cmd_ehlo(self, arg: str) -> None:
        lines = self.ehlo_lines()
        text = "\r\n".join(("250-" if i < len(lines) - 1 else "250 ") + l for i, l in enumerate(lines))
        self.reply(text, "ehlo")

    def cmd_helo(self, arg: str) -> None:
        self.reply(f"250 {self.srv.options['hostname']}", "ehlo")

    def cmd_noop(self, arg: str) -> None:
        self.send(b"250 2.0.0 OK\r\n")

    def cmd_rset(self, arg: str) -> None:
        self.message = None
        self.send(b"250 2.0.0 OK\r\n")

    def cmd_starttls(self, arg: str) -> None:
        srv = self.srv
        if not srv.options["starttls"] or self.tls:
            self.send(b"503 5.5.1 STARTTLS not available now\r\n")
            return
        if srv.fault == "starttls_fail" and self.conn_fault:
            if srv.params["mode"] == "reply":
                self.send(b"454 4.7.0 TLS not available due to temporary reason\r\n")
                return
            self.send(b"220 2.0.0 Ready to start TLS\r\n")
            raise Hangup()  # no handshake: the connection closes
        self.reply("220 2.0.0 Ready to start TLS", "starttls")
        cert = "trusted"
        if srv.fault == "bad_cert" and self.conn_fault:
            cert = str(srv.params["cert"])
        self.start_tls(srv._contexts[cert])

    def start_tls(self, ctx: ssl.SSLContext) -> None:
        if self.buf:
            raise Hangup()  # commands pipelined before the handshake: refuse (RFC 3207 5)
        self.raw_sock.settimeout(float(self.srv.options["idle_timeout"]))
        try:
            self.sock = ctx.wrap_socket(self.raw_sock, server_side=True)
        except (OSError, ssl.SSLError):
            raise Hangup()  # e.g. the client refused our certificate
        self.sock.setblocking(False)
        self.tls = True

    def cmd_auth(self, arg: str) -> None:
        srv = self.srv
        if not self.auth_offered():
            self.send(b"503 5.5.1 AUTH not available\r\n")
            return
        parts = arg.split(" ")
        mech = parts[0].upper()
        if mech == "PLAIN":
            initial = parts[1] if len(parts) > 1 else None
            if initial is None:
                self.send(b"334 \r\n")
                initial = self.readline().strip().decode("ascii", "replace")
            try:
                _, login, password = base64.b64decode(initial).decode("utf-8").split("\0")
            except Exception:
                self.send(b"501 5.5.2 Cannot decode\r\n")
                return
        elif mech == "LOGIN":
            try:
                if len(parts) > 1:
                    login = base64.b64decode(parts[1]).decode("utf-8")
                else:
                    self.send(b"334 VXNlcm5hbWU6\r\n")
                    login = base64.b64decode(self.readline().strip()).decode("utf-8")
                self.send(b"334 UGFzc3dvcmQ6\r\n")
                password = base64.b64decode(self.readline().strip()).decode("utf-8")
            except Exception:
                self.send(b"501 5.5.2 Cannot decode\r\n")
                return
        else:
            self.send(b"504 5.5.4 Mechanism not supported\r\n")
            return
        ok = srv.options["users"].get(login) == password
        with srv._lock:
            srv.auth.append((login, ok))
        if ok:
            self.login = login
            self.reply("235 2.7.0 Authentication successful", "auth")
        else:
            self.reply("535 5.7.8 Authentication credentials invalid", "auth")

    def _may_transact(self) -> bool:
        srv = self.srv
        if srv.options["starttls"] and not self.tls and not srv.options["implicit_tls"]:
            self.send(b"530 5.7.0 Must issue a STARTTLS command first\r\n")
            return False
        if srv.options["users"] is not None and self.login is None:
            self.send(b"530 5.7.0 Authentication required\r\n")
            return False
        return True

    @staticmethod
    def _address(arg: str, prefix: str) -> Optional[str]:
        if not arg.upper().startswith(prefix):
            return None
        rest = arg[len(prefix):].strip()
        if not rest.startswith("<") or ">" not in rest:
            return None
        return rest[1:rest.index(">")]

    def cmd_mail(self, arg: str) -> None:
        if not self._may_transact():
            return
        if self.message is not None:
            self.send(b"503 5.5.1 Nested MAIL command\r\n")
            return
        address = self._address(arg, "FROM:")
        if address is None:
            self.send(b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n")
            return
        srv = self.srv
        self.tx_fault = srv._claim("transaction")
        if srv.fault == "mail" and self.tx_fault:
            self.reply(str(srv.params["reply"]), "mail")
            return
        self.message = Message(self.cid, address, login=self.login, tls=self.tls)
        self.reply("250 2.1.0 OK", "mail")

    def cmd_rcpt(self, arg: str) -> None:
        if self.message is None:
            self.send(b"503 5.5.1 Need MAIL first\r\n")
            return
        address = self._address(arg, "TO:")
        if address is None:
            self.send(b"501 5.5.4 Syntax: RCPT TO:<address>\r\n")
            return
        srv, m, answer = self.srv, self.message, "250 2.1.5 OK"
        if self.tx_fault and srv.fault == "rcpt":
            only = srv.params["addresses"]
            if only is None or address.lower() in [a.lower() for a in only]:
                answer = str(srv.params["reply"])
        if self.tx_fault and srv.fault == "too_many_rcpts" and len(m.rcpts) >= int(srv.params["max"]):
            answer = "452 4.5.3 Too many recipients"
        with srv._lock:
            if answer.startswith("2"):
                m.rcpts.append(address)
            else:
                m.refused.append((address, answer))
        self.reply(answer, "rcpt")

    def cmd_data(self, arg: str) -> None:
        srv, m = self.srv, self.message
        if m is None or not m.rcpts:
            self.send(b"503 5.5.1 Need MAIL and RCPT first\r\n")
            return
        if self.tx_fault and srv.fault == "data":
            self.message = None
            self.reply(str(srv.params["reply"]), "data")
            return
        with srv._lock:
            srv.messages.append(m)
        self.reply("354 End data with <CR><LF>.<CR><LF>", "data")
        if self.tx_fault and srv.fault == "drop_in_data":
            got, until = len(self.buf), time.monotonic() + float(srv.options["idle_timeout"])
            while got < int(srv.params["after_bytes"]):
                got += len(self._recv(until))
            self.record()
            raise Hangup()  # in the middle of the message: nothing queued
        kept = 0
        chunks: List[bytes] = []
        while True:  # bounded: each readline has the idle limit
            line = self.readline()
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            if kept < MAX_MESSAGE:
                chunks.append(line)
                kept += len(line)
        with srv._lock:
            m.data = b"".join(chunks)
            m.complete = True
        self.message = None
        self.record()
        if self.tx_fault and srv.fault == "after_dot":
            mode = srv.params["mode"]
            if mode == "drop":
                raise Hangup()
            if mode == "garbage":
                self.send(GARBAGE)
            self.silence()
        final = "250 2.0.0 OK: queued as FAULT%d" % len(srv.messages)
        if self.tx_fault and srv.fault == "dot":
            final = str(srv.params["reply"])
        with srv._lock:
            m.final_reply = final
        self.record()
        self.reply(final, "dot")


# --------------------------------------------------------------------------
# Script mode


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fault", default=None, help="one of: " + ", ".join(sorted(FAULTS)))
    p.add_argument("--config", type=Path, help="JSON {fault, params, options}")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--record", type=Path, help="JSON file rewritten after every change")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args(argv)
    spec: Dict[str, Any] = {"fault": "none", "params": {}, "options": {}}
    if args.config:
        spec.update(json.loads(args.config.read_text(encoding="utf-8")))
    if args.fault:
        spec["fault"] = args.fault
    for kind, pairs in (("params", args.param), ("options", args.option)):
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep:
                p.error(f"--{kind[:-1] if kind == 'options' else 'param'} needs KEY=VALUE, got {pair!r}")
            spec[kind][key] = parse_value(value)
    kwargs = dict(spec.get("params") or {})
    kwargs.update(spec.get("options") or {})
    tls = kwargs.get("starttls", True) or kwargs.get("implicit_tls", False)
    tls_dir, pki = None, None
    if tls:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from smtpserver import make_pki  # the same openssl-made CA as the other tests
        tls_dir = tempfile.mkdtemp(prefix="guardmail-faultserver-tls-")
        pki = make_pki(tls_dir)
    server = FaultServer(pki, spec["fault"], record=args.record, port=args.port or None, **kwargs)
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server._stop.set())
    signal.signal(signal.SIGINT, lambda *_: server._stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: server.heal())
    if pki is not None:
        _say("ca_file %s" % pki.ca_cert)
    _say("listening on %s:%d" % (HOST, server.port))
    try:
        while not server._stop.wait(0.5):
            pass
    finally:
        server.stop()
        if tls_dir is not None:
            import shutil
            shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
