#!/usr/bin/python3
"""Composer latency benchmark: startup to the first drawn frame, and keystroke to redraw with a
5,000-line body. Drives the real binary in a pseudo-terminal (100x30, TERM=xterm-256color) and
times what the terminal receives. vi on the same file is the reference row.

    /usr/bin/python3 bench/tui_bench.py [--runs N] [--keys N]
"""
import argparse
import fcntl
import os
import pty
import select
import shutil
import statistics
import struct
import sys
import tempfile
import termios
import time

ROWS, COLS = 30, 100


def spawn(argv, env):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def read_until(fd, marker, deadline, buffer):
    """Reads until `marker` is in the bytes received since `buffer` was last cleared."""
    while marker not in buffer:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {marker!r} on the screen; got {bytes(buffer[-400:])!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                raise TimeoutError(f"the program ended before drawing {marker!r}")
            if not chunk:
                raise TimeoutError(f"the program ended before drawing {marker!r}")
            buffer.extend(chunk)


def drain(fd, quiet=0.05, limit=2.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            return
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def stop(pid, fd):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    os.close(fd)


def measure(argv, env, marker, keys, key_marker):
    """Returns (startup seconds, [keystroke seconds])."""
    t0 = time.monotonic()
    pid, fd = spawn(argv, env)
    buffer = bytearray()
    try:
        read_until(fd, marker, t0 + 10, buffer)
        startup = time.monotonic() - t0
        drain(fd)
        latencies = []
        for i in range(keys):
            letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            buffer = bytearray()
            t = time.monotonic()
            os.write(fd, letter.encode())
            read_until(fd, key_marker(letter), t + 5, buffer)
            latencies.append(time.monotonic() - t)
            drain(fd, quiet=0.01)
        return startup, latencies
    finally:
        stop(pid, fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(root, ".build/release/guardmail"))
    if not os.path.exists(binary):
        sys.exit(f"tui_bench: no binary at {binary}: run swift build -c release")

    work = tempfile.mkdtemp(prefix="guardmail-tui-bench-")
    try:
        os.makedirs(f"{work}/config/guardmail")
        with open(f"{work}/config/guardmail/config.toml", "w") as f:
            f.write('[accounts.bench]\nfrom = "山田 太郎 <taro@example.co.jp>"\n'
                    'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\n')
        body = f"{work}/body.txt"
        with open(body, "w", encoding="utf-8") as f:
            for i in range(args.lines):
                f.write(f"{i:05d} いつもお世話になっております。The quick brown fox jumps over the lazy dog.\n")
        body_small = f"{work}/small.txt"
        with open(body_small, "w", encoding="utf-8") as f:
            f.write("各位\n\n年末年始の営業についてお知らせいたします。\n")
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "XDG_CONFIG_HOME": f"{work}/config", "XDG_DATA_HOME": f"{work}/data"}

        rows = []
        # Startup of an empty composer: the legend is the last thing drawn in the first frame.
        empty = [measure([binary, "compose", "--no-drafts"], env, b"Leave, keep draft", 0, None)[0]
                 for _ in range(args.runs)]
        rows.append(("guardmail: start to first frame (empty)", empty))
        big = [binary, "compose", "--no-drafts", "--to", "a@example.jp", "--subject", "s", "--body-file", body]
        starts, keys = [], []
        for _ in range(args.runs):
            s, k = measure(big, env, b"Leave, keep draft", args.keys, lambda c: c.encode())
            starts.append(s)
            keys.extend(k)
        rows.append((f"guardmail: start to first frame ({args.lines}-line body)", starts))
        rows.append((f"guardmail: keystroke to redraw ({args.lines}-line body)", keys))
        # The confirmation screen for 5,000 recipients: from pressing y in the composer to the
        # first drawn frame (parsing, policy evaluation, grouping by domain, drawing).
        # One argument may hold at most 128 KiB on Linux: --bcc is repeatable.
        bcc_args = []
        for start in range(0, 5000, 1000):
            bcc_args += ["--bcc", ", ".join(f"user{i}@customer{i % 250}.example" for i in range(start, start + 1000))]
        confirm = []
        for _ in range(args.runs):
            t0 = time.monotonic()
            pid, fd = spawn([binary, "compose", "--no-drafts", *bcc_args, "--to", "a@example.co.jp",
                             "--subject", "お知らせ", "--body-file", body_small], env)
            buffer = bytearray()
            try:
                read_until(fd, b"Leave, keep draft", t0 + 20, buffer)
                drain(fd)
                os.write(fd, b"\x1b")
                buffer = bytearray()
                read_until(fd, b"Postpone", time.monotonic() + 5, buffer)
                drain(fd)
                buffer = bytearray()
                t = time.monotonic()
                os.write(fd, b"y")
                read_until(fd, b"Fix: one each", t + 20, buffer)
                confirm.append(time.monotonic() - t)
            finally:
                stop(pid, fd)
        rows.append(("guardmail: y to first confirmation frame (5,000 recipients, 250 domains)", confirm))
        vi = shutil.which("vi")
        if vi:
            vstarts, vkeys = [], []
            for _ in range(args.runs):
                # 'i' enters insert mode; each letter is then echoed.
                s, k = measure([vi, "-u", "NONE", "-i", "NONE", "+startinsert" if False else "+1", body], env,
                               b"00000", 0, None)
                vstarts.append(s)
            rows.append((f"reference: vi start to first frame ({args.lines}-line file)", vstarts))

        print(f"| measurement | median ms | p90 ms | samples |")
        print(f"|---|---:|---:|---:|")
        for name, values in rows:
            values = sorted(values)
            p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
            print(f"| {name} | {statistics.median(values) * 1000:.1f} | {p90 * 1000:.1f} | {len(values)} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
