#!/usr/bin/python3
"""Policy benchmark (bench/README.md, "Targets": 1,000 rule tables and 20 barriers over 5,000
recipients and a 1 MiB body: policy evaluation plus the first confirmation frame under 50 ms).

Drives the real binary in a pseudo-terminal, as tui_bench.py does, and times `y` to the first
complete frame of the confirmation screen, with an organisation policy ($GUARDMAIL_POLICY) of:

  - 40 groups of 25 patterns each (domains, `*.` subdomains, local-part patterns), 20 barriers
    between pairs of them;
  - 1,000 rules: 700 on recipients (any/none of patterns or groups, only external, at least N),
    200 on body or subject keywords (Japanese and ASCII, none of them in the body, so every rule
    reads the whole body), 50 on regular expressions, 50 on attachments;
and a message to 5,000 recipients in To and Cc (250 domains, tui_bench's fixture) whose body is
1 MiB of Japanese and ASCII text. A rule matches (a block on the barrier groups met by nobody
is not enough): one keyword rule and several recipient rules report, so the findings are drawn.

A second row replaces the 50 regular-expression rules by keyword rules, a third runs the same
message without the organisation policy: the differences are what the regexes and the rule
tables cost.

    GUARDMAIL_BIN=.build/release/guardmail /usr/bin/python3 bench/policy_bench.py [--runs N]
"""
import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time

import fcntl
import pty
import select
import signal
import struct
import termios

os.umask(0o022)
HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_MS = 50.0
ROWS, COLS = 30, 100
QUIET = 0.03          # s without output that ends a frame's burst

# The pseudo-terminal helpers and the 5,000-recipient fixture, as in tui_bench.py.

def spawn(argv, env):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return pid, fd


def read_frame(fd, marker, deadline):
    """Reads until `marker` has arrived and then QUIET seconds pass without output. Returns the
    time the last byte of that burst arrived."""
    buffer = bytearray()
    last = None
    while True:
        now = time.monotonic()
        if marker in buffer:
            wait = QUIET - (now - last)
            if wait <= 0:
                return last
        else:
            wait = deadline - now
            if wait <= 0:
                raise TimeoutError(f"no {marker.decode('utf-8', 'replace')!r} on the screen; "
                                   f"got {bytes(buffer[-400:])!r}")
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            raise TimeoutError(f"the program ended before drawing {marker.decode('utf-8', 'replace')!r}")
        last = time.monotonic()
        buffer.extend(chunk)


def drain(fd, quiet=0.1, limit=3.0):
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
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    os.close(fd)


KNOWN_DOMAINS = [f"customer{i}.example" for i in range(200)]
NEW_DOMAINS = [f"newclient{i}.example" for i in range(40)]
# One character from a known domain: l for 1, 0 for o, rn for m.
LOOKALIKE_DOMAINS = [f"customerl{i}.example" for i in range(10, 15)] + [f"cust0mer{i}.example" for i in range(20, 25)]
ALL_DOMAINS = KNOWN_DOMAINS + NEW_DOMAINS + LOOKALIKE_DOMAINS   # 250


KNOWN_ADDRESSES = [f"user{i}@{KNOWN_DOMAINS[i % 200]}" for i in range(3000)]


def sent_folder_history(data):
    """The history as sent copies only (150 messages of 20 recipients)."""
    sent = f"{data}/guardmail/sent/cur"
    os.makedirs(sent)
    for sub in ("tmp", "new"):
        os.makedirs(f"{data}/guardmail/sent/{sub}")
    for n in range(150):
        to = ", ".join(KNOWN_ADDRESSES[n * 20:(n + 1) * 20])
        with open(f"{sent}/{1795900000 + n}.bench{n}:2,S", "w") as f:
            f.write(f"From: taro@example.co.jp\r\nTo: {to}\r\nSubject: past {n}\r\n"
                    f"Message-ID: <past{n}@example.co.jp>\r\n\r\nbody\r\n")


