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
        [--baseline OTHER_BINARY] [--out FILE]

--baseline measures a second binary (e.g. a copy of the one before a change) in the same run,
run by run interleaved with the first, so that the machine's load hits both alike; its rows
follow the first binary's, marked "baseline".
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

# The pseudo-terminal helpers and the 5,000-recipient fixture are tui_bench.py's.
sys.path.insert(0, HERE)
from tui_bench import COLS, ROWS, TARGET_MS, confirmation_fixture, confirmation_runs  # noqa: E402


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", default=None)
    parser.add_argument("--baseline", default=None, help="a second binary, measured interleaved with the first")
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
        setups = [
            ("y to first confirmation frame: 1,000 rules, 20 barriers, 5,000 recipients, 1 MiB body",
             dict(base, GUARDMAIL_POLICY=f"{work}/org/policy.toml")),
            ("the same with the 50 regex rules as keyword rules (the standard library's regex engine is the cost)",
             dict(base, GUARDMAIL_POLICY=f"{work}/org/keywords.toml")),
            ("the same without the organisation policy (built-in rules only)",
             dict(base, GUARDMAIL_POLICY=f"{work}/org/none.toml")),
        ]
        binaries = [binary] + ([args.baseline] if args.baseline else [])
        times = {(b, name): [] for b in binaries for name, _ in setups}
        # One run of each binary after the other, so that both see the same load.
        for _ in range(args.runs):
            for name, env in setups:
                for b in binaries:
                    times[(b, name)] += confirmation_runs(b, env, recipient_args, body, 1)
        rows = [(name, times[(binary, name)]) for name, _ in setups]
        if args.baseline:
            rows += [(f"baseline: {name}", times[(args.baseline, name)]) for name, _ in setups]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out_lines = [f"# Policy benchmark {started:%Y-%m-%d %H:%M}", "", f"binary: {binary}", ""]
    if args.baseline:
        out_lines += [f"baseline: {args.baseline} (interleaved run by run)", ""]
    out_lines += ["| what | median ms | p90 ms | target |", "|---|---|---|---|"]
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
