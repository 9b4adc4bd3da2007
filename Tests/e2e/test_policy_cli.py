"""End-to-end tests of the sending policy on `guardmail send` and `guardmail policy`, against
the real STARTTLS+AUTH server on 127.0.0.1 (docs/policy.md).

`send` runs the same policy as the confirmation screen: a `block` finding stops it, a
`confirm` finding stops it unless accepted with `--accept RULE-ID`; either way the findings go
to stderr, the exit status is 1 and the server hears nothing.  Settings come in layers:
defaults < the user's `[policy]` < the organisation's file ($GUARDMAIL_POLICY), the stricter
winning where both set a value.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest

from conftest import AUTH_USERS, send_args

SENDER = "taro@example.jp"
NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"  # never the machine's /etc file
BODY = "お世話になっております。\n来週のお打ち合わせの件でご連絡いたしました。\nよろしくお願いいたします。\n"


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text(BODY, encoding="utf-8")
    return path


def send(guardmail, config, body_file, *, to=(), cc=(), bcc=(), accept=(), org=NO_ORG_POLICY,
         subject="打ち合わせの件"):
    args = send_args(to=to, cc=cc, bcc=bcc, subject=subject, body_file=body_file, accept=accept)
    return guardmail(args, config=config, env={"GUARDMAIL_POLICY": org})


def assert_nothing_sent(server, result) -> None:
    assert server.settle(10), server.summary()
    assert server.connections == 0, "connected although the policy stopped the send; %s\n%s" % (
        server.summary(), result.describe())
    assert server.transactions == [], server.summary()


def sent_copies(guardmail):
    cur = guardmail.data_home / "guardmail" / "sent" / "cur"
    return sorted(cur.iterdir()) if cur.is_dir() else []


def finding_lines(stderr: str):
    """`guardmail: SEVERITY rule-id: message` lines -> [(severity, rule)]."""
    out = []
    for line in stderr.splitlines():
        m = re.match(r"^guardmail: (INFO|CONFIRM|BLOCK) +([a-z-]+): ", line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


# --------------------------------------------------------------------------
# Two external domains that see each other: asked (confirm), not blocked; once delivered together
# they are a known group. Five domains, a real bulk: blocked (docs/policy.md).


def test_two_external_domains_are_asked_then_known(guardmail, config_for, server, body_file):
    config = config_for(server)
    to = ["鈴木 一郎 <ichiro@client.co.jp>", "Bob <bob@partner.example.com>"]
    result = send(guardmail, config, body_file, to=to, accept=["new-domain"])
    assert result.code == 1, result.describe()
    assert ("CONFIRM", "bulk-visible-recipients") in finding_lines(result.stderr), result.describe()
    line = next(l for l in result.stderr.splitlines() if "bulk-visible-recipients:" in l)
    assert "2 external recipients in 2 domains" in line, result.describe()
    assert "never written to together before" in line, result.describe()
    assert "--accept bulk-visible-recipients" in result.stderr, result.describe()
    assert_nothing_sent(server, result)

    result = send(guardmail, config, body_file, to=to, accept=["new-domain", "bulk-visible-recipients"])
    assert result.code == 0, result.describe()
    assert server.settle(10) and len(server.transactions) == 1, server.summary()
    # Written to together: a known group, nothing asked.
    result = send(guardmail, config, body_file, to=list(reversed(to)), subject="二通目")
    assert result.code == 0, result.describe()
    assert "bulk-visible-recipients" not in result.stderr, result.describe()
    assert server.settle(10) and len(server.transactions) == 2, server.summary()


def test_bulk_visible_recipients_blocks_send(guardmail, config_for, server, body_file):
    result = send(guardmail, config_for(server), body_file,
                  to=["鈴木 一郎 <ichiro@client.co.jp>", "Bob <bob@partner.example.com>", "hanako@torihiki.jp",
                      "kaori@shiire.co.jp", "ken@unso.example"],
                  accept=["new-domain", "many-domains"])
    assert result.code == 1, result.describe()
    assert ("BLOCK", "bulk-visible-recipients") in finding_lines(result.stderr), result.describe()
    line = next(l for l in result.stderr.splitlines() if "bulk-visible-recipients:" in l)
    assert "5 external recipients in 5 domains" in line, result.describe()
    # The fixes are named: move to Bcc, one message each.
    assert "move-to-bcc" in result.stderr and "send-individually" in result.stderr, result.describe()
    assert "blocked by bulk-visible-recipients; nothing was sent" in result.stderr, result.describe()
    assert result.stdout == "", result.describe()
    assert_nothing_sent(server, result)
    assert sent_copies(guardmail) == [], "a blocked message was stored as sent"


# --------------------------------------------------------------------------
# A new external domain: confirm with --accept; then the history knows it


def test_new_domain_needs_accept_then_history_knows_it(guardmail, config_for, server, body_file):
    config = config_for(server)
    to = "鈴木 花子 <hanako@client.co.jp>"

    result = send(guardmail, config, body_file, to=[to])
    assert result.code == 1, result.describe()
    assert ("CONFIRM", "new-domain") in finding_lines(result.stderr), result.describe()
    assert "client.co.jp" in next(l for l in result.stderr.splitlines() if "new-domain:" in l)
    assert "--accept new-domain" in result.stderr, result.describe()
    assert "nothing was sent" in result.stderr, result.describe()
    assert_nothing_sent(server, result)

    result = send(guardmail, config, body_file, to=[to], accept=["new-domain"])
    assert result.code == 0, result.describe()
    assert "accepted: hanako@client.co.jp" in result.stdout, result.describe()
    assert server.settle(10)
    txs = server.transactions
    assert len(txs) == 1, server.summary()
    assert txs[0].rcpt_tos == ["hanako@client.co.jp"] and txs[0].mail_from == SENDER
    assert txs[0].starttls and txs[0].auth_login == "taro", server.summary()
    msg = email.message_from_bytes(txs[0].raw, policy=email.policy.default)
    assert [a.addr_spec for a in msg["To"].addresses] == ["hanako@client.co.jp"]
    assert len(sent_copies(guardmail)) == 1, "the sent copy is the history"

    # The same address again: written to before, so neither new-domain nor new-recipient.
    result = send(guardmail, config, body_file, to=[to], subject="二通目")
    assert result.code == 0, result.describe()
    rules = [rule for _, rule in finding_lines(result.stderr)]
    assert "new-domain" not in rules and "new-recipient" not in rules, result.describe()
    assert "new-domain" not in result.stderr, result.describe()
    assert server.settle(10)
    assert len(server.transactions) == 2, server.summary()
    assert server.transactions[1].rcpt_tos == ["hanako@client.co.jp"]

    # Another address in the known domain: only the (info) new-recipient, no --accept needed.
    result = send(guardmail, config, body_file, to=["jiro@client.co.jp"], subject="三通目")
    assert result.code == 0, result.describe()
    assert finding_lines(result.stderr) == [("INFO", "new-recipient")], result.describe()
    assert server.settle(10)
    assert [tx.rcpt_tos for tx in server.transactions][2:] == [["jiro@client.co.jp"]], server.summary()


def test_unknown_accept_id_is_a_usage_error(guardmail, config_for, server, body_file):
    result = send(guardmail, config_for(server), body_file, to=["hanako@client.co.jp"],
                  accept=["new-domian"])
    assert result.code == 64, result.describe()
    assert "new-domian" in result.stderr, result.describe()
    assert "new-domain" in result.stderr, "the error should list the real rule ids\n" + result.describe()
    assert_nothing_sent(server, result)


# --------------------------------------------------------------------------
# Layers: the organisation's file wins where it is stricter


ORG_POLICY = """\
# organisation policy for the e2e tests
hold_external_seconds = 120