def journal_history(binary, env, work, body_small):
    """The history as the send journal records it: 10 real sends (300 Bcc recipients each) to
    bench/sink.py, hold 0, findings accepted. Returns None, or why it could not be made."""
    sys.path.insert(0, HERE)
    from send_bench import Sink  # noqa: E402
    sink = Sink(work, "history-sink")
    sink.start()
    config = f"{work}/config/guardmail/config.toml"
    with open(config) as f:
        original = f.read()
    try:
        with open(config, "w") as f:
            f.write(original.replace('smtp_url = "smtp://127.0.0.1:9"', f'smtp_url = "smtp://127.0.0.1:{sink.port}"')
                    + "hold_internal_seconds = 0\nhold_external_seconds = 0\n")
        for n in range(10):
            argv = [binary, "send", "--bcc", ", ".join(KNOWN_ADDRESSES[n * 300:(n + 1) * 300]), "--subject",
                    f"past {n}", "--body-file", body_small]
            accepted = set()
            for _ in range(5):
                accept = [x for rule in sorted(accepted) for x in ("--accept", rule)]
                run = subprocess.run(argv + accept, env=env, capture_output=True, text=True, timeout=120)
                if run.returncode == 0:
                    break
                # The findings to accept are printed as "--accept RULE-ID".
                words = run.stderr.split()
                asked = {words[i + 1] for i, w in enumerate(words[:-1]) if w == "--accept"}
                if not asked - accepted:
                    return f"guardmail send failed ({run.returncode}): {run.stderr.strip()[:300]}"
                accepted |= asked
            else:
                return "guardmail send kept asking for --accept"
        return None
    finally:
        with open(config, "w") as f:
            f.write(original)
        sink.stop()


def confirmation_fixture(work):
    """The address book and 5,000 recipients. Returns the composer arguments for To and Cc."""
    with open(f"{work}/config/guardmail/addressbook.txt", "w") as f:
        for d, domain in enumerate(KNOWN_DOMAINS):
            f.write(f"[株式会社 顧客{d}]\n")
            for k in range(5):
                i = d + 200 * k
                f.write(f"顧客 {i}号 <user{i}@{domain}>\n")
    recipients = []
    for i in range(5000):
        domain = ALL_DOMAINS[i % len(ALL_DOMAINS)]
        if i % 97 == 0:
            # A known person's name at another address: a namesake.
            recipients.append(f"顧客 {i % 1000}号 <other{i}@{domain}>")
        else:
            recipients.append(f"user{i}@{domain}")
    # One argument may hold at most 128 KiB on Linux: --to and --cc repeat.
    args = []
    for start in range(0, 5000, 500):
        flag = "--to" if start < 2500 else "--cc"
        args += [flag, ", ".join(recipients[start:start + 500])]
    return args




def organisation_policy(regex=True):
    lines = ['internal_domains = ["example.co.jp"]', "", "[groups]"]
    for g in range(40):
        patterns = []
        for k in range(25):
            n = g * 25 + k
            patterns.append(["partner%d.example" % n, "*.partner%d.example" % n, "sales-*@agency%d.example" % n][k % 3])
        lines.append("g%d = [%s]" % (g, ", ".join('"%s"' % p for p in patterns)))
    lines.append("")
    for b in range(20):
        lines += ["[[barrier]]", 'id = "barrier-%d"' % b, 'groups = ["g%d", "g%d"]' % (2 * b, 2 * b + 1), ""]
    for r in range(1000):
        lines += ["[[rule]]", 'id = "rule-%d"' % r, 'severity = "%s"' % ["confirm", "info", "block"][r % 3],
                  'message = "規則 %d の確認"' % r]
        if r < 700:
            kind = r % 4
            if kind == 0:
                lines.append('recipients_any = ["group:g%d", "*.nowhere%d.example"]' % (r % 40, r))
            elif kind == 1:
                lines.append('recipients_none = ["compliance%d@example.co.jp"]' % r)
                lines.append("min_recipients = %d" % (10 + r))
            elif kind == 2:
                lines.append('recipients_any = ["customer%d.example"]' % (r % 300))
                lines.append("only_external = true")
            else:
                lines.append('recipients_all = ["*.example.co.jp"]')
        elif r < 900:
            lines.append('body_keywords = ["社外秘%d", "confidential%d"]' % (r, r))
            if r == 899:
                lines[-1] = 'body_keywords = ["営業についてお知らせ"]'
        elif r < 950:
            if regex:
                lines.append('body_regex = "[a-z]{2}-%04d-[0-9]{6}"' % r)
            else:
                lines.append('body_keywords = ["ab-%04d-"]' % r)
        else:
            lines.append('attachment_names = ["*.x%d", "顧客%d*.xlsx"]' % (r, r))
        lines.append("")
    return "\n".join(lines) + "\n"


