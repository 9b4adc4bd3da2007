"""End-to-end tests of the organisation's rule tables, groups and information barriers
(docs/policy.md "Rule tables", "Information barriers", "Files and layers"): a barrier stops a
composer send in a real terminal and names both groups; `send` exits 1 naming it; `check --json`
lists the rule ids with their layer; `policy --check FILE` validates a file before it is
installed; a broken organisation policy stops `send` and the composer (fail closed) and says how
to see the error; drop-ins in policy.d add rules; `attachment_encrypted` sees a
password-protected ZIP through `check`, `send` and `sendmail` alike.
"""

from __future__ import annotations

import json
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import AUTH_USERS, binary_path, send_args
from test_confirm import fill, findings, on_confirm_screen, open_confirm, assert_refused
from test_compose import start
from test_policy_cli import assert_nothing_sent, finding_lines, send
from tui import composer, in_command_mode, status_line  # noqa: F401

ORG = """\
internal_domains = ["example.jp"]

[groups]
insurer-a = ["*.insurer-a.example", "insurer-a.example"]
insurer-b = "insurer-b.txt"

[[barrier]]
id = "insurers"
groups = ["insurer-a", "insurer-b"]
message = "保険会社AとBの担当者を同じメールに入れないでください"

[[rule]]
id = "confidential"
severity = "confirm"
message = "社外秘の資料です"
subject_keywords = ["社外秘"]

[[rule]]
id = "customer-list-needs-compliance"
severity = "block"
message = "顧客リストはコンプライアンス部をCcに"
body_keywords = ["顧客リスト"]
requires_recipients = ["compliance@example.jp"]
"""

INSURER_B = "# insurer B and its agents\ninsurer-b.example\nagent-*@partners.example  # agents\n"


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def org(tmp_path) -> Path:
    folder = tmp_path / "org"
    folder.mkdir(mode=0o755)
    (folder / "insurer-b.txt").write_text(INSURER_B, encoding="utf-8")
    path = folder / "policy.toml"
    path.write_text(ORG, encoding="utf-8")
    return path


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n資料をご確認ください。\n", encoding="utf-8")
    return path


def test_send_exits_1_naming_the_barrier(guardmail, config_for, server, body_file, org):
    result = send(guardmail, config_for(server), body_file, to=["a@sales.insurer-a.example"],
                  bcc=["agent-7@partners.example"], accept=["new-domain", "new-recipient"], org=str(org))
    assert result.code == 1, result.describe()
    assert ("BLOCK", "insurers") in finding_lines(result.stderr), result.describe()
    line = next(l for l in result.stderr.splitlines() if " insurers: " in l)
    assert "insurer-a: a@sales.insurer-a.example" in line and "insurer-b: agent-7@partners.example" in line, \
        result.describe()
    assert "policy.toml:8" in line, "the finding names the layer and line\n" + result.describe()
    assert "blocked by insurers" in result.stderr, result.describe()
    assert_nothing_sent(server, result)


def test_check_json_lists_rule_ids(guardmail, config_for, server, org, tmp_path):
    eml = tmp_path / "m.eml"
    eml.write_bytes(
        ("From: taro@example.jp\r\nTo: a@insurer-a.example\r\nCc: b@insurer-b.example\r\n"
         "Subject: =?UTF-8?B?56S+5aSW56eYIOmhp+WuouODquOCueODiA==?=\r\n"
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
         "今月の顧客リストです。\r\n").encode("utf-8"))
    result = guardmail(["check", "--json", str(eml)], config=config_for(server), env={"GUARDMAIL_POLICY": str(org)})
    assert result.code == 2, result.describe()
    report = json.loads(result.stdout)
    rules = {f["rule"]: f for f in report["findings"]}
    assert {"insurers", "confidential", "customer-list-needs-compliance"} <= set(rules), result.describe()
    assert rules["insurers"]["severity"] == "block"
    assert rules["confidential"]["severity"] == "confirm"
    assert rules["confidential"]["layer"].startswith("organisation (") and "policy.toml:13" in rules["confidential"]["layer"]
    assert rules["new-domain"]["layer"] is None, "built-in rules have no layer of their own"
    assert "line 1 says '顧客リスト'" in rules["customer-list-needs-compliance"]["message"]


