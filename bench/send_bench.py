#!/usr/bin/python3
"""Send benchmark: guardmail vs. s-nail, mutt, curl (-F MIME) and msmtp.

Each tool submits one message (short text body, subject "bench", one
attachment payload.bin of random bytes, one recipient) to a local SMTP sink
(bench/sink.py) over plaintext loopback.  Per tool and attachment size the
harness reports the median and minimum wall time, the peak RSS of the sending
process (GNU time's %M, i.e. the tool's ru_maxrss from wait4 in a small
parent, so the harness's own memory does not leak into it; it includes
children the tool itself waited for), and the time relative to guardmail.  Two reference rows show the floor:
"ref: base64" (coreutils base64 of the payload to /dev/null) and
"ref: raw SMTP" (bench/rawsend.py pushing a prebuilt message with sendfile).

Every run is checked against the sink's log: exactly one message, one
recipient, at least size*4/3 bytes.  A run that did not deliver is reported as
an error, never as a number.  Before timing, each tool sends the smallest
payload once to a second, dumping sink, and the result is parsed with the
email package: the attachment must decode to the exact payload bytes.

Run with /usr/bin/python3 (standard library only).  See bench/README.md.
"""

import argparse
import datetime
import email
import email.policy
import email.utils
import hashlib
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage

# guardmail refuses a config that others can write (or in a folder others can write): the
# benchmark's files must not depend on the umask of whoever runs it.
os.umask(0o022)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MIB = 1 << 20

FROM = "bench@example.org"
RCPT = "rcpt@example.org"
SUBJECT = "bench"
BODY = ("Hello,\n\nthis is the guardmail send benchmark.  The attachment is\n"
        "random bytes.\n\n-- \nbench\n")

PEERS = ["guardmail", "s-nail", "mutt", "curl", "msmtp"]
REFS = ["raw", "curl-T", "base64"]
LABEL = {"raw": "ref: raw SMTP", "curl-T": "ref: curl -T", "base64": "ref: base64"}
APT_PKG = {"s-nail": "s-nail", "mutt": "mutt", "curl": "curl", "curl-T": "curl",
           "msmtp": "msmtp"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Running a process and measuring it

class RunResult:
    def __init__(self, wall, maxrss_kib, code, output_path):
        self.wall = wall
        self.maxrss_kib = maxrss_kib
        self.code = code
        self.output_path = output_path

    def output_tail(self, n=600):
        try:
            with open(self.output_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""


TIME_BIN = "/usr/bin/time"


def timed_run(argv, env, cwd, stdin_path, output_path, timeout, stdout_null=False):
    """Run argv, wall-time it, collect its peak RSS; kill on timeout.

    ru_maxrss of a direct child of this (large) Python process would start at
    the harness's own RSS: Linux carries the parent's high-water mark across
    fork+exec.  So the tool runs under GNU time, whose own RSS is ~1 MiB, and
    its %M (the tool's ru_maxrss, KiB) is the number reported.  Wall time is
    measured here around the whole thing (time's fork+exec adds ~1 ms to
    every tool alike).
    """
    rss_path = output_path + ".rss"
    if os.path.exists(TIME_BIN):
        argv = [TIME_BIN, "-f", "%M", "-o", rss_path, "--"] + list(argv)
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    out = open(output_path, "wb")
    try:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin,
                             stdout=subprocess.DEVNULL if stdout_null else out,
                             stderr=out, start_new_session=True)
        killed = []

        def kill():
            killed.append(True)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except BaseException:  # e.g. Ctrl-C: take the tool down with us
            kill()
            os.waitpid(p.pid, 0)
            p.returncode = -9
            raise
        finally:
            timer.cancel()
        t1 = time.perf_counter()
        p.returncode = os.waitstatus_to_exitcode(status)  # already reaped
        # Leftover children of the tool (should be none) must not linger.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        code = "timeout" if killed else p.returncode
        rss = None
        try:
            with open(rss_path) as f:
                rss = int(f.read().split()[-1])
            os.unlink(rss_path)
        except (OSError, ValueError, IndexError):
            pass
        return RunResult(t1 - t0, rss, code, output_path)
    finally:
        out.close()
        if stdin_path:
            stdin.close()


def capture(argv, timeout=10, env=None):
    """Output of a short command (versions); its whole group is killed on timeout."""
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env, start_new_session=True)
    except OSError as e:
        return f"? ({e.__class__.__name__})"
    try:
        out, _ = p.communicate(timeout=timeout)
        return out.decode("utf-8", "replace")
    except BaseException as e:  # timeout, or Ctrl-C/SIGTERM while waiting
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.communicate(timeout=5)
        if isinstance(e, subprocess.TimeoutExpired):
            return "? (timeout)"
        raise


