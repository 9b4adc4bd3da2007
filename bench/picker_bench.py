#!/usr/bin/python3
"""Address picker latency (issue 17; bench/README.md, "Targets": opening the picker < 30 ms, a
keystroke to its redrawn results < 10 ms).

Drives the real binary in a pseudo-terminal (100x30, TERM=xterm-256color) over an address book of
20,000 people (addressbook.txt in the config folder, with companies and kana readings; 2,000
namesake pairs) and a send journal of 50,000 delivered recipients (the journal file is made by the
composer itself, then filled with SQLite inserts as the dispatcher writes them):

  open       Ctrl-T in the To field to the picker's first frame. The composer makes the
             candidates in the background after its first frame; a picker opened before they
             are ready says "reading the address books…" and lists them when they are. So a
             second figure: Ctrl-T to the frame with the candidates listed (the same frame when
             they were ready)
  keystroke  each character of the search `たなか　ｐ１` typed one at a time to the complete
             frame of its results (full-width characters: their UTF-8 bytes, the frame's marker,
             cannot occur inside an escape sequence; the search folds them to `p1`)

A frame ends at the last byte of its burst of output (30 ms quiet after it, not counted), as in
tui_bench.py. Results are printed and written to bench/results/picker-<date-time>.md.

    GUARDMAIL_BIN=.build/release/guardmail /usr/bin/python3 bench/picker_bench.py [--runs N]
"""
import argparse
import datetime
import os
import sqlite3
import statistics
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import select  # noqa: E402
from tui_bench import QUIET, binary_line, drain, machine_line, read_frame, spawn, stop  # noqa: E402