ENCRYPTED_RULE = """\
[[rule]]
id = "encrypted-zip"
severity = "block"
message = "パスワード付きZIPは送らないでください"
attachment_encrypted = true
"""


def zip_files(tmp_path: Path) -> tuple[Path, Path]:
    """The same CSV in a password-protected ZIP and in a plain one, made by zip(1)."""
    folder = tmp_path / "zip-src"
    folder.mkdir()
    csv = folder / "顧客一覧.csv"
    csv.write_text("会社,担当\n保険A,山田\n", encoding="utf-8")
    locked, plain = tmp_path / "locked.zip", tmp_path / "plain.zip"
    subprocess.run(["zip", "-q", "-j", "-P", "secret", str(locked), str(csv)], check=True)
    subprocess.run(["zip", "-q", "-j", str(plain), str(csv)], check=True)
    return locked, plain


def mail_with(attachment: Path) -> bytes:
    msg = EmailMessage()
    msg["From"] = "taro@example.jp"
    msg["To"] = "hanako@partner.example"
    msg["Subject"] = "資料"
    msg.set_content("資料をお送りします。\n")
    msg.add_attachment(attachment.read_bytes(), maintype="application", subtype="zip", filename=attachment.name)
    return bytes(msg)


def test_an_encrypted_zip_meets_attachment_encrypted_in_check_send_and_sendmail(guardmail, config_for, server, body_file,
                                                                                tmp_path):
    policy = tmp_path / "encrypted.toml"
    policy.write_text(ENCRYPTED_RULE, encoding="utf-8")
    env = {"GUARDMAIL_POLICY": str(policy)}
    config = config_for(server)
    locked, plain = zip_files(tmp_path)
    for attachment, expected in ((locked, True), (plain, False)):
        eml = tmp_path / (attachment.stem + ".eml")
        eml.write_bytes(mail_with(attachment))
        result = guardmail(["check", "--json", str(eml)], config=config, env=env)
        rules = {f["rule"]: f for f in json.loads(result.stdout)["findings"]}
        assert ("encrypted-zip" in rules) == expected, result.describe()
        assert result.code == (2 if expected else 1), result.describe()

        result = guardmail(send_args(to=["hanako@partner.example"], subject="資料", body_file=body_file, attach=[attachment],
                                     accept=["new-domain", "new-recipient", "external-attachment"], extra=["--dry-run"]), config=config, env=env)
        assert (("BLOCK", "encrypted-zip") in finding_lines(result.stderr)) == expected, result.describe()
        assert result.code == (1 if expected else 0), result.describe()

    # sendmail reads the message whole and inspects its attachments itself: the same rule.
    proc = subprocess.run([str(binary_path()), "sendmail", "-t"], input=mail_with(locked), capture_output=True,
                          env=guardmail.env(env), cwd=guardmail.tmp, timeout=60, start_new_session=True)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1 and "blocked by encrypted-zip" in err, err
    assert_nothing_sent(server, result)


def test_barrier_blocks_the_composer_and_shows_both_groups(composer, org):
    pane = start(composer, env={"GUARDMAIL_POLICY": str(org)}, width=160)
    # Bcc: a competitor in Bcc still receives the others' names (and nothing else blocks).
    fill(pane, to="a@insurer-a.example", bcc="b@insurer-b.example", subject="ご案内", body=["ご確認ください。"])
    screen = open_confirm(pane)
    got = findings(screen)
    assert got and got[0][:3] == (None, "BLOCK", "insurers"), pane.framed(screen)
    rows = screen.split("\n")
    assert any("<a@insurer-a.example>" in l and "BARRIER insurers: insurer-a" in l for l in rows), pane.framed(screen)
    assert any("<b@insurer-b.example>" in l and "BARRIER insurers: insurer-b" in l for l in rows), pane.framed(screen)
    assert_refused(pane, composer.server, "Blocked by insurers")
    pane.keys("q")
    pane.wait_for(lambda s: not on_confirm_screen(s) and in_command_mode(s))
    pane.keys("q")
    pane.wait_for("(d) discard the message")
    pane.keys("d")
    assert pane.wait_exit() == 0
    assert composer.server.settle(10) and composer.server.connections == 0


