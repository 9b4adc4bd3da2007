#!/usr/bin/python3
"""Minimal SMTP sink for benchmarks (not a mail server).

Speaks just enough SMTP for a client to submit messages over plaintext
loopback: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.  No
STARTTLS, no AUTH, no BDAT.  Message data is read in large chunks and only
scanned for the end-of-data marker CRLF.CRLF; it is counted, never stored or
parsed, so the sink costs far less than any sender it measures.

Every completed message is appended to the log (one JSON object per line)
*before* the final "250" is sent, so once a client has exited successfully its
message is already in the log.

With --dump-dir every message is also written there as raw DATA bytes
(still dot-stuffed); that is for checking what a client sent, not for timing.

With --reply-delay-ms N every reply after the greeting waits N ms first: a server one LAN
or WAN round trip away, for senders whose cost is in round trips (default 0: none).

Usage: sink.py [--host 127.0.0.1] [--port 0] [--log FILE] [--dump-dir DIR] [--reply-delay-ms N]
Prints "PORT <n>" on stdout (flushed) once listening.  Stops on SIGTERM/SIGINT.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading
import time

CHUNK = 1 << 20              # DATA is read 1 MiB at a time
CMD_RECV = 64 * 1024         # command phase read size
MAX_LINE = 4096              # longest command line accepted
IDLE_TIMEOUT = 300.0         # seconds a connection may sit idle
EOD = b"\r\n.\r\n"
REPLY_DELAY = 0.0            # seconds before each reply after the greeting (--reply-delay-ms)


def _path(arg, prefix):
    """'FROM:<a@b> SIZE=1' -> 'a@b' (best effort, for the log only)."""
    if arg[:len(prefix)].upper() == prefix:
        arg = arg[len(prefix):].strip()
    arg = arg.split(b" ", 1)[0]
    return arg.strip(b"<>").decode("latin-1")


class Log:
    def __init__(self, path):
        self._lock = threading.Lock()
        self._fh = open(path, "a", buffering=1) if path else None
        self._seq = 0

    def message(self, **rec):
        with self._lock:
            self._seq += 1
            rec["seq"] = self._seq
            if self._fh:
                self._fh.write(json.dumps(rec, sort_keys=True) + "\n")
                self._fh.flush()


class Conn:
    def __init__(self, sock, peer, log, conn_id, dump_dir=None):
        self.sock = sock
        self.dump_dir = dump_dir
        self.nmsg = 0
        self.peer = peer
        self.log = log
        self.conn_id = conn_id
        self.pending = bytearray()   # received, not yet consumed command bytes
        self.buf = bytearray(CHUNK)
        self.view = memoryview(self.buf)
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpts = []

    def send(self, line):
        if REPLY_DELAY and not line.startswith("220 "):
            time.sleep(REPLY_DELAY)
        self.sock.sendall(line.encode("ascii") + b"\r\n")

    def read_line(self):
        """Return one command line without CRLF, or None on EOF."""
        for _ in range(MAX_LINE + 2):  # bounded: each pass adds >= 1 byte or returns
            i = self.pending.find(b"\n")
            if i >= 0:
                line = bytes(self.pending[:i])
                del self.pending[:i + 1]
                return line.rstrip(b"\r")
            if len(self.pending) > MAX_LINE:
                raise ValueError("command line too long")
            data = self.sock.recv(CMD_RECV)
            if not data:
                return None
            self.pending += data
        raise ValueError("command line too long")

    def read_data(self, write=None):
        """Consume DATA payload up to and including CRLF.CRLF.

        Returns the number of message bytes (everything before the final
        ".CRLF", i.e. including the last line's CRLF), or None on EOF.
        Bytes received after the marker (pipelined commands) go back to
        self.pending.
        """
        # The CRLF that ended the DATA command counts as the start of the
        # marker, so an empty message ".\r\n" terminates correctly.
        tail = b"\r\n"
        count = 0
        # Anything already buffered after the DATA line is message data.
        carry = bytes(self.pending)
        self.pending.clear()
        while True:  # ends on marker or EOF; idle bounded by socket timeout
            if carry:
                chunk = carry
                n = len(chunk)
                carry = b""
                hay = chunk
            else:
                n = self.sock.recv_into(self.buf, CHUNK)
                if n == 0:
                    return None
                hay = self.buf
            if write:
                write(bytes(hay[:n]))
            # Marker straddling the previous chunk and this one.
            head = bytes(hay[:min(n, 4)])
            joined = tail + head
            j = joined.find(EOD)
            if j >= 0:
                end_in_chunk = j + len(EOD) - len(tail)  # bytes of this chunk used
                count += end_in_chunk - 3               # minus ".\r\n"
                self.pending += bytes(hay[end_in_chunk:n])
                return count
            j = hay.find(EOD, 0, n)
            if j >= 0:
                count += j + 2
                self.pending += bytes(hay[j + len(EOD):n])
                return count
            count += n
            last = bytes(hay[max(0, n - 4):n])
            tail = (tail + last)[-4:]

    def run(self):
        self.sock.settimeout(IDLE_TIMEOUT)
        self.send("220 sink.invalid ESMTP bench sink")
        while True:  # one iteration per command; ends on QUIT/EOF/error
            line = self.read_line()
            if line is None:
                return
            verb = line[:4].upper()
            arg = line[4:].strip()
            if verb == b"EHLO":
                self.reset()
                if REPLY_DELAY:
                    time.sleep(REPLY_DELAY)
                self.sock.sendall(b"250-sink.invalid\r\n"
                                  b"250-SIZE 2147483648\r\n"
                                  b"250-8BITMIME\r\n"
                                  b"250 PIPELINING\r\n")
            elif verb == b"HELO":
                self.reset()
                self.send("250 sink.invalid")
            elif verb == b"MAIL":
                self.reset()
                self.mail_from = _path(arg, b"FROM:")
                self.send("250 OK")
            elif verb == b"RCPT":
                if self.mail_from is None:
                    self.send("503 MAIL first")
                else:
                    self.rcpts.append(_path(arg, b"TO:"))
                    self.send("250 OK")
            elif verb == b"DATA":
                if not self.rcpts:
                    self.send("503 RCPT first")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                t0 = time.time()
                self.nmsg += 1
                rec = {}
                if self.dump_dir:
                    path = os.path.join(self.dump_dir,
                                        f"msg-{self.conn_id}-{self.nmsg}.eml")
                    with open(path, "wb") as fh:
                        n = self.read_data(fh.write)
                        fh.truncate(n or 0)
                    rec["dump"] = path
                else:
                    n = self.read_data()
                if n is None:
                    return
                self.log.message(conn=self.conn_id, bytes=n,
                                 rcpts=len(self.rcpts), mail_from=self.mail_from,
                                 rcpt_to=self.rcpts, t_start=t0, t_end=time.time(),
                                 **rec)
                self.reset()
                self.send("250 OK")
            elif verb == b"RSET":
                self.reset()
                self.send("250 OK")
            elif verb == b"NOOP":
                self.send("250 OK")
            elif verb == b"QUIT":
                self.send("221 Bye")
                return
            else:
                self.send("502 Command not implemented")


def serve(listener, log, dump_dir):
    conn_id = 0
    while True:  # accept loop; process exits on signal
        sock, peer = listener.accept()
        conn_id += 1
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = threading.Thread(target=handle,
                             args=(sock, peer, log, conn_id, dump_dir),
                             daemon=True)
        t.start()


def handle(sock, peer, log, conn_id, dump_dir):
    try:
        Conn(sock, peer, log, conn_id, dump_dir).run()
    except (OSError, ValueError) as e:
        print(f"sink: conn {conn_id}: {e}", file=sys.stderr, flush=True)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", default=None, help="append one JSON line per message")
    ap.add_argument("--reply-delay-ms", type=float, default=0.0,
                    help="wait this long before each reply (a server one round trip away)")
    ap.add_argument("--dump-dir", default=None,
                    help="also save each message's raw DATA bytes here (debug/verify)")
    a = ap.parse_args()
    global REPLY_DELAY
    REPLY_DELAY = max(0.0, a.reply_delay_ms) / 1000.0

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((a.host, a.port))
    listener.listen(16)
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    serve(listener, Log(a.log), a.dump_dir)


if __name__ == "__main__":
    main()
