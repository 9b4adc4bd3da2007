#!/usr/bin/python3
"""Bulk benchmark: `guardmail bulk` against the usual ways of sending many messages.

Two scenarios, each against bench/sink.py on 127.0.0.1 (plaintext, no AUTH):

  individual  1,000 personalised messages (one recipient each, the name in subject and body):
              guardmail bulk new --mode individual
              smtplib-reuse: Python's email + smtplib, one connection for all messages
              msmtp: one msmtp process per message (messages prebuilt, not timed)
  bcc         one announcement to 3,000 recipients:
              guardmail bulk new --mode bcc (batches of 100 over one connection)
              curl: one curl process, one transaction with 3,000 --mail-rcpt (message prebuilt)
              msmtp: one msmtp process, all 3,000 recipients on the command line
  bcc-1ms     the same to a sink that waits 1 ms before each reply (sink.py
              --reply-delay-ms 1): a server that is not on the same machine, where the
              cost is round trips, not start-up.  guardmail and curl only: msmtp pipelines
              its RCPTs, which a per-reply delay cannot model (on a real link it would win).

Every run is checked against the sink's log (individual: exactly one message to each
recipient; bcc: each recipient exactly once over all transactions); a run that did not
deliver is an error, never a number.  Before timing, guardmail's individual messages are
checked once against a dumping sink (To and the name in the body are the recipient's own).

With --baseline BINARY a second guardmail (an earlier build) runs in the same rounds, interleaved
with the others, so that a before/after comparison is one run's ratios (row "baseline").

Targets: guardmail at least as fast as smtplib-reuse for the 1,000 messages, and within
1.2x of curl for the 3,000-recipient announcement.

Run with /usr/bin/python3 (standard library only).  See bench/README.md.
"""

import argparse
import datetime
import email
import email.policy
import email.utils
import os
import shutil
import statistics
import sys
import tempfile
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import send_bench  # noqa: E402  (Sink, timed_run, versions, machine line, apt installs)
from send_bench import Sink, log, timed_run  # noqa: E402

# guardmail refuses a config that others can write (or in a folder others can write): the
# benchmark's files must not depend on the umask of whoever runs it.
os.umask(0o022)

FROM = "bench@example.jp"
SUBJECT = "ご案内 {{name}} 様"
BODY = "{{name}} 様\n\n新しい事務所のご案内です。\n\n-- \nbench\n"
BCC_SUBJECT = "事務所移転のお知らせ"
BCC_BODY = "皆様\n\n新しい事務所のご案内です。\n\n-- \nbench\n"

SCENARIOS = {
    "individual": ["guardmail", "smtplib-reuse", "msmtp"],
    "bcc": ["guardmail", "curl", "msmtp"],
    "bcc-1ms": ["guardmail", "curl"],
}
TARGETS = {"individual": ("smtplib-reuse", 1.0, "at least as fast as"),
           "bcc": ("curl", 1.2, "within 1.2x of"),
           "bcc-1ms": ("curl", 1.2, "within 1.2x of")}
REPLY_DELAY_MS = {"bcc-1ms": 1}


class DelaySink(Sink):
    """bench/sink.py with --reply-delay-ms."""

    def __init__(self, workdir, name, delay_ms):
        super().__init__(workdir, name)
        self.delay_ms = delay_ms

    def start(self, timeout=10.0):
        import select
        import subprocess
        open(self.log_path, "w").close()
        argv = [sys.executable, os.path.join(HERE, "sink.py"), "--host", "127.0.0.1", "--port", "0",
                "--log", self.log_path, "--reply-delay-ms", str(self.delay_ms)]
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._err)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"sink did not start: {line!r}")
        self.port = int(line.split()[1])

SMTPLIB_SCRIPT = r'''
import csv, smtplib, sys
from email.message import EmailMessage
host, port, path, sender, subject, body = sys.argv[1:7]
with open(path, encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
with smtplib.SMTP(host, int(port)) as s:
    for row in rows:
        m = EmailMessage()
        m["From"] = sender
        m["To"] = "%s <%s>" % (row["name"], row["email"])
        m["Subject"] = subject.replace("{{name}}", row["name"])
        m.set_content(body.replace("{{name}}", row["name"]))
        s.send_message(m)
'''