def big_body(size):
    line = "いつもお世話になっております。年末年始の営業についてお知らせいたします。The quick brown fox.\n"
    count = size // len(line.encode("utf-8")) + 1
    return "各位\n\n" + line * count


def runs(binary, env, recipient_args, body, count):
    times = []
    for _ in range(count):
        t0 = time.monotonic()
        pid, fd = spawn([binary, "compose", "--no-drafts", *recipient_args, "--subject", "お知らせ", "--body-file", body], env)
        try:
            read_frame(fd, b"Leave, keep draft", t0 + 60)
            os.write(fd, b"\x1b")
            read_frame(fd, b"Postpone", time.monotonic() + 10)
            drain(fd)
            t = time.monotonic()
            os.write(fd, b"y")
            times.append(read_frame(fd, b"check before sending", t + 60) - t)
        finally:
            stop(pid, fd)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    root = os.path.dirname(HERE)
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(root, ".build/release/guardmail"))
    if not os.path.exists(binary):
        sys.exit(f"policy_bench: no binary at {binary}: run swift build -c release")
    started = datetime.datetime.now()
    work = tempfile.mkdtemp(prefix="guardmail-policy-bench-")
    try:
        os.makedirs(f"{work}/config/guardmail")
        os.makedirs(f"{work}/data")
        os.makedirs(f"{work}/org")
        with open(f"{work}/config/guardmail/config.toml", "w") as f:
            f.write('default_account = "bench"\n\n[accounts.bench]\nfrom = "山田 太郎 <taro@example.co.jp>"\n'
                    'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\n')
        with open(f"{work}/org/policy.toml", "w", encoding="utf-8") as f:
            f.write(organisation_policy())
        with open(f"{work}/org/keywords.toml", "w", encoding="utf-8") as f:
            f.write(organisation_policy(regex=False))
        body = f"{work}/body.txt"
        with open(body, "w", encoding="utf-8") as f:
            f.write(big_body(1 << 20))
        recipient_args = confirmation_fixture(work)
        base = {"PATH": "/usr/bin:/bin", "HOME": work, "LANG": "C.UTF-8", "TERM": "xterm-256color",
                "XDG_CONFIG_HOME": f"{work}/config", "XDG_DATA_HOME": f"{work}/data"}
        rows = [
            ("y to first confirmation frame: 1,000 rules, 20 barriers, 5,000 recipients, 1 MiB body",
             runs(binary, dict(base, GUARDMAIL_POLICY=f"{work}/org/policy.toml"), recipient_args, body, args.runs)),
            ("the same with the 50 regex rules as keyword rules (the standard library's regex engine is the cost)",
             runs(binary, dict(base, GUARDMAIL_POLICY=f"{work}/org/keywords.toml"), recipient_args, body, args.runs)),
            ("the same without the organisation policy (built-in rules only)",
             runs(binary, dict(base, GUARDMAIL_POLICY=f"{work}/org/none.toml"), recipient_args, body, args.runs)),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out_lines = [f"# Policy benchmark {started:%Y-%m-%d %H:%M}", "", f"binary: {binary}", "",
                 "| what | median ms | p90 ms | target |", "|---|---|---|---|"]
    for name, times in rows:
        ms = sorted(t * 1000 for t in times)
        median = statistics.median(ms)
        p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
        out_lines.append(f"| {name} | {median:.1f} | {p90:.1f} | {'met' if median < TARGET_MS and p90 < TARGET_MS else 'MISSED'} (< {TARGET_MS:.0f}) |")
    text = "\n".join(out_lines) + "\n"
    print(text)
    out = args.out or os.path.join(HERE, "results", f"policy-{started:%Y-%m-%d-%H%M%S}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