# --------------------------------------------------------------------------
# The sink

class Sink:
    def __init__(self, workdir, name, dump=False):
        self.log_path = os.path.join(workdir, f"{name}.jsonl")
        self.err_path = os.path.join(workdir, f"{name}.err")
        self.dump_dir = os.path.join(workdir, f"{name}-dump") if dump else None
        self.proc = None
        self.port = None
        self.seen = 0

    def start(self, timeout=10.0):
        open(self.log_path, "w").close()
        argv = [sys.executable, os.path.join(HERE, "sink.py"),
                "--host", "127.0.0.1", "--port", "0", "--log", self.log_path]
        if self.dump_dir:
            os.makedirs(self.dump_dir, exist_ok=True)
            argv += ["--dump-dir", self.dump_dir]
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._err)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"sink did not start: {line!r}")
        self.port = int(line.split()[1])

    def new_messages(self, expect=1, timeout=5.0):
        """Messages logged since the last call; waits (bounded) for `expect`."""
        deadline = time.monotonic() + timeout
        while True:  # bounded by deadline
            with open(self.log_path) as f:
                recs = [json.loads(x) for x in f if x.strip()]
            new = recs[self.seen:]
            if len(new) >= expect or time.monotonic() >= deadline:
                self.seen = len(recs)
                return new
            time.sleep(0.01)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_err", None):
            self._err.close()


# --------------------------------------------------------------------------
# Inputs

def make_payload(path, size):
    with open(path, "wb") as f:
        left = size
        while left > 0:  # bounded: left shrinks each pass
            n = min(left, 4 * MIB)
            f.write(os.urandom(n))
            left -= n


def make_message(payload_path, out_lf, out_crlf):
    """Prebuilt MIME message: LF version for msmtp, CRLF version for raw/curl -T.

    The message has no line starting with "." (headers, a fixed text body and
    base64), so the CRLF file is at once the plain message (what curl -T
    wants: curl dot-stuffs itself) and the dot-stuffed DATA (what rawsend.py
    sends as is).  That is checked, not assumed.
    """
    m = EmailMessage()
    m["From"] = FROM
    m["To"] = RCPT
    m["Subject"] = SUBJECT
    m["Date"] = email.utils.formatdate(localtime=False)
    m["Message-ID"] = email.utils.make_msgid(domain="example.org")
    m.set_content(BODY)
    with open(payload_path, "rb") as f:
        m.add_attachment(f.read(), maintype="application", subtype="octet-stream",
                         filename="payload.bin")
    data = m.as_bytes(policy=email.policy.SMTP.clone(linesep="\n"))
    del m
    with open(out_lf, "wb") as f:
        f.write(data)
    crlf = data.replace(b"\n", b"\r\n")
    del data
    if crlf.startswith(b".") or b"\r\n." in crlf:
        raise RuntimeError("prebuilt message has a line starting with '.'")
    if not crlf.endswith(b"\r\n"):
        crlf += b"\r\n"
    with open(out_crlf, "wb") as f:
        f.write(crlf)


# --------------------------------------------------------------------------
# Tools

def guardmail_bin():
    return os.environ.get("GUARDMAIL_BIN") or os.path.join(REPO, ".build", "release",
                                                           "guardmail")


def tool_binary(name):
    if name == "guardmail":
        b = guardmail_bin()
        return b if os.path.isfile(b) and os.access(b, os.X_OK) else None
    if name == "raw":
        return sys.executable
    return shutil.which({"curl-T": "curl"}.get(name, name))


def tool_version(name, binary):
    if name == "guardmail":
        v = capture([binary, "--version"], timeout=5).strip().splitlines()
        h = hashlib.sha256()
        with open(binary, "rb") as f:
            for blk in iter(lambda: f.read(MIB), b""):
                h.update(blk)
        first = v[0] if v else "?"
        return f"{first} (sha256 {h.hexdigest()[:12]})"
    cmd = {"s-nail": [binary, "-V"], "mutt": [binary, "-v"],
           "curl": [binary, "--version"], "msmtp": [binary, "--version"],
           "base64": [binary, "--version"], "raw": [binary, "--version"],
           "curl-T": [binary, "--version"]}[name]
    out = capture(cmd, timeout=5).strip().splitlines()
    first = out[0].strip() if out else "?"
    if name in ("curl", "curl-T"):  # drop the long list of linked libraries
        words = first.split()
        first = " ".join(w for w in words[:2] + [x for x in words if x.startswith("libcurl/")])
    return first


