#!/usr/bin/python3
"""Self-check of sink.py's DATA scanner: the end marker split at every chunk
boundary, pipelined commands after DATA, empty messages.  Runs offline on a
fake socket; exits non-zero on failure.  Usage: sink_selftest.py"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sink  # noqa: E402


class FakeSock:
    def __init__(self, pieces):
        self.pieces = [bytes(p) for p in pieces if p]

    def recv_into(self, buf, n):
        if not self.pieces:
            return 0
        p = self.pieces.pop(0)
        k = min(n, len(p), len(buf))
        buf[:k] = p[:k]
        if k < len(p):
            self.pieces.insert(0, p[k:])
        return k

    def recv(self, n):
        if not self.pieces:
            return b""
        p = self.pieces.pop(0)
        if n < len(p):
            self.pieces.insert(0, p[n:])
            p = p[:n]
        return p


def scan(stream, cuts, prebuffered=b""):
    pieces, last = [], 0
    for c in cuts:
        pieces.append(stream[last:c])
        last = c
    pieces.append(stream[last:])
    sock = FakeSock(pieces)
    c = sink.Conn(sock, None, None, 0)
    c.pending += prebuffered
    n = c.read_data()
    # What the command reader will see next: leftovers plus unread socket data.
    return n, bytes(c.pending) + b"".join(sock.pieces)


def main():
    fails = 0
    body = b"Subject: x\r\n\r\nline one\r\n..dot\r\nlast\r\n"
    stream = body + b".\r\nQUIT\r\n"
    want = (len(body), b"QUIT\r\n")
    for i in range(len(stream) + 1):
        for j in range(i, len(stream) + 1):
            got = scan(stream, [i, j])
            if got != want:
                print(f"FAIL cuts {i},{j}: {got} != {want}")
                fails += 1
    # Part of the message already buffered with the DATA command.
    for i in range(len(stream) + 1):
        got = scan(stream[i:], [], prebuffered=stream[:i])
        if got != want:
            print(f"FAIL prebuffered {i}: {got}")
            fails += 1
    # Empty message: "." right after DATA.
    for cuts in ([], [1], [2], [3]):
        got = scan(b".\r\nNOOP\r\n", cuts)
        if got != (0, b"NOOP\r\n"):
            print(f"FAIL empty {cuts}: {got}")
            fails += 1
    # Large message across many 1 MiB chunks, marker near a boundary.
    big = b"A" * (sink.CHUNK - 2) + b"\r\n"
    for extra in range(0, 8):
        msg = big + b"B" * extra + (b"\r\n" if extra else b"")
        got = scan(msg + b".\r\n", [sink.CHUNK - 1, sink.CHUNK + 3])
        if got != (len(msg), b""):
            print(f"FAIL big {extra}: {got}")
            fails += 1
    # EOF without marker.
    if scan(b"abc\r\n", [])[0] is not None:
        print("FAIL eof")
        fails += 1
    print("sink selftest:", "ok" if not fails else f"{fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
