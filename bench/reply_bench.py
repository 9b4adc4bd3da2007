#!/usr/bin/python3
"""Reply benchmark (bench/README.md, "Reply benchmark"): opening a reply or a forward to a large
original, to the first composer frame, and the memory it takes.

Drives the real binary in a pseudo-terminal (100x30, TERM=xterm-256color), as tui_bench.py does,
and times from the start of the process to the last byte of the burst of output that holds the
composer's first frame. The originals are written by this script: a multipart/mixed message in
the shape Outlook writes (ISO-2022-JP subject, multipart/alternative text and HTML) with a PDF
attachment of 1 MiB, 25 MiB or 100 MiB (random bytes, base64 as mail carries them).

  compose                   `compose --no-drafts` (no original): the floor
  reply-all, N MiB          `reply --all ORIGINAL`
  forward, N MiB            `forward ORIGINAL` (keeps the original's attachment: the composer
                            lists it, inspected at the confirmation as any attachment)

Memory is read from /proc/PID/status once the first frame is on the screen: VmHWM (the peak of
resident memory, file pages included) and RssAnon (the heap and stacks: what reading the original
into memory would grow). The target: under 100 ms to the first frame for 25 MiB, memory not
growing with the original. Results are printed and written to bench/results/reply-<date-time>.md.

    GUARDMAIL_BIN=.build/release/guardmail /usr/bin/python3 bench/reply_bench.py [--runs N] [--sizes 1,25,100]
"""
import argparse
import base64
import datetime
import os
import random
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tui_bench  # noqa: E402  (the pseudo-terminal driver: spawn, read_frame, stop)

TARGET_MS = 100.0
# The composer's editing legend ends its first frame.
MARKER = b"Leave, keep draft"


def iso2022jp_word(text):
    return "=?ISO-2022-JP?B?%s?=" % base64.b64encode(text.encode("iso2022_jp")).decode()


def write_original(path, mib):
    """A multipart/mixed message with a `mib` MiB PDF, written in chunks (never whole in memory)."""
    rng = random.Random(mib)
    with open(path, "w", encoding="ascii", newline="") as f:
        f.write("\r\n".join([
            "From: %s <ichiro@client.example.com>" % iso2022jp_word("佐藤 一郎"),
            "To: %s <taro@example.co.jp>, hanako@example.co.jp" % iso2022jp_word("山田 太郎"),
            "Cc: suzuki@client.example.com",
            "Subject: %s" % iso2022jp_word("見積書の件"),
            "Date: Mon, 7 Dec 2026 10:15:00 +0900",
            "Message-ID: <BENCH-%d@client.example.com>" % mib,
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="mixed"',
            "",
            "--mixed",
            'Content-Type: multipart/alternative; boundary="alt"',
            "",
            "--alt",
            "Content-Type: text/plain; charset=ISO-2022-JP",
            "Content-Transfer-Encoding: 7bit",
            "",
        ]) + "\r\n")
        body = "山田様\r\n\r\nお世話になっております。見積書をお送りします。\r\n" * 20
        f.write(body.encode("iso2022_jp").decode("ascii") + "\r\n")
        f.write("\r\n".join([
            "--alt",
            "Content-Type: text/html; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes("<p>山田様</p><p>見積書をお送りします。</p>".encode()).decode().replace("\n", "\r\n"),
            "--alt--",
            "--mixed",
            'Content-Type: application/pdf; name="mitsumori.pdf"',
            'Content-Disposition: attachment; filename="mitsumori.pdf"',
            "Content-Transfer-Encoding: base64",
            "",
        ]) + "\r\n")
        chunk = 57 * 1024  # a whole number of 57-byte base64 lines
        left = mib << 20
        first = True
        while left > 0:
            data = rng.randbytes(min(chunk, left))
            if first:
                data = b"%PDF-1.4\n" + data[9:]
                first = False
            left -= len(data)
            f.write(base64.encodebytes(data).decode().replace("\n", "\r\n"))
        f.write("--mixed--\r\n")


def memory(pid):
    """(VmHWM, RssAnon) of a running process in KiB, from /proc/PID/status."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "RssAnon"):
                values[key] = int(rest.split()[0])
    return values.get("VmHWM", 0), values.get("RssAnon", 0)


def one_run(argv, env):
    """Seconds to the first complete frame, and the memory at that moment."""
    t0 = time.monotonic()
    pid, fd = tui_bench.spawn(argv, env)
    try:
        seconds = tui_bench.read_frame(fd, MARKER, t0 + 20) - t0
        return seconds, memory(pid)
    finally:
        tui_bench.stop(pid, fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sizes", default="1,25,100", help="original sizes in MiB, comma-separated")
    parser.add_argument("--out", default=None, help="results file (default bench/results/reply-<date-time>.md)")
    args = parser.parse_args()
    root = os.path.dirname(HERE)
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(root, ".build/release/guardmail"))
    if not os.path.exists(binary):
        sys.exit(f"reply_bench: no binary at {binary}: run swift build -c release")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    started = datetime.datetime.now()
    work = tempfile.mkdtemp(prefix="guardmail-reply-bench-")
    try:
        os.makedirs(f"{work}/config/guardmail")
        with open(f"{work}/config/guardmail/config.toml", "w") as f:
            f.write('default_account = "bench"\n\n[accounts.bench]\nfrom = "山田 太郎 <taro@example.co.jp>"\n'
                    'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\n\n'
                    '[policy]\ninternal_domains = ["example.co.jp"]\n')
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "XDG_CONFIG_HOME": f"{work}/config", "XDG_DATA_HOME": f"{work}/data",
               "GUARDMAIL_POLICY": f"{work}/no-organisation-policy.toml"}
        originals = {}
        for mib in sizes:
            originals[mib] = f"{work}/original-{mib}.eml"
            write_original(originals[mib], mib)
        cases = [("compose (no original)", [binary, "compose", "--no-drafts"])]
        for mib in sizes:
            cases.append((f"reply-all, {mib} MiB original", [binary, "reply", "--all", originals[mib]]))
            cases.append((f"forward, {mib} MiB original", [binary, "forward", originals[mib]]))
        results = {name: [] for name, _ in cases}
        for name, argv in cases:  # one untimed run each: the page cache holds the originals
            one_run(argv, env)
        for _ in range(args.runs):  # interleaved, so that the machine's drift hits all alike
            for name, argv in cases:
                results[name].append(one_run(argv, env))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    floor = statistics.median(s for s, _ in results[cases[0][0]])
    lines = [f"# Reply benchmark, {started:%Y-%m-%d %H:%M}", "",
             tui_bench.machine_line(), tui_bench.binary_line(binary), "",
             f"{args.runs} runs each after one warm-up, interleaved; 100x30 pseudo-terminal. "
             f"Target: under {TARGET_MS:.0f} ms to the first frame for 25 MiB; memory flat in the original's size.", "",
             "| case | median ms | p90 ms | × compose | VmHWM MiB | RssAnon MiB | target |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, _ in cases:
        times = sorted(s * 1000 for s, _ in results[name])
        median = statistics.median(times)
        p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
        hwm = max(m[0] for _, m in results[name]) / 1024
        anon = max(m[1] for _, m in results[name]) / 1024
        target = "" if name.startswith("compose") else ("met" if median < TARGET_MS else "missed")
        lines.append(f"| {name} | {median:.1f} | {p90:.1f} | {median / (floor * 1000):.2f} | {hwm:.1f} | {anon:.1f} | {target} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.out or os.path.join(HERE, "results", f"reply-{started:%Y-%m-%d-%H%M%S}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