def write_configs(ctx, port):
    """Per-sink-port config files for guardmail and mutt."""
    cfg = os.path.join(ctx["xdg_config"], "guardmail")
    os.makedirs(cfg, exist_ok=True)
    with open(os.path.join(cfg, "config.toml"), "w") as f:
        f.write('default_account = "bench"\n\n'
                '[accounts.bench]\n'
                f'from = "{FROM}"\n'
                f'smtp_url = "smtp://127.0.0.1:{port}"\n'
                'insecure = true\n'
                # The default per-account limit is 25 MiB; the peers have none.
                'max_attachment_mib = 1024\n'
                # The countdown hold is deliberate waiting, not work: measured without it.
                '\n[policy]\nhold_internal_seconds = 0\nhold_external_seconds = 0\n')
    with open(ctx["muttrc"], "w") as f:
        f.write(f'set smtp_url="smtp://127.0.0.1:{port}/"\n'
                f'set from="{FROM}"\n'
                'set use_from=yes\n'
                'set envelope_from=yes\n'
                'set hostname="localhost"\n'
                'set ssl_starttls=no\n'
                'set ssl_force_tls=no\n'
                'set record=""\n'
                'set copy=no\n'
                'set charset="utf-8"\n'
                'set send_charset="us-ascii:utf-8"\n')


def command(name, ctx, size, port):
    """argv, stdin file, and whether stdout goes to /dev/null."""
    d = ctx["sizes"][size]
    payload, body = d["payload"], ctx["body"]
    if name == "guardmail":
        extra = os.environ.get("GUARDMAIL_EXTRA_ARGS", "").split()
        return ([ctx["bin"]["guardmail"], "send", "--to", RCPT, "--subject", SUBJECT,
                 "--body-file", body, "--attach", payload] + extra, None, False)
    if name == "s-nail":
        # -:/ : no rc files.  sendwait: wait for the SMTP child (built-in
        # default, made explicit) so wall time and exit code cover delivery.
        return ([ctx["bin"]["s-nail"], "-:/", "-Sv15-compat", "-Ssendwait",
                 f"-Smta=smtp://127.0.0.1:{port}", "-Ssmtp-auth=none",
                 f"-Sfrom={FROM}", "-Shostname=localhost", "-Sttycharset=utf-8",
                 "-s", SUBJECT, "-a", payload, RCPT], body, False)
    if name == "mutt":
        return ([ctx["bin"]["mutt"], "-n", "-F", ctx["muttrc"], "-s", SUBJECT,
                 "-a", payload, "--", RCPT], body, False)
    if name == "curl":
        return ([ctx["bin"]["curl"], "-sS", "--url", f"smtp://127.0.0.1:{port}",
                 "--mail-from", FROM, "--mail-rcpt", RCPT,
                 "-H", f"Subject: {SUBJECT}", "-H", f"From: {FROM}",
                 "-H", f"To: {RCPT}",
                 "-F", f"=<{body};type=text/plain; charset=utf-8",
                 "-F", f"=@{payload};type=application/octet-stream;encoder=base64"],
                None, False)
    if name == "msmtp":
        return ([ctx["bin"]["msmtp"], "--file=/dev/null", "--host=127.0.0.1",
                 f"--port={port}", "--tls=off", "--auth=off", f"--from={FROM}",
                 "--domain=localhost", RCPT], d["msg_lf"], False)
    if name == "raw":
        return ([ctx["bin"]["raw"], os.path.join(HERE, "rawsend.py"), "127.0.0.1",
                 str(port), FROM, RCPT, d["msg_crlf"]], None, False)
    if name == "curl-T":
        # libcurl's SMTP transport alone: the prebuilt message, no MIME work.
        return ([ctx["bin"]["curl-T"], "-sS", "--url", f"smtp://127.0.0.1:{port}",
                 "--mail-from", FROM, "--mail-rcpt", RCPT, "-T", d["msg_crlf"]],
                None, False)
    if name == "base64":
        return ([ctx["bin"]["base64"], payload], None, True)
    raise KeyError(name)