def recipients(n, prefix):
    return [(f"{prefix}{i:05d}@example.org", f"利用者{i:05d}") for i in range(1, n + 1)]


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("email,name\n")
        for a, n in rows:
            f.write(f"{a},{n}\n")


def prebuilt(to, subject, body, path, crlf=False):
    m = EmailMessage()
    m["From"] = FROM
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=False)
    m["Message-ID"] = email.utils.make_msgid(domain="example.jp")
    m.set_content(body)
    data = m.as_bytes(policy=email.policy.SMTP.clone(linesep="\r\n" if crlf else "\n"))
    with open(path, "wb") as f:
        f.write(data)


def guardmail_config(ctx, port):
    cfg = os.path.join(ctx["xdg_config"], "guardmail")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "config.toml"), "w") as f:
        f.write('default_account = "bench"\n\n[accounts.bench]\n'
                f'from = "{FROM}"\nsmtp_url = "smtp://127.0.0.1:{port}"\ninsecure = true\n\n'
                '[policy]\nhold_internal_seconds = 0\nhold_external_seconds = 0\n')


def command(scenario, tool, ctx, port, run_no):
    """argv, stdin file, env overrides."""
    env = {}
    if scenario == "bcc-1ms":
        scenario = "bcc"
        run_no = f"1ms-{run_no}"
    if tool in ("guardmail", "baseline"):
        # A fresh data folder per run: every run starts with an empty journal, as a first send would.
        data = os.path.join(ctx["work"], f"data-{tool}-{scenario}-{run_no}")
        env["XDG_DATA_HOME"] = data
        if scenario == "individual":
            argv = [ctx[tool], "bulk", "new", "--recipients", ctx["ind_csv"], "--subject", SUBJECT,
                    "--body-file", ctx["ind_body"], "--mode", "individual", "--accept", "new-domain"]
        else:
            argv = [ctx[tool], "bulk", "new", "--recipients", ctx["bcc_csv"], "--subject", BCC_SUBJECT,
                    "--body-file", ctx["bcc_body"], "--mode", "bcc", "--accept", "new-domain"]
        return argv, None, env
    if tool == "smtplib-reuse":
        return [sys.executable, "-c", SMTPLIB_SCRIPT, "127.0.0.1", str(port), ctx["ind_csv"], FROM, SUBJECT,
                BODY], None, env
    if tool == "msmtp" and scenario == "individual":
        script = ('for f in "$1"/*.eml; do '
                  f'msmtp --file=/dev/null --host=127.0.0.1 --port={port} --tls=off --auth=off '
                  f'--from={FROM} --domain=localhost -t < "$f" || exit 1; done')
        return ["/bin/sh", "-c", script, "sh", ctx["ind_msgs"]], None, env
    if tool == "msmtp":
        return ([shutil.which("msmtp"), "--file=/dev/null", "--host=127.0.0.1", f"--port={port}", "--tls=off",
                 "--auth=off", f"--from={FROM}", "--domain=localhost"] + [a for a, _ in ctx["bcc_rows"]],
                ctx["bcc_msg_lf"], env)
    if tool == "curl":
        argv = [shutil.which("curl"), "-sS", "--url", f"smtp://127.0.0.1:{port}", "--mail-from", FROM]
        for a, _ in ctx["bcc_rows"]:
            argv += ["--mail-rcpt", a]
        return argv + ["-T", ctx["bcc_msg_crlf"]], None, env
    raise KeyError(tool)


