#!/usr/bin/python3
"""Text extraction and party matching on big documents (docs/policy.md, "What is read from
attachments"): a 50-page Japanese PDF (reportlab), a 10,000-row workbook (openpyxl) and a
100 MiB CSV.

Each is attached to `guardmail send` with a finding left unaccepted, so guardmail inspects the
file (libmagic, SHA-256, text extraction), runs the policy (parties, attachment-other-party,
sensitive-data) and stops with exit 1 before anything is sent: the same work as preparing the
confirmation screen, from process start to the verdict. Reported per file: median and worst wall
time over the runs, and peak resident memory of guardmail and the children it waited for
(pdftotext), from GNU time's %M.

Targets (bench/README.md): the verdict (what the first screen would show) under 300 ms; peak
memory under 64 MiB.

Usage: extract_bench.py [--runs N]     (GUARDMAIL_BIN: the binary; default .build/release)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MAKE = os.path.join(REPO, "Tests", "fixtures", "make_documents.py")
os.umask(0o022)


def make_csv(path, size):
    row = "株式会社サンプル{n},担当{n} 様,user{n}@example{m}.co.jp,03-{a:04d}-{b:04d}\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write("会社名,担当者,メール,電話\n")
        n = 0
        while f.tell() < size:
            lines = [row.format(n=n + k, m=(n + k) % 50, a=1000 + (n + k) % 9000, b=(n + k) % 10000) for k in range(1000)]
            f.write("".join(lines))
            n += 1000


def main():
    runs = 5
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    binary = os.environ.get("GUARDMAIL_BIN", os.path.join(REPO, ".build", "release", "guardmail"))
    work = tempfile.mkdtemp(prefix="gm-extract-bench-")
    files = {}
    files["50-page Japanese PDF"] = os.path.join(work, "報告書.pdf")
    subprocess.run(["/usr/bin/python3", MAKE, "long-pdf", files["50-page Japanese PDF"], "50"], check=True)
    files["10,000-row xlsx"] = os.path.join(work, "顧客.xlsx")
    subprocess.run(["/usr/bin/python3", MAKE, "customers-xlsx", files["10,000-row xlsx"], "10000"], check=True)
    files["100 MiB CSV"] = os.path.join(work, "顧客.csv")
    make_csv(files["100 MiB CSV"], 100 << 20)

    config = os.path.join(work, "xdg-config", "guardmail")
    os.makedirs(config)
    with open(os.path.join(config, "config.toml"), "w") as f:
        f.write('default_account = "bench"\n\n[accounts.bench]\nfrom = "taro@example.jp"\n'
                'smtp_url = "smtp://127.0.0.1:9"\ninsecure = true\nmax_attachment_mib = 1024\n')
    body = os.path.join(work, "body.txt")
    with open(body, "w") as f:
        f.write("お世話になっております。資料をお送りします。\n")
    env = dict(os.environ, HOME=work, XDG_CONFIG_HOME=os.path.join(work, "xdg-config"),
               XDG_DATA_HOME=os.path.join(work, "xdg-data"), XDG_CACHE_HOME=os.path.join(work, "xdg-cache"),
               XDG_STATE_HOME=os.path.join(work, "xdg-state"), GUARDMAIL_POLICY="/nonexistent/policy.toml")

    print("%-22s %10s %10s %12s  %s" % ("file", "median s", "max s", "peak RSS MiB", "verdict"))
    for label, path in files.items():
        walls, rss, verdict = [], [], ""
        for _ in range(runs + 1):
            start = time.monotonic()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "send", "--to", "hanako@aozora-shoji.jp", "--subject", "bench",
                                "--body-file", body, "--attach", path], env=env, capture_output=True, text=True)
            wall = time.monotonic() - start
            if p.returncode != 1:
                sys.exit("%s: guardmail exited %d (expected 1, needs confirmation)\n%s" % (label, p.returncode, p.stderr))
            walls.append(wall)
            rss.append(int(p.stderr.strip().split("\n")[-1]) / 1024)
            # "guardmail: CONFIRM  attachment-other-party: …": the rules that asked.
            verdict = ", ".join(sorted({line.split()[2].rstrip(":") for line in p.stderr.split("\n")
                                        if line.startswith("guardmail: CONFIRM") or line.startswith("guardmail: BLOCK")}))
        walls = walls[1:]  # the first run warms the page cache
        print("%-22s %10.3f %10.3f %12.1f  %s" % (label, statistics.median(walls), max(walls), max(rss), verdict))


if __name__ == "__main__":
    main()