def check_delivery(name, size, msgs):
    """None if the sink got exactly the expected message, else an error text."""
    if name == "base64":
        return None
    if len(msgs) != 1:
        return f"sink logged {len(msgs)} messages, expected 1"
    m = msgs[0]
    need = size * 4 // 3
    if m["bytes"] < need:
        return f"sink got {m['bytes']} bytes < {need} (size*4/3)"
    if m["rcpts"] != 1 or m.get("rcpt_to") != [RCPT]:
        return f"recipients {m.get('rcpt_to')}"
    if m.get("mail_from") != FROM:
        return f"MAIL FROM {m.get('mail_from')!r}"
    return None


def check_mime(path, payload_path):
    """Parse a dumped message; the attachment must decode to the payload."""
    with open(path, "rb") as f:
        raw = f.read()
    raw = raw.replace(b"\r\n..", b"\r\n.")  # undo dot-stuffing
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if (msg["Subject"] or "").strip() != SUBJECT:
        return f"Subject {msg['Subject']!r}"
    with open(payload_path, "rb") as f:
        want = f.read()
    found_att, found_text = False, False
    for part in msg.walk():
        if part.is_multipart():
            continue
        fn = part.get_filename()
        if fn and os.path.basename(fn) == "payload.bin":
            data = part.get_payload(decode=True)
            if data != want:
                return (f"attachment differs ({len(data or b'')} bytes, "
                        f"want {len(want)}; CTE {part['Content-Transfer-Encoding']})")
            found_att = True
        elif part.get_content_maintype() == "text":
            if "benchmark" in part.get_content():
                found_text = True
    if not found_att:
        return "no payload.bin attachment found"
    if not found_text:
        return "text body not found"
    return None


# --------------------------------------------------------------------------
# Missing tools

def _apt(args, timeout=900):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        r = subprocess.run(["apt-get"] + args, env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL, capture_output=True)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_tools(names, allow_install):
    """Install missing apt packages when root; return {name: note} for skipped.

    Packages: the selected peers, plus `time` for GNU time (peak RSS).
    """
    notes = {}
    pkgs = sorted({APT_PKG[n] for n in names if n in APT_PKG and not tool_binary(n)})
    if not os.path.exists(TIME_BIN):
        pkgs.append("time")
    if pkgs and allow_install and os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing missing packages: {' '.join(pkgs)}")
        base = ["install", "-y", "--no-install-recommends"]
        if not _apt(base + pkgs):
            _apt(["update"])
            for p in pkgs:  # one by one, so one bad package spares the rest
                _apt(base + [p])
    elif pkgs:
        why = "--no-install given" if not allow_install else "not root"
        log(f"NOTE: missing packages ({why}): {' '.join(pkgs)}")
    for n in names:
        if tool_binary(n):
            continue
        if n == "guardmail":
            notes[n] = (f"missing: {guardmail_bin()} not found (build with "
                        "`swift build -c release` or set GUARDMAIL_BIN)")
        elif n in APT_PKG:
            why = ("apt-get install failed" if os.geteuid() == 0 and allow_install
                   else "not installed")
            notes[n] = f"missing ({why}): `apt-get install {APT_PKG[n]}`"
        else:
            notes[n] = "missing"
    return notes


# --------------------------------------------------------------------------
# Main

def machine_line():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / MIB:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"nproc {ncpu}, CPU {model}, RAM {mem}, "
            f"{platform.system()} {platform.release()}, python {platform.python_version()}")


def parse_args(argv):
    ap = argparse.ArgumentParser(description="guardmail send benchmark")
    ap.add_argument("--sizes", default="1,25,100",
                    help="attachment sizes in MiB, comma separated (default 1,25,100)")
    ap.add_argument("--runs", type=int, default=None,
                    help="timed runs per tool and size (default 5, or 3 for >= 100 MiB)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs per tool and size before timing (default 1)")
    ap.add_argument("--only", nargs="+", default=None, metavar="TOOL",
                    help=f"subset of: {' '.join(PEERS + REFS)} (also comma separated)")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds before one run is killed (default 300)")
    ap.add_argument("--no-install", action="store_true",
                    help="never apt-get install missing peers")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip the MIME check of each tool's output before timing")
    ap.add_argument("--out", default=None,
                    help="results file (default bench/results/send-<date>.md)")
    ap.add_argument("--tmpdir", default=None, help="parent of the scratch directory")
    a = ap.parse_args(argv)
    try:
        a.sizes = list(dict.fromkeys(int(x) for x in a.sizes.split(",") if x.strip()))
    except ValueError:
        ap.error("--sizes: integers in MiB, e.g. 1,25,100")
    if not a.sizes or any(s <= 0 or s > 4096 for s in a.sizes):
        ap.error("--sizes: each between 1 and 4096 MiB")
    tools = PEERS + REFS
    if a.only:
        sel = [t for x in a.only for t in x.split(",") if t]
        bad = [t for t in sel if t not in tools]
        if bad:
            ap.error(f"--only: unknown {bad}; choose from {tools}")
        a.tools = [t for t in tools if t in sel]
    else:
        a.tools = tools
    if a.runs is not None and not 1 <= a.runs <= 1000:
        ap.error("--runs: 1..1000")
    if not 0 <= a.warmup <= 100:
        ap.error("--warmup: 0..100")
    return a