[rules.new-domain]
severity = "block"
"""

USER_POLICY = (
    "",
    "[policy]",
    "hold_external_seconds = 5",
    "",
    "[policy.rules.new-domain]",
    'severity = "info"',
)


def policy_rows(stdout: str):
    """`key = value    [layer]  — note` lines -> {key: (value, layer, note)}."""
    rows = {}
    for line in stdout.splitlines():
        m = re.match(r"^(\S+)\s+= (.*?)\s+\[([^\]]*)\](?:\s+— (.*))?$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3), m.group(4) or "")
    return rows


def test_organisation_layer_wins(guardmail, config_for, server, body_file, tmp_path):
    org = tmp_path / "org" / "policy.toml"
    org.parent.mkdir()
    org.write_text(ORG_POLICY, encoding="utf-8")
    config = config_for(server, extra_lines=USER_POLICY, hold=None)

    result = guardmail(["policy"], config=config, env={"GUARDMAIL_POLICY": str(org)})
    assert result.code == 0, result.describe()
    rows = policy_rows(result.stdout)
    value, layer, note = rows["rules.new-domain.severity"]
    assert value == "block", result.describe()
    assert layer.startswith("organisation") and "policy.toml:5" in layer, result.describe()
    assert "info" in note and "config.toml" in note, "the note names the ignored user value\n" + \
        result.describe()
    value, layer, note = rows["hold_external_seconds"]
    assert value == "120", result.describe()
    assert layer.startswith("organisation") and "policy.toml:2" in layer, result.describe()
    assert "5" in note, result.describe()
    # Untouched values stay at their defaults.
    assert rows["rules.bulk-visible-recipients.severity"][:2] == ("block", "default"), result.describe()
    assert rows["hold_internal_seconds"][:2] == ("10", "default"), result.describe()
    assert str(org) in result.stdout, result.describe()

    # The user's "info" cannot loosen the organisation's block, --accept or not.
    result = send(guardmail, config, body_file, to=["hanako@client.co.jp"], accept=["new-domain"],
                  org=str(org))
    assert result.code == 1, result.describe()
    assert ("BLOCK", "new-domain") in finding_lines(result.stderr), result.describe()
    assert "blocked by new-domain" in result.stderr, result.describe()
    assert_nothing_sent(server, result)


def test_user_layer_alone_may_loosen_a_default(guardmail, config_for, server, body_file):
    """Where only the user sets a value, it applies: new-domain at info needs no --accept."""
    config = config_for(server, extra_lines=USER_POLICY, hold=None)
    result = guardmail(["policy"], config=config, env={"GUARDMAIL_POLICY": NO_ORG_POLICY})
    rows = policy_rows(result.stdout)
    assert rows["rules.new-domain.severity"][0] == "info", result.describe()
    assert rows["rules.new-domain.severity"][1].startswith("user"), result.describe()
    result = send(guardmail, config, body_file, to=["hanako@client.co.jp"])
    assert result.code == 0, result.describe()
    assert ("INFO", "new-domain") in finding_lines(result.stderr), result.describe()
    assert server.settle(10) and len(server.transactions) == 1, server.summary()


BROKEN_ORG = """\
hold_external_seconds = 120

[rules.new-domain]
severity = "warn"
"""


@pytest.mark.parametrize("command", ["policy", "send", "check"])
def test_broken_organisation_file(guardmail, config_for, server, body_file, tmp_path, command):
    org = tmp_path / "broken-policy.toml"
    org.write_text(BROKEN_ORG, encoding="utf-8")
    config = config_for(server)
    if command == "send":
        result = send(guardmail, config, body_file, to=["hanako@example.jp"], org=str(org))
    elif command == "check":
        eml = Path(__file__).resolve().parent / "fixtures" / "eml" / "clean_internal.eml"
        result = guardmail(["check", str(eml)], config=config, env={"GUARDMAIL_POLICY": str(org)})
    else:
        result = guardmail(["policy"], config=config, env={"GUARDMAIL_POLICY": str(org)})
    assert result.code == 78, result.describe()
    assert "%s:4:" % org in result.stderr, "the error names the file and the line\n" + result.describe()
    assert "rules.new-domain.severity" in result.stderr and "'warn'" in result.stderr, result.describe()
    assert_nothing_sent(server, result)
