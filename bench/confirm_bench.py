#!/usr/bin/python3
"""Confirmation screen benchmark (bench/README.md, "Targets": the confirmation frame with 5,000
recipients and 50 long findings at 80x24 under 50 ms; a keystroke to the redraw on that screen
under 5 ms).

Drives the real binary in a pseudo-terminal of 80x24 (tui_bench.py's driver and its 5,000-recipient
fixture: 250 domains, an address book whose namesakes are among the recipients, a history in the
sent folder) with an organisation policy ($GUARDMAIL_POLICY) of 50 confirm rules, each met by the
message (a recipient domain of the fixture) and each with a long Japanese message, so that the
screen holds 50 long findings of their own that wrap over several rows, besides the built-in
rules' (52 namesakes in one closed group, new domains, look-alikes, bulk recipients).

  y to first frame     `y` in the composer to the first complete frame of the confirmation screen
  keystroke: expand    Enter on the closed group of namesakes (where the cursor starts) to its redraw
  keystroke: move      `j` and `k` (the cursor one row down or up) to the redraw
  keystroke: tick      Space (ticks the finding under the cursor and moves on) to the redraw

Every key waits for the previous redraw to be over (0.1 s of quiet) before it is pressed. A redraw
ends at the last byte of the burst of output the key brought (30 ms of quiet after it, not counted).

    GUARDMAIL_BIN=.build/release/guardmail /usr/bin/python3 bench/confirm_bench.py [--runs N]
        [--baseline OTHER_BINARY] [--out FILE]

--baseline measures a second binary in the same run, interleaved run by run with the first; its
rows follow, marked "baseline".
"""
import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time


os.umask(0o022)
HERE = os.path.dirname(os.path.abspath(__file__))

# The pseudo-terminal driver and the 5,000-recipient fixture are tui_bench.py's.
sys.path.insert(0, HERE)
from tui_bench import (  # noqa: E402
    ALL_DOMAINS, TARGET_MS, binary_line, confirmation_fixture, confirmation_runs, drain, machine_line, read_burst,
    sent_folder_history)

SIZE = (24, 80)
KEY_TARGET_MS = 5.0
FINDINGS = 50
# Keys pressed on each confirmation screen, in order, with the row each one's time goes to.
KEYS = [("expand", b"\r")] + [("move", b"j")] * 6 + [("tick", b" ")] * 4 + [("move", b"k")] * 3 + [("tick", b" ")] * 2


def long_finding_policy():
    """50 confirm rules, each met by the fixture's recipients at one domain, with long messages."""
    lines = ['internal_domains = ["example.co.jp"]', ""]
    for r in range(FINDINGS):
        domain = ALL_DOMAINS[(r * 5) % len(ALL_DOMAINS)]
        lines += ["[[rule]]", f'id = "long-{r:02d}"', 'severity = "confirm"',
                  f'message = "規則{r}：{domain} の宛先には、契約上の守秘義務により社外秘の資料を送ることができません。'
                  '添付や本文に顧客の個人情報が含まれていないこと、宛先が最新の担当者であることを必ず確認してから送信してください"',
                  f'recipients_any = ["{domain}"]', ""]
    return "\n".join(lines) + "\n"


def stats(seconds):
    ms = sorted(t * 1000 for t in seconds)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default=None)
    parser.add_argument("--baseline", default=None, help="a second binary, measured interleaved with the first")
    args = parser.parse_args()
    root = os.path.dirname(HERE)
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(root, ".build/release/guardmail"))
    if not os.path.exists(binary):
        sys.exit(f"confirm_bench: no binary at {binary}: run swift build -c release")
    started = datetime.datetime.now()
    work = tempfile.mkdtemp(prefix="guardmail-confirm-bench-")
    binaries = [binary] + ([args.baseline] if args.baseline else [])
    frames = {b: [] for b in binaries}
    keys = {b: {"expand": [], "move": [], "tick": []} for b in binaries}

    def on_screen(b):
        def press(fd):
            for kind, key in KEYS:
                drain(fd)
                t = time.monotonic()
                os.write(fd, key)
                keys[b][kind].append(read_burst(fd, t + 5) - t)
        return press

    try:
        os.makedirs(f"{work}/config/guardmail")
        os.makedirs(f"{work}/data")
        os.makedirs(f"{work}/org")
        with open(f"{work}/config/guardmail/config.toml", "w") as f:
            f.write('default_account = "bench"\n\n[accounts.bench]\nfrom = "山田 太郎 <taro@example.co.jp>"\n'
                    'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\n')
        with open(f"{work}/org/policy.toml", "w", encoding="utf-8") as f:
            f.write(long_finding_policy())
        body = f"{work}/body.txt"
        with open(body, "w", encoding="utf-8") as f:
            f.write("各位\n\nいつもお世話になっております。年末年始の営業についてお知らせいたします。\n")
        recipient_args = confirmation_fixture(work)
        sent_folder_history(f"{work}/data")
        env = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TERM": "xterm-256color",
               "XDG_CONFIG_HOME": f"{work}/config", "XDG_DATA_HOME": f"{work}/data",
               "GUARDMAIL_POLICY": f"{work}/org/policy.toml"}
        # One run of each binary after the other, so that both see the same load.
        for _ in range(args.runs):
            for b in binaries:
                frames[b] += confirmation_runs(b, env, recipient_args, body, 1, size=SIZE, on_screen=on_screen(b))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for b in binaries:
        mark = "baseline: " if b != binary else ""
        rows.append((f"{mark}y to first confirmation frame (80x24; 5,000 recipients, {FINDINGS} long rule findings, 52 namesakes)",
                     frames[b], TARGET_MS))
        rows += [(f"{mark}keystroke to redraw: {kind} ({len(times)} keys)", times, KEY_TARGET_MS) for kind, times in keys[b].items()]
        rows.append((f"{mark}keystroke to redraw: all ({sum(len(t) for t in keys[b].values())} keys)",
                     [t for times in keys[b].values() for t in times], KEY_TARGET_MS))
    out_lines = [f"# Confirmation screen benchmark {started:%Y-%m-%d %H:%M}", "", machine_line(), binary_line(binary), "",
                 f"{args.runs} runs; terminal {SIZE[1]}x{SIZE[0]}"
                 + (f"; baseline {args.baseline}, interleaved run by run" if args.baseline else ""), "",
                 "| what | median ms | p90 ms | target |", "|---|---|---|---|"]
    for name, times, target in rows:
        median, p90 = stats(times)
        out_lines.append(f"| {name} | {median:.1f} | {p90:.1f} | "
                         f"{'met' if median < target and p90 < target else 'MISSED'} (< {target:.0f}) |")
    text = "\n".join(out_lines) + "\n"
    print(text)
    out = args.out or os.path.join(HERE, "results", f"confirm-{started:%Y-%m-%d-%H%M%S}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