def check(scenario, ctx, msgs):
    """None when the sink got exactly what it should, else the reason."""
    if scenario == "individual":
        want = {a for a, _ in ctx["ind_rows"]}
        if len(msgs) != len(want):
            return f"sink logged {len(msgs)} messages, expected {len(want)}"
        got = [r for m in msgs for r in m["rcpt_to"]]
        if any(m["rcpts"] != 1 for m in msgs) or set(got) != want or len(got) != len(want):
            return "not exactly one message to each recipient"
        return None
    want = {a for a, _ in ctx["bcc_rows"]}
    got = [r for m in msgs for r in m["rcpt_to"]]
    if len(got) != len(want) or set(got) != want:
        return f"{len(got)} envelope recipients ({len(set(got))} distinct), expected each of {len(want)} once"
    return None


def verify_guardmail(ctx, args):
    """guardmail's individual messages, parsed: To and the name are the recipient's own."""
    sink = Sink(ctx["work"], "verify-sink", dump=True)
    sink.start()
    try:
        guardmail_config(ctx, sink.port)
        env = dict(ctx["env"], XDG_DATA_HOME=os.path.join(ctx["work"], "data-verify"))
        argv, stdin, _ = command("individual", "guardmail", ctx, sink.port, "verify")
        r = timed_run(argv, env, ctx["work"], stdin, os.path.join(ctx["work"], "out", "verify.log"), args.timeout)
        msgs = sink.new_messages(expect=len(ctx["ind_rows"]) if r.code == 0 else 0, timeout=30)
        if r.code != 0:
            return f"exit {r.code}: {r.output_tail()}"
        err = check("individual", ctx, msgs)
        if err:
            return err
        names = dict(ctx["ind_rows"])
        for m in msgs[:50]:
            with open(m["dump"], "rb") as f:
                raw = f.read().replace(b"\r\n..", b"\r\n.")
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            rcpt = m["rcpt_to"][0]
            to = [a.addr_spec for a in msg["To"].addresses]
            if to != [rcpt]:
                return f"message to {rcpt} shows To {to}"
            if names[rcpt] not in msg.get_body(("plain",)).get_content() or msg["Subject"] != SUBJECT.replace("{{name}}", names[rcpt]):
                return f"message to {rcpt} does not carry its own name"
        return None
    finally:
        sink.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description="guardmail bulk benchmark")
    ap.add_argument("--messages", type=int, default=1000, help="individual scenario size (default 1000)")
    ap.add_argument("--recipients", type=int, default=3000, help="bcc scenario size (default 3000)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs per tool first (default 1)")
    ap.add_argument("--only", nargs="+", default=None, metavar="SCENARIO", help="individual, bcc, bcc-1ms")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--no-install", action="store_true", help="never apt-get install missing peers")
    ap.add_argument("--out", default=None, help="results file (default bench/results/bulk-<date>.md)")
    ap.add_argument("--baseline", default=None, metavar="BINARY",
                    help="a second guardmail measured in the same runs (row 'baseline'), for before/after ratios")
    a = ap.parse_args(argv)
    if a.baseline:
        for tools in SCENARIOS.values():
            tools.insert(1, "baseline")
    scenarios = [s for s in SCENARIOS if not a.only or s in a.only]
    started = datetime.datetime.now()

    notes = send_bench.ensure_tools(["curl", "msmtp"], not a.no_install)
    gm = send_bench.guardmail_bin()
    if not (os.path.isfile(gm) and os.access(gm, os.X_OK)):
        notes["guardmail"] = f"missing: {gm} (build with `swift build -c release` or set GUARDMAIL_BIN)"
    versions = {"guardmail": send_bench.tool_version("guardmail", gm) if "guardmail" not in notes else "?"}
    if a.baseline:
        if os.path.isfile(a.baseline) and os.access(a.baseline, os.X_OK):
            versions["baseline"] = send_bench.tool_version("guardmail", a.baseline) + f" ({a.baseline})"
        else:
            notes["baseline"] = f"missing: {a.baseline}"
    for t in ("curl", "msmtp"):
        if t not in notes and shutil.which(t):
            versions[t] = send_bench.tool_version(t, shutil.which(t))
    versions["smtplib-reuse"] = f"python {sys.version.split()[0]}"

    work = tempfile.mkdtemp(prefix="guardmail-bulk-bench-")
    os.makedirs(os.path.join(work, "out"))
    ctx = {"work": work, "guardmail": gm, "baseline": a.baseline, "xdg_config": os.path.join(work, "xdg-config")}
    ctx["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "LANG": "C.UTF-8",
                  "XDG_CONFIG_HOME": ctx["xdg_config"], "XDG_DATA_HOME": os.path.join(work, "data"),
                  "TMPDIR": work}
    results, errors = {}, {}
    sink = None
    try:
        # Inputs (not timed).
        ctx["ind_rows"] = recipients(a.messages, "person")
        ctx["ind_csv"] = os.path.join(work, "individual.csv")
        write_csv(ctx["ind_csv"], ctx["ind_rows"])
        ctx["ind_body"] = os.path.join(work, "individual.txt")
        with open(ctx["ind_body"], "w", encoding="utf-8") as f:
            f.write(BODY)
        ctx["ind_msgs"] = os.path.join(work, "individual-msgs")
        os.makedirs(ctx["ind_msgs"])
        if "individual" in scenarios and "msmtp" not in notes:
            log(f"prebuilding {a.messages} messages for msmtp (not timed)")
            for i, (addr, name) in enumerate(ctx["ind_rows"]):
                prebuilt(f"{name} <{addr}>", SUBJECT.replace("{{name}}", name), BODY.replace("{{name}}", name),
                         os.path.join(ctx["ind_msgs"], f"{i:05d}.eml"))
        ctx["bcc_rows"] = recipients(a.recipients, "member")
        ctx["bcc_csv"] = os.path.join(work, "bcc.csv")
        write_csv(ctx["bcc_csv"], ctx["bcc_rows"])
        ctx["bcc_body"] = os.path.join(work, "bcc.txt")
        with open(ctx["bcc_body"], "w", encoding="utf-8") as f:
            f.write(BCC_BODY)
        ctx["bcc_msg_lf"] = os.path.join(work, "bcc.eml")
        ctx["bcc_msg_crlf"] = os.path.join(work, "bcc.crlf")
        prebuilt(FROM, BCC_SUBJECT, BCC_BODY, ctx["bcc_msg_lf"])
        prebuilt(FROM, BCC_SUBJECT, BCC_BODY, ctx["bcc_msg_crlf"], crlf=True)

        if "individual" in scenarios and "guardmail" not in notes:
            err = verify_guardmail(ctx, a)
            if err:
                log(f"VERIFY FAILED guardmail: {err}")
                errors[("individual", "guardmail")] = f"verify: {err}"
            else:
                log("verified guardmail: each individual message is its recipient's own")

        for scenario in scenarios:
            if sink:
                sink.stop()
            delay = REPLY_DELAY_MS.get(scenario, 0)
            sink = DelaySink(work, f"sink-{scenario}", delay) if delay else Sink(work, f"sink-{scenario}")
            sink.start()
            guardmail_config(ctx, sink.port)
            tools = [t for t in SCENARIOS[scenario] if t not in notes and (scenario, t) not in errors]
            expect = a.messages if scenario == "individual" else None
            for rnd in range(a.warmup + a.runs):
                timed = rnd >= a.warmup
                for t in list(tools):
                    argv, stdin, extra = command(scenario, t, ctx, sink.port, rnd)
                    env = dict(ctx["env"], **extra)
                    r = timed_run(argv, env, work, stdin, os.path.join(work, "out", f"{scenario}-{t}.log"), a.timeout)
                    if expect is None:
                        # bcc: as many transactions as the tool makes; wait until every recipient is in.
                        msgs = collect_bcc(sink, a.recipients, r.code == 0)
                    else:
                        msgs = sink.new_messages(expect=expect if r.code == 0 else 0, timeout=30)
                    err = f"exit {r.code}: {r.output_tail()}" if r.code != 0 else check(scenario, ctx, msgs)
                    if err:
                        log(f"ERROR {scenario} {t} run {rnd}: {err}")
                        errors[(scenario, t)] = err
                        tools.remove(t)
                        results.pop((scenario, t), None)
                        continue
                    if timed:
                        results.setdefault((scenario, t), []).append(r.wall)
                    log(f"{scenario:<10} {t:<14} {'run' if timed else 'warmup'} {rnd + 1}: {r.wall:.3f} s")
    finally:
        if sink:
            sink.stop()
        shutil.rmtree(work, ignore_errors=True)

    text = report(a, scenarios, results, errors, notes, versions, started)
    print(text, end="")
    out = a.out or os.path.join(HERE, "results", f"bulk-{started:%Y-%m-%d-%H%M%S}.md")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    log(f"written to {out}")
    return 1 if errors else 0