os.umask(0o022)
OPEN_TARGET_MS = 30.0
KEY_TARGET_MS = 10.0
FAMILIES = [("田中", "たなか"), ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("伊藤", "いとう"),
            ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう")]
GIVEN = [("一郎", "いちろう"), ("花子", "はなこ"), ("次郎", "じろう"), ("美咲", "みさき"), ("健太", "けんた"),
         ("陽子", "ようこ"), ("大輔", "だいすけ"), ("優子", "ゆうこ"), ("翔太", "しょうた"), ("真由美", "まゆみ")]


def address_book(path, people):
    with open(path, "w", encoding="utf-8") as f:
        f.write("# picker_bench: people with companies and readings\n")
        for i in range(people):
            family, family_reading = FAMILIES[i % len(FAMILIES)]
            given, given_reading = GIVEN[(i // len(FAMILIES)) % len(GIVEN)]
            # Every 10th person shares a name with the one before at another company: namesakes.
            n = i - 1 if i % 10 == 9 else i
            f.write(f"{family} {given}{n // 100} <p{i}@company{i % 900}.example.co.jp> ; 会社{i % 900} ; "
                    f"{family_reading} {given_reading}\n")
    os.chmod(path, 0o600)


def fill_journal(path, recipients, per_message=50):
    """Messages of `per_message` recipients each, every recipient delivered (a result row)."""
    db = sqlite3.connect(path)
    cur = db.cursor()
    base = 1_760_000_000
    for m in range(recipients // per_message):
        cur.execute("INSERT INTO messages (message_id, confirmed_at, account, from_address, subject) VALUES (?, ?, ?, ?, ?)",
                    (f"bench-{m}@example.co.jp", base + m * 60, "bench", "taro@example.co.jp", f"件名 {m}"))
        message_row = cur.lastrowid
        for p in range(per_message):
            i = m * per_message + p
            address = f"h{i}@d{i % 3000}.example.com"
            cur.execute("INSERT INTO recipients (message_row, position, field, address, address_key, display_name, domain, "
                        "domain_ascii) VALUES (?, ?, 'to', ?, ?, ?, ?, ?)",
                        (message_row, p, address, address, f"Person {i}", f"d{i % 3000}.example.com", f"d{i % 3000}.example.com"))
            cur.execute("INSERT INTO recipient_results (message_row, recipient_row, at, reply, accepted) VALUES (?, ?, ?, '250 ok', 1)",
                        (message_row, cur.lastrowid, base + m * 60 + 1))
    db.commit()
    db.close()


def make_journal(binary, env, data):
    """The composer opens (and so creates) the journal right after its first frame."""
    pid, fd = spawn([binary, "compose", "--no-drafts"], env)
    try:
        read_frame(fd, b"Leave, keep draft", time.monotonic() + 20)
        deadline = time.monotonic() + 10
        path = os.path.join(data, "guardmail", "journal.sqlite")
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        drain(fd)
    finally:
        stop(pid, fd)
    found = [os.path.join(d, f) for d, _, files in os.walk(data) for f in files if f.endswith(".sqlite")]
    if not found:
        sys.exit("picker_bench: the composer made no journal under " + data)
    return found[0]


def read_burst(fd, marker, deadline):
    """As tui_bench.read_frame, and what was read: (time of the burst's last byte, bytes)."""
    buffer = bytearray()
    last = None
    while True:
        now = time.monotonic()
        if marker in buffer:
            wait = QUIET - (now - last)
            if wait <= 0:
                return last, bytes(buffer)
        else:
            wait = deadline - now
            if wait <= 0:
                raise TimeoutError(f"no {marker.decode('utf-8', 'replace')!r} on the screen; got {bytes(buffer[-400:])!r}")
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            raise TimeoutError(f"the program ended before drawing {marker.decode('utf-8', 'replace')!r}")
        last = time.monotonic()
        buffer.extend(chunk)


# Every candidate's address has it (p…@company….example.co.jp, h…@d….example.com).
LISTED = b".example."


def run(binary, env, chars, settle):
    """One run: the composer started, Ctrl-T timed to the picker's frame (and to the candidates
    listed), then each key."""
    pid, fd = spawn([binary, "compose", "--no-drafts"], env)
    try:
        read_frame(fd, b"Leave, keep draft", time.monotonic() + 20)
        drain(fd)
        time.sleep(settle)
        t = time.monotonic()
        os.write(fd, b"\x14")
        at, frame = read_burst(fd, b"pick an address for To", t + 10)
        opened = at - t
        listed = opened if LISTED in frame else read_frame(fd, LISTED, t + 10) - t
        drain(fd)
        keys = []
        for char in chars:
            t = time.monotonic()
            os.write(fd, char.encode())
            keys.append(read_frame(fd, char.encode(), t + 10) - t)
        return opened, listed, keys
    finally:
        stop(pid, fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds between the first frame and Ctrl-T (the books and the journal are read in the background meanwhile)")
    parser.add_argument("--out", default=None, help="results file (default bench/results/picker-<date-time>.md)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(os.path.dirname(here), ".build/release/guardmail"))
    if not os.path.exists(binary):
        sys.exit(f"picker_bench: no binary at {binary}: run swift build -c release")
    started = datetime.datetime.now()
    work = tempfile.mkdtemp(prefix="guardmail-picker-bench-")
    try:
        os.makedirs(f"{work}/config/guardmail")
        with open(f"{work}/config/guardmail/config.toml", "w") as f:
            f.write('default_account = "bench"\n\n[accounts.bench]\nfrom = "山田 太郎 <taro@example.co.jp>"\n'
                    'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\n\n'
                    '[policy]\ninternal_domains = ["example.co.jp"]\n')
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "XDG_CONFIG_HOME": f"{work}/config", "XDG_DATA_HOME": f"{work}/data",
               "GUARDMAIL_POLICY": f"{work}/no-organisation-policy.toml"}
        address_book(f"{work}/config/guardmail/addressbook.txt", args.people)
        fill_journal(make_journal(binary, env, f"{work}/data"), args.recipients)
        total = args.people + args.recipients
        chars = "たなか\u3000ｐ１"
        opens, listed, keys = [], [], []
        for _ in range(args.runs):
            o, li, k = run(binary, env, chars, args.settle)
            opens.append(o)
            listed.append(li)
            keys.extend(k)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def line(name, values, target):
        values = sorted(values)
        median = statistics.median(values) * 1000
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))] * 1000
        verdict = "—" if target is None else f"under {target:.0f} ms: " + ("met" if median < target else "NOT met")
        return f"| {name} | {median:.1f} | {p90:.1f} | {len(values)} | {verdict} |"

    report = "\n".join([
        f"# guardmail address picker — {started:%Y-%m-%d %H:%M}", "",
        f"Machine: {machine_line()}", "", f"Binary: {binary_line(binary)}", "",
        f"Method: bench/picker_bench.py, pseudo-terminal 100x30, {args.runs} runs; {args.people:,} address book entries "
        f"and {args.recipients:,} journal recipients ({total:,} candidates); Ctrl-T {args.settle:g} s after the first frame; a frame ends at the last byte of its burst "
        "of output (30 ms quiet after it, not counted).", "",
        "| measurement | median ms | p90 ms | samples | target (median) |", "|---|---:|---:|---:|---|",
        line("Ctrl-T to the picker's first frame", opens, OPEN_TARGET_MS),
        line("Ctrl-T to the candidates listed", listed, None),
        line("keystroke to redrawn results", keys, KEY_TARGET_MS), ""])
    print(report)
    out = args.out or os.path.join(here, "results", f"picker-{started:%Y-%m-%d-%H%M%S}.md")
    with open(out, "w", encoding="utf-8") as f:
        f.write(report)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