def runs_for(a, size):
    return a.runs if a.runs is not None else (3 if size >= 100 else 5)


def fmt_table(a, results, notes, errors):
    lines = ["| size | tool | median s | min s | peak RSS MiB | time / guardmail |",
             "|---:|---|---:|---:|---:|---:|"]
    for size in a.sizes:
        g = results.get((size, "guardmail"))
        gmed = statistics.median(g["walls"]) if g else None
        for t in a.tools:
            label = LABEL.get(t, t)
            key = (size, t)
            if t in notes:
                lines.append(f"| {size} MiB | {label} | — | — | — | missing |")
                continue
            if key in errors:
                lines.append(f"| {size} MiB | {label} | ERROR | — | — | "
                             f"{errors[key].splitlines()[0][:120]} |")
                continue
            r = results.get(key)
            if not r:
                continue
            med = statistics.median(r["walls"])
            ratio = f"{med / gmed:.2f}" if gmed else "n/a"
            rss = [x for x in r["rss"] if x is not None]
            rss = f"{max(rss) / 1024:.1f}" if rss else "?"
            lines.append(f"| {size} MiB | {label} | {med:.3f} | {min(r['walls']):.3f} | "
                         f"{rss} | {ratio} |")
    return "\n".join(lines)


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the cleanup below


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = datetime.datetime.now()
    notes = ensure_tools([t for t in a.tools], not a.no_install)
    active = [t for t in a.tools if t not in notes]
    for t, n in notes.items():
        log(f"NOTE: {t}: {n}")

    work = tempfile.mkdtemp(prefix="guardmail-bench-", dir=a.tmpdir)
    sinks = []
    results, errors = {}, {}
    try:
        ctx = {"sizes": {}, "bin": {t: tool_binary(t) for t in active}}
        for sub in ("home", "xdg-config", "xdg-data", "xdg-cache", "tmp", "out"):
            os.makedirs(os.path.join(work, sub), exist_ok=True)
        ctx["xdg_config"] = os.path.join(work, "xdg-config")
        ctx["muttrc"] = os.path.join(work, "muttrc")
        ctx["body"] = os.path.join(work, "body.txt")
        with open(ctx["body"], "w") as f:
            f.write(BODY)
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin",
               "HOME": os.path.join(work, "home"),
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb",
               "TMPDIR": os.path.join(work, "tmp"),
               "XDG_CONFIG_HOME": ctx["xdg_config"],
               "XDG_DATA_HOME": os.path.join(work, "xdg-data"),
               "XDG_CACHE_HOME": os.path.join(work, "xdg-cache")}
        versions = {t: tool_version(t, ctx["bin"][t]) for t in active}

        need_msg = any(t in active for t in ("msmtp", "raw", "curl-T"))
        for size in sorted(set(a.sizes)):
            d = os.path.join(work, f"{size}M")
            os.makedirs(d)
            p = os.path.join(d, "payload.bin")
            log(f"preparing {size} MiB payload{' and prebuilt message' if need_msg else ''}")
            make_payload(p, size * MIB)
            ctx["sizes"][size] = {"payload": p, "msg_lf": os.path.join(d, "msg.eml"),
                                  "msg_crlf": os.path.join(d, "msg.crlf")}
            if need_msg:
                make_message(p, ctx["sizes"][size]["msg_lf"], ctx["sizes"][size]["msg_crlf"])

        # Preflight: each tool once, smallest size, dumped and MIME-checked.
        if not a.no_verify:
            vs = Sink(work, "verify-sink", dump=True)
            sinks.append(vs)
            vs.start()
            write_configs(ctx, vs.port)
            small = min(a.sizes)
            for t in active:
                if t == "base64":
                    continue
                argv, stdin, null = command(t, ctx, small, vs.port)
                r = timed_run(argv, env, work, stdin,
                              os.path.join(work, "out", f"verify-{t}.log"), a.timeout, null)
                msgs = vs.new_messages(expect=1 if r.code == 0 else 0)
                err = None
                if r.code != 0:
                    err = f"exit {r.code}: {r.output_tail()}"
                else:
                    err = check_delivery(t, small * MIB, msgs)
                if not err:
                    err = check_mime(msgs[0]["dump"], ctx["sizes"][small]["payload"])
                    os.unlink(msgs[0]["dump"])
                if err:
                    log(f"VERIFY FAILED {t}: {err}")
                    for s in a.sizes:
                        errors[(s, t)] = f"verify: {err}"
                else:
                    log(f"verified {t}: attachment round-trips ({small} MiB)")
            vs.stop()

        sink = Sink(work, "sink")
        sinks.append(sink)
        sink.start()
        write_configs(ctx, sink.port)

        for size in a.sizes:
            n = runs_for(a, size)
            todo = [t for t in active if (size, t) not in errors]
            # Interleaved rounds: warm-up rounds first, then timed rounds;
            # each round runs every tool once, so drift hits all alike.
            for rnd in range(a.warmup + n):
                timed = rnd >= a.warmup
                for t in list(todo):
                    argv, stdin, null = command(t, ctx, size, sink.port)
                    r = timed_run(argv, env, work, stdin,
                                  os.path.join(work, "out", f"{t}-{size}.log"),
                                  a.timeout, null)
                    msgs = sink.new_messages(
                        expect=0 if t == "base64" or r.code != 0 else 1)
                    err = (f"exit {r.code}: {r.output_tail()}" if r.code != 0
                           else check_delivery(t, size * MIB, msgs))
                    if err:
                        log(f"ERROR {t} {size} MiB run {rnd}: {err}")
                        errors[(size, t)] = err
                        todo.remove(t)
                        results.pop((size, t), None)
                        continue
                    if timed:
                        rr = results.setdefault((size, t), {"walls": [], "rss": []})
                        rr["walls"].append(r.wall)
                        rr["rss"].append(r.maxrss_kib)
                    rss = "?" if r.maxrss_kib is None else f"{r.maxrss_kib / 1024:.1f}"
                    log(f"{size:>4} MiB {LABEL.get(t, t):<14} "
                        f"{'run' if timed else 'warmup'} {rnd - a.warmup + 1 if timed else rnd + 1}"
                        f": {r.wall:.3f} s, {rss} MiB RSS")
    finally:
        for s in sinks:
            try:
                s.stop()
            except Exception as e:  # keep cleaning up
                log(f"sink stop: {e}")
        shutil.rmtree(work, ignore_errors=True)

    run_desc = (f"{a.runs} runs" if a.runs is not None
                else "5 runs (3 for >= 100 MiB)")
    head = [f"# guardmail send benchmark — {started:%Y-%m-%d %H:%M}",
            "",
            f"Machine: {machine_line()}",
            "",
            "Tools: " + "; ".join(f"{t}: {versions.get(t, '?')}" for t in active)
            if active else "Tools: none",
            "",
            f"Method: median/min wall time of {run_desc} after {a.warmup} warm-up, "
            "one message with one attachment to a local SMTP sink over plaintext "
            "loopback; peak RSS = max over runs of the sending process's ru_maxrss "
            "(GNU time %M; includes children the tool waited for); "
            "time / guardmail > 1 means guardmail is faster. Every run verified "
            "by the sink (1 message, bytes >= size*4/3)"
            + ("" if a.no_verify else
               "; each tool's MIME output checked once (attachment decodes to the payload)")
            + ".",
            "", ""]
    table = fmt_table(a, results, notes, errors)
    tail = []
    if errors:
        tail += ["", "Errors:"] + [f"- {t} {s} MiB: {e}" for (s, t), e in sorted(errors.items())]
    if not os.path.exists(TIME_BIN):
        tail += ["", f"Peak RSS not measured: {TIME_BIN} missing (`apt-get install time`)."]
    if notes:
        tail += ["", "Skipped:"] + [f"- {t}: {n}" for t, n in notes.items()]
    text = "\n".join(head) + table + "\n" + "\n".join(tail) + ("\n" if tail else "")
    print(text, end="")

    out = a.out or os.path.join(HERE, "results", f"send-{started:%Y-%m-%d-%H%M%S}.md")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        f.write(text)
    log(f"written to {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