def test_policy_check_file(guardmail, org, tmp_path):
    result = guardmail(["policy", "--check", str(org)])
    assert result.code == 0, result.describe()
    assert "valid: 2 rules, 1 barriers, 2 groups" in result.stdout, result.describe()
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "r"\nmessage = "m"\nbody_regex = "(a+)+"\n', encoding="utf-8")
    result = guardmail(["policy", "--check", str(bad)])
    assert result.code == 78, result.describe()
    assert "%s:4: 'rule[1].body_regex' is refused" % bad in result.stderr, result.describe()
    loop = tmp_path / "loop.toml"
    loop.write_text('[groups]\na = ["group:b"]\nb = ["group:a"]\n', encoding="utf-8")
    result = guardmail(["policy", "--check", str(loop)])
    assert result.code == 78 and "groups refer to each other in a loop" in result.stderr, result.describe()


@pytest.mark.parametrize("command", ["send", "compose"])
def test_broken_organisation_policy_fails_closed(guardmail, config_for, server, body_file, org, command):
    org.write_text(ORG + '\n[[rule]]\nid = "x"\nmessage = "m"\nrecipients_any = ["group:nobody"]\n', encoding="utf-8")
    if command == "send":
        result = send(guardmail, config_for(server), body_file, to=["a@example.jp"], org=str(org))
    else:
        result = guardmail(["compose"], config=config_for(server), env={"GUARDMAIL_POLICY": str(org)})
    assert result.code == 78, result.describe()
    assert "refers to group 'nobody', which is not defined" in result.stderr, result.describe()
    assert "guardmail policy --check %s" % org in result.stderr, result.describe()
    assert_nothing_sent(server, result)


def test_drop_ins_add_rules_and_policy_lists_layers(guardmail, config_for, server, body_file, org):
    dropins = org.parent / "policy.d"
    dropins.mkdir(mode=0o755)
    (dropins / "10-free-mail.toml").write_text(
        '[groups]\nfree-mail = ["gmail.com"]\n\n[[rule]]\nid = "no-free-mail"\nseverity = "block"\n'
        'message = "フリーメールには送れません"\nrecipients_any = ["group:free-mail"]\n', encoding="utf-8")
    config = config_for(server)
    result = guardmail(["policy"], config=config, env={"GUARDMAIL_POLICY": str(org)})
    assert result.code == 0, result.describe()
    lines = result.stdout.splitlines()
    assert any(l.startswith("rule.confidential ") and "organisation (%s:13)" % org in l for l in lines), result.describe()
    assert any(l.startswith("rule.no-free-mail ") and "10-free-mail.toml:5" in l for l in lines), result.describe()
    assert any(l.startswith("barrier.insurers ") for l in lines), result.describe()
    result = send(guardmail, config, body_file, to=["someone@gmail.com"], accept=["new-domain", "new-recipient"],
                  org=str(org))
    assert result.code == 1 and "blocked by no-free-mail" in result.stderr, result.describe()
    assert_nothing_sent(server, result)


# --------------------------------------------------------------------------
# Replay: 200 messages sent before the rules existed, replayed with the proposed file

REPLAYED = 200
ACCEPT_ALL = ["new-domain", "new-recipient", "many-domains", "external-attachment", "forgotten-attachment"]


def replay_plan(i: int):
    """(to, cc, bcc, subject, list body?) of message i; counts follow below."""
    to, cc, bcc = ["client%d@client.example" % (i % 7)], [], []
    subject = "ご案内 %d" % i
    listing = i % 8 == 0                      # 25 messages say 顧客リスト …
    if listing and i % 16 == 0:
        cc = ["compliance@example.jp"]        # … 13 of them with compliance in Cc: 12 flagged
    if i % 10 == 0:
        subject = "【社外秘】" + subject       # 20 messages
    if i % 25 == 0:
        to, bcc = ["a@insurer-a.example"], ["b@insurer-b.example"]  # 8 messages
    return to, cc, bcc, subject, listing


