#!/usr/bin/python3
"""Floor reference: push a prebuilt, already SMTP-ready message into the sink.

The message file must use CRLF line endings, be dot-stuffed, and end with
CRLF (the ".CRLF" terminator is added here).  No MIME building, no encoding:
just the minimal SMTP dialogue and one sendfile/sendall of the bytes, so the
time measured is what loopback plus the sink cost.

Usage: rawsend.py HOST PORT FROM RCPT MESSAGE_FILE
"""

import os
import socket
import sys

TIMEOUT = 300.0


def reply(f, want):
    """Read one (possibly multi-line) reply; fail unless code starts with want."""
    for _ in range(64):  # bounded number of continuation lines
        line = f.readline(4096)
        if not line:
            raise SystemExit("rawsend: connection closed")
        if len(line) < 4 or line[3:4] != b"-":
            if not line.startswith(want):
                raise SystemExit(f"rawsend: unexpected reply {line!r}")
            return
    raise SystemExit("rawsend: reply too long")


def main():
    host, port, mail_from, rcpt, path = sys.argv[1:6]
    s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle wait on ".\r\n"
    f = s.makefile("rb")
    reply(f, b"220")
    s.sendall(b"EHLO localhost\r\n")
    reply(f, b"250")
    s.sendall(f"MAIL FROM:<{mail_from}>\r\n".encode())
    reply(f, b"250")
    s.sendall(f"RCPT TO:<{rcpt}>\r\n".encode())
    reply(f, b"250")
    s.sendall(b"DATA\r\n")
    reply(f, b"354")
    with open(path, "rb") as m:
        size = os.fstat(m.fileno()).st_size
        s.sendfile(m, 0, size)
    s.sendall(b".\r\n")
    reply(f, b"250")
    s.sendall(b"QUIT\r\n")
    reply(f, b"221")
    s.close()


if __name__ == "__main__":
    main()