def collect_bcc(sink, total, ok):
    """Sink records until `total` envelope recipients are in (bounded wait)."""
    msgs = []
    if not ok:
        return sink.new_messages(expect=0, timeout=0.5)
    for _ in range(200):  # bounded: about 30 s
        msgs += sink.new_messages(expect=1, timeout=0.15)
        if sum(m["rcpts"] for m in msgs) >= total:
            break
    return msgs


def report(a, scenarios, results, errors, notes, versions, started):
    lines = [f"# guardmail bulk benchmark — {started:%Y-%m-%d %H:%M}", "",
             f"Machine: {send_bench.machine_line()}", "",
             "Tools: " + "; ".join(f"{t}: {v}" for t, v in versions.items()), "",
             f"Method: median/min wall time of {a.runs} runs after {a.warmup} warm-up, whole process from spawn to "
             "exit, into bench/sink.py on plaintext loopback. individual: "
             f"{a.messages} personalised messages; bcc: one message to {a.recipients} recipients; bcc-1ms: the same "
             "to a sink that waits 1 ms before each reply. Every run checked "
             "against the sink's log (each recipient exactly once). guardmail: fresh journal per run, "
             "hold 0, includes reading the CSV, the policy, freezing the job (fsync) and the journal. "
             "time / guardmail > 1 means guardmail is faster.", "",
             "| scenario | tool | median s | min s | per second | time / guardmail |",
             "|---|---|---:|---:|---:|---:|"]
    verdicts = []
    for scenario in scenarios:
        units = a.messages if scenario == "individual" else a.recipients
        unit = "msg/s" if scenario == "individual" else "rcpt/s"
        g = results.get((scenario, "guardmail"))
        gmed = statistics.median(g) if g else None
        for t in SCENARIOS[scenario]:
            if t in notes:
                lines.append(f"| {scenario} | {t} | — | — | — | missing |")
                continue
            if (scenario, t) in errors:
                lines.append(f"| {scenario} | {t} | ERROR | — | — | {errors[(scenario, t)].splitlines()[0][:100]} |")
                continue
            walls = results.get((scenario, t))
            if not walls:
                continue
            med = statistics.median(walls)
            ratio = f"{med / gmed:.2f}" if gmed else "n/a"
            lines.append(f"| {scenario} | {t} | {med:.3f} | {min(walls):.3f} | {units / med:.0f} {unit} | {ratio} |")
        peer, limit, words = TARGETS[scenario]
        p = results.get((scenario, peer))
        if gmed and p:
            factor = gmed / statistics.median(p)
            ok = factor <= limit
            verdicts.append(f"- {scenario}: guardmail takes {factor:.2f}× the time of {peer} "
                            f"(target: {words} {peer}, ≤ {limit:.1f}×): {'MET' if ok else 'NOT MET'}")
        b = results.get((scenario, "baseline"))
        if b and p:
            verdicts.append(f"- {scenario}: the baseline takes {statistics.median(b) / statistics.median(p):.2f}× "
                            f"the time of {peer} in the same runs")
    lines += [""] + (["Targets:"] + verdicts if verdicts else [])
    if errors:
        lines += ["", "Errors:"] + [f"- {s} {t}: {e}" for (s, t), e in sorted(errors.items())]
    if notes:
        lines += ["", "Skipped:"] + [f"- {t}: {n}" for t, n in notes.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