def test_replay_over_200_sent_messages(guardmail, config_for, server, org, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("いつもお世話になっております。\n", encoding="utf-8")
    listing = tmp_path / "listing.txt"
    listing.write_text("今月の顧客リストをお送りします。\n> 顧客リスト (quoted: not counted twice)\n", encoding="utf-8")
    config = config_for(server)
    for i in range(REPLAYED):
        to, cc, bcc, subject, is_listing = replay_plan(i)
        # Sent before the organisation's rules: no organisation policy yet.
        result = send(guardmail, config, listing if is_listing else plain, to=to, cc=cc, bcc=bcc,
                      subject=subject, accept=ACCEPT_ALL)
        assert result.code == 0, result.describe()
    assert server.settle(30) and len(server.transactions) == REPLAYED, server.summary()

    result = guardmail(["policy", "replay", "--since", "90d", "--rules", str(org), "--examples", "2"], config=config,
                       env={"GUARDMAIL_POLICY": "/nonexistent/guardmail-e2e/policy.toml"})
    assert result.code == 0, result.describe()
    out = result.stdout
    assert out.startswith("200 messages replayed\n"), result.describe()
    counts = {}
    for line in out.splitlines():
        if line.startswith(("rule ", "barrier ")):
            head, tail = line.split("): ", 1)
            counts[head.split(" ")[1]] = int(tail.split(" ")[0])
    assert counts == {"insurers": 8, "confidential": 20, "customer-list-needs-compliance": 12}, result.describe()
    # Examples: message id, time, evidence; never the body.
    examples = [l for l in out.splitlines() if l.startswith("    <")]
    assert len(examples) == 6, result.describe()
    assert all("お世話になっております" not in l and "お送りします" not in l for l in out.splitlines()), result.describe()
    barrier_examples = [l for l in examples if "insurer-b: b@insurer-b.example" in l]
    assert len(barrier_examples) == 2, "the Bcc recipient comes from the journal\n" + result.describe()

    # Nothing before the period: a period of 0 minutes keeps none. Times are whole seconds and a
    # message of the current second is inside even a period of 0, so the last sends must be a
    # second old first (the replay above can run within the second of the last send).
    time.sleep(1.1)
    result = guardmail(["policy", "replay", "--since", "0m", "--rules", str(org)], config=config,
                       env={"GUARDMAIL_POLICY": "/nonexistent/guardmail-e2e/policy.toml"})
    assert result.code == 0 and result.stdout.startswith("0 messages replayed"), result.describe()
    result = guardmail(["policy", "replay", "--since", "ninety days"], config=config)
    assert result.code == 64 and "'ninety days'" in result.stderr, result.describe()


# --------------------------------------------------------------------------
# Import from the add-ins: the result passes `policy --check`, what does not map is on stderr

IMPORT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "policy-import"


@pytest.mark.parametrize("source,files", [
    ("flexconfirmmail", ["flexconfirmmail-export.json"]),
    ("outlookokan", ["AlertKeywordAndMessageList.csv", "AlertAddressList.csv", "KeywordAndRecipientsList.csv",
                     "NameAndDomains.csv"]),
])
def test_import_then_check(guardmail, tmp_path, source, files):
    result = guardmail(["policy", "import", "--from", source, *[str(IMPORT_FIXTURES / f) for f in files]])
    assert result.code == 0, result.describe()
    assert "[[rule]]" in result.stdout, result.describe()
    assert "not mapped: " in result.stderr, result.describe()
    imported = tmp_path / "imported.toml"
    imported.write_text(result.stdout, encoding="utf-8")
    result = guardmail(["policy", "--check", str(imported)])
    assert result.code == 0 and "valid: " in result.stdout, result.describe()


def test_import_refuses_a_file_that_is_not_json(guardmail, tmp_path):
    bad = tmp_path / "export.json"
    bad.write_text("{not json", encoding="utf-8")
    result = guardmail(["policy", "import", "--from", "flexconfirmmail", str(bad)])
    assert result.code == 65 and "%s: not JSON" % bad in result.stderr, result.describe()
