"""What a new user tripped over (issue 16, item 5): each test failed before its fix."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import AUTH_USERS, send_args

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n", encoding="utf-8")
    return path


def columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# -- send --dry-run exits as the send would --------------------------------------------------

def test_dry_run_of_a_blocked_message_exits_1(guardmail, config_for, server, body_file):
    to = ["a@example.org", "b@example.com", "c@example.net", "d@example.edu", "e@example.info"]  # 5 domains: bulk
    r = guardmail(send_args(to=to, body_file=body_file, extra=["--dry-run"]), config=config_for(server))
    assert r.code == 1, r.describe()
    assert "blocked by bulk-visible-recipients" in r.stderr
    assert "Subject: test" in r.stdout  # the message is still shown
    real = guardmail(send_args(to=to, body_file=body_file))
    assert real.code == r.code, real.describe()
    assert server.transactions == [] and server.connections == 0


def test_dry_run_needing_confirmation_exits_1_until_accepted(guardmail, config_for, server, body_file):
    args = send_args(to=["hanako@example.org"], body_file=body_file, extra=["--dry-run"])
    r = guardmail(args, config=config_for(server))
    assert r.code == 1, r.describe()
    assert "--accept new-domain" in r.stderr
    accepted = guardmail(args + ["--accept", "new-domain"])
    assert accepted.code == 0, accepted.describe()
    assert server.transactions == []


# -- a failed send says the message is in the outbox, and how to send or drop it -------------

def test_failed_send_names_the_outbox_id_and_the_commands(guardmail, smtp_server, config_for, body_file):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, refuse={"jiro@example.jp": "550 5.1.1 No such user"})
    r = guardmail(send_args(to=["jiro@example.jp"], body_file=body_file), config=config_for(server))
    assert r.code == 69, r.describe()
    m = re.search(r"still in the outbox as (\S+):", r.stderr)
    assert m, r.describe()
    outbox_id = m.group(1)
    assert f"`guardmail outbox release {outbox_id}`" in r.stderr and f"`guardmail outbox cancel {outbox_id}`" in r.stderr
    listed = guardmail(["outbox", "list"])
    assert outbox_id in listed.stdout, listed.describe()
    cancelled = guardmail(["outbox", "cancel", outbox_id])
    assert cancelled.code == 0, cancelled.describe()


# -- journal show says where a finding was accepted ------------------------------------------

def test_journal_show_says_accepted_with_accept(guardmail, config_for, server, body_file):
    r = guardmail(send_args(to=["hanako@example.org"], body_file=body_file, accept=["new-domain"]), config=config_for(server))
    assert r.code == 0, r.describe()
    listed = guardmail(["journal"])
    message_id = re.search(r"^  (<[^>\s]+>)", listed.stdout, re.M).group(1)
    shown = guardmail(["journal", "show", message_id])
    line = next(l for l in shown.stdout.splitlines() if "new-domain:" in l)
    assert line.endswith("— accepted (--accept)"), shown.stdout


# -- journal lines fit 80 columns ------------------------------------------------------------

def test_journal_list_fits_80_columns(guardmail, config_for, server, body_file):
    to = ["a@example.org", "b@日本語.jp", "c@example.net", "d@sales.example.com"]
    subject = "【ご案内】お見積書の送付（第２版）および新しい事務所のご案内について"
    accept = ["bulk-visible-recipients", "many-domains", "new-domain"]
    config = config_for(server, extra_lines=["[policy.rules.bulk-visible-recipients]", 'severity = "confirm"'])
    r = guardmail(send_args(to=to, subject=subject, body_file=body_file, accept=accept), config=config)
    assert r.code == 0, r.describe()
    listed = guardmail(["journal"])
    assert listed.code == 0, listed.describe()
    for line in listed.stdout.splitlines():
        assert columns(line) <= 80, f"{columns(line)} columns: {line!r}"
    assert "【ご案内】お見積書の送付" in listed.stdout and "example.net" in listed.stdout
    assert re.search(r"^  <[^>\s]+@example\.jp>", listed.stdout, re.M), listed.stdout


# -- no reference to a document the repository does not have ---------------------------------

def test_no_doc_or_comment_names_a_design_document():
    word = "DES" + "IGN"  # spelled apart so that this file does not name it
    files = subprocess.run(["git", "-C", str(REPO), "ls-files"], capture_output=True, text=True, check=True).stdout.split()
    hits = []
    for name in files:
        path = REPO / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        hits += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if word in line]
    assert not hits, hits
