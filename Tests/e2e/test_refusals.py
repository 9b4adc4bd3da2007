"""End-to-end tests: bad input is refused with the reason and the value, and nothing is sent.

Each case once went through "corrected" or untouched (issue 10): an address with a line
break sent to another address, an IDNA mapping that put ';' into RCPT TO, a subject or
display name whose line break the recipient's client decodes into a header, an argument
that is not UTF-8, a huge max_attachment_mib, a body file that is a folder, and config,
policy, address book and theme files that other users can write.  Each test checks the exit
status (65 bad input, 78 configuration), the message with the value, and that the SMTP
server on 127.0.0.1 heard nothing.
"""

from __future__ import annotations

import collections
import email
import email.policy
import os
import pwd
from pathlib import Path

import pytest

from conftest import AUTH_USERS, send_args

NO_ORG_POLICY = "/nonexistent/guardmail-e2e/policy.toml"  # never the machine's /etc file
ENV = {"GUARDMAIL_POLICY": NO_ORG_POLICY}
INTERNAL = ("", "[policy]", 'internal_domains = ["example.jp", "example.org"]')


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def config(config_for, server):
    return config_for(server, extra_lines=INTERNAL)


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n", encoding="utf-8")
    return path


def assert_nothing_sent(server, result) -> None:
    assert server.settle(10), server.summary()
    assert server.transactions == [], "the server received a message; %s\n%s" % (server.summary(), result.describe())
    assert server.mail_commands == [], "the client started a transaction; %s\n%s" % (server.summary(), result.describe())


def send(guardmail, config, body_file, *, to=("hanako@example.org",), subject="打ち合わせの件", env=ENV, extra=()):
    return guardmail(send_args(to=to, subject=subject, body_file=body_file, extra=extra), config=config, env=env)


# --------------------------------------------------------------------------
# Addresses


@pytest.mark.parametrize("address, shown, what", [
    ("my\n@example.org", r"my\n@example.org", "line feed (LF, U+000A) at position 3"),
    ("my\r@example.org", r"my\r@example.org", "carriage return (CR, U+000D) at position 3"),
    ("my\r\n@example.org", r"my\r\n@example.org", "line break (CR LF) at position 3"),
    ("Hanako\n<hanako@example.org>", r"Hanako\n<hanako@example.org>", "line feed (LF, U+000A) at position 7"),
])
def test_address_with_a_line_break_is_refused_not_corrected(guardmail, config, server, body_file, address, shown, what):
    r = send(guardmail, config, body_file, to=[address])
    assert r.code == 65, r.describe()
    assert what in r.stderr and ("'%s'" % shown) in r.stderr, r.describe()
    assert "my@example.org" not in r.stderr.replace(shown, "")
    assert_nothing_sent(server, r)


@pytest.mark.parametrize("address, words", [
    ("me@\u037e.org", ["stands for ';'", "U+037E", "position 4"]),
    ("me@ab\u037ecd.org", ["stands for ';'", "U+037E", "position 6"]),
    ("me@\u212aey.org", ["stands for 'k'", "U+212A", "position 4"]),
    ("me@ab--cd.example.org", ["'--' in the third and fourth positions", "position 6"]),
    ("me@ab-.example.org", ["ends with '-'"]),
    ("me@xn--zz.example.org", ["not a valid internationalized (xn--) label"]),
])
def test_domain_that_idna_would_change_or_that_breaks_label_rules_is_refused(
        guardmail, config, server, body_file, address, words):
    r = send(guardmail, config, body_file, to=[address])
    assert r.code == 65, r.describe()
    for word in words:
        assert word in r.stderr, (word, r.describe())
    assert "me@;.org" not in r.stderr
    assert_nothing_sent(server, r)


def test_address_over_254_octets_is_refused(guardmail, config, server, body_file):
    domain = "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".org"  # 189 octets
    ok = "l" * 64 + "@" + domain
    assert len(ok) == 254
    r = send(guardmail, config, body_file, to=["Long <%s>" % (ok[:-4] + "c" + ok[-4:])])
    assert r.code == 65, r.describe()
    assert "255 octets long as sent at position 7" in r.stderr, r.describe()
    assert "at most 254 octets" in r.stderr
    assert_nothing_sent(server, r)


def test_argument_that_is_not_utf8_is_refused_with_its_position(guardmail, config, server, body_file):
    args = send_args(to=[], subject="件名", body_file=body_file)
    args[1:1] = [b"--to", b"Ta\xffro <taro@example.org>"]
    r = guardmail(args, config=config, env=ENV)
    assert r.code == 65, r.describe()
    assert ("argument 3 (the value of --to) is not valid UTF-8: byte 0xFF at byte 3 of "
            "'Ta\\xFFro <taro@example.org>'") in r.stderr, r.describe()
    assert "\ufffd" not in r.stderr
    assert_nothing_sent(server, r)


# --------------------------------------------------------------------------
# Subject and display names


@pytest.mark.parametrize("subject, words", [
    ("Hello\r\nBcc: x@evil.example", "the subject 'Hello\\r\\nBcc: x@evil.example' has a line break (CR LF) at position 6"),
    ("件名\nBcc: x@evil.example", "the subject '件名\\nBcc: x@evil.example' has a line feed (LF, U+000A) at position 3"),
])
def test_subject_with_a_line_break_is_refused_not_encoded(guardmail, config, server, body_file, subject, words):
    r = send(guardmail, config, body_file, subject=subject)
    assert r.code == 65, r.describe()
    assert words in r.stderr, r.describe()
    assert_nothing_sent(server, r)


def test_display_name_that_decodes_to_a_line_break_is_refused(guardmail, config, server, body_file):
    r = send(guardmail, config, body_file, to=["=?UTF-8?Q?Hanako=0D=0ABcc=3A_x?= <hanako@example.org>"])
    assert r.code == 65, r.describe()
    assert r"decodes to 'Hanako\r\nBcc: x'" in r.stderr, r.describe()
    assert_nothing_sent(server, r)


def test_a_folded_header_in_a_message_file_is_still_read(guardmail, config_for, tmp_path):
    eml = tmp_path / "folded.eml"
    eml.write_bytes(b"From: taro@example.jp\r\nTo: Hanako\r\n <hanako@example.org>,\r\n\tjiro@example.org\r\n"
                    b"Subject: x\r\n\r\nbody\r\n")
    # No internal domains: the new-recipient finding names every recipient the header gave.
    r = guardmail(["check", str(eml)], config=config_for(url="smtp://127.0.0.1:25"), env=ENV)
    assert r.code == 1, r.describe()
    assert "hanako@example.org and jiro@example.org" in r.stdout, r.describe()
    assert "line break" not in r.stdout + r.stderr


# --------------------------------------------------------------------------
# Bulk


AUTH_ACCEPT = ["--accept", "new-domain"]


def bulk(guardmail, config, recipients, body, *, subject="ご案内", mode="bcc", extra=()):
    return guardmail(["bulk", "--recipients", str(recipients), "--subject", subject, "--body-file", str(body),
                      "--mode", mode, *AUTH_ACCEPT, *extra], config=config, env=ENV)


def per_recipient(server):
    counts = collections.Counter()
    for tx in server.transactions:
        for r in tx.rcpt_tos:
            counts[r.lower()] += 1
    return counts


def job_ids(guardmail):
    d = guardmail.data_home / "guardmail" / "bulk"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() else []


def test_bulk_name_with_a_line_break_is_an_invalid_row(guardmail, config_for, server, body_file, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text('email,name\na@example.org,A\nb@example.org,"B\nBcc: x@evil.example"\nc@example.org,C\n',
                   encoding="utf-8")
    config = config_for(server, hold=0)
    strict = bulk(guardmail, config, csv, body_file, extra=["--strict"])
    assert strict.code == 65, strict.describe()
    assert "line 3: b@example.org" in strict.stderr and r"'B\nBcc: x@evil.example'" in strict.stderr, strict.describe()
    assert_nothing_sent(server, strict)

    r = bulk(guardmail, config, csv, body_file)
    assert r.code == 0, r.describe()
    assert "invalid rows: 1" in r.stdout, r.stdout
    assert "line 3: b@example.org" in r.stdout and "line feed (LF, U+000A) at position 2" in r.stdout, r.stdout
    assert sorted(per_recipient(server)) == ["a@example.org", "c@example.org"]
    assert "x@evil.example" not in per_recipient(server)


def test_bulk_subject_field_with_a_line_break_skips_that_row_only(guardmail, config_for, server, body_file, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text('email,company\na@example.org,Alpha\nb@example.org,"Beta\r\nBcc: x@evil.example"\n'
                   'c@example.org,"Gamma\nInc"\n', encoding="utf-8")
    body = tmp_path / "named.txt"
    body.write_text("{{company}} 御中\n", encoding="utf-8")
    r = bulk(guardmail, config_for(server, hold=0), csv, body, subject="{{company}} 様へのご案内", mode="individual")
    assert r.code == 0, r.describe()
    assert "invalid rows: 2" in r.stdout, r.stdout
    assert ("line 3: b@example.org — the 'company' value 'Beta\\r\\nBcc: x@evil.example' has a line break (CR LF) "
            "at position 5, and the subject uses {{company}}") in r.stdout, r.stdout
    assert "line 5: c@example.org" in r.stdout, r.stdout
    assert dict(per_recipient(server)) == {"a@example.org": 1}
    for tx in server.transactions:
        msg = email.message_from_bytes(tx.raw, policy=email.policy.default)
        assert msg["Subject"] == "Alpha 様へのご案内"
        assert msg["Bcc"] is None


def test_bulk_subject_with_a_line_break_refuses_the_job(guardmail, config_for, server, body_file, tmp_path):
    csv = tmp_path / "list.csv"
    csv.write_text("email\na@example.org\n", encoding="utf-8")
    r = bulk(guardmail, config_for(server, hold=0), csv, body_file, subject="ご案内\nBcc: x@evil.example")
    assert r.code == 65, r.describe()
    assert r"the subject 'ご案内\nBcc: x@evil.example' has a line feed (LF, U+000A) at position 4" in r.stderr, r.describe()
    assert_nothing_sent(server, r)
    assert job_ids(guardmail) == []


# --------------------------------------------------------------------------
# Config values and files


def test_huge_max_attachment_mib_is_a_config_error_naming_key_value_and_range(
        guardmail, config_for, server, body_file):
    config = config_for(server, extra_lines=("max_attachment_mib = 9223372036854775807",) + INTERNAL)
    r = send(guardmail, config, body_file)
    assert r.code == 78, r.describe()
    assert ("'accounts.test.max_attachment_mib' is 9223372036854775807: it must be a whole number of MiB "
            "from 1 to 10240") in r.stderr, r.describe()
    assert_nothing_sent(server, r)


@pytest.mark.parametrize("command", ["send", "bulk"])
def test_body_file_that_is_a_folder_says_so(guardmail, config, server, tmp_path, command):
    folder = tmp_path / "letters"
    folder.mkdir()
    if command == "send":
        r = send(guardmail, config, folder)
    else:
        csv = tmp_path / "list.csv"
        csv.write_text("email\na@example.org\n", encoding="utf-8")
        r = bulk(guardmail, config, csv, folder)
    assert r.code == 65, r.describe()
    assert "the body file '%s' is a folder, not a file" % folder in r.stderr, r.describe()
    assert "attach" not in r.stderr
    assert_nothing_sent(server, r)


def nobody():
    return pwd.getpwnam("nobody")


@pytest.mark.parametrize("how, words", [
    ("mode 666", "can be written by its group and everyone else (mode 0666)"),
    ("mode 620", "can be written by its group (mode 0620)"),
    ("owner nobody", "belongs to user 'nobody'"),
    ("folder 777", "its folder '{folder}' can be written by its group and everyone else (mode 0777)"),
])
def test_config_that_others_can_write_is_refused(guardmail, config, server, body_file, how, words):
    path = guardmail.config_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config, encoding="utf-8")
    if how.startswith("mode"):
        path.chmod(int(how.split()[1], 8))
        fix = "chmod go-w '%s'" % path
    elif how.startswith("owner"):
        os.chown(path, nobody().pw_uid, nobody().pw_gid)
        fix = "chown %s '%s'" % (pwd.getpwuid(os.geteuid()).pw_name, path)
    else:
        path.parent.chmod(0o777)
        fix = "chmod go-w '%s'" % path.parent
    r = guardmail(send_args(to=["hanako@example.org"], subject="件名", body_file=body_file), env=ENV)
    assert r.code == 78, r.describe()
    assert "refusing the config file: cannot use '%s': " % path in r.stderr, r.describe()
    assert words.format(folder=path.parent) in r.stderr, r.describe()
    assert "fix it with: " + fix in r.stderr, r.describe()
    assert server.connections == 0 and server.transactions == [], server.summary()


def test_organisation_policy_that_others_can_write_is_refused(guardmail, config, server, body_file, tmp_path):
    org_dir = tmp_path / "org"
    org_dir.mkdir()
    org = org_dir / "policy.toml"
    org.write_text("[rules.new-domain]\nseverity = \"block\"\n", encoding="utf-8")
    org.chmod(0o646)
    r = send(guardmail, config, body_file, env={"GUARDMAIL_POLICY": str(org)})
    assert r.code == 78, r.describe()
    assert "refusing the organisation policy: cannot use '%s': it can be written by everyone (mode 0646)" % org in r.stderr
    assert "chmod go-w '%s'" % org in r.stderr, r.describe()
    assert server.connections == 0 and server.transactions == [], server.summary()
    org.chmod(0o644)
    os.chown(org, nobody().pw_uid, nobody().pw_gid)
    r = send(guardmail, config, body_file, env={"GUARDMAIL_POLICY": str(org)})
    assert r.code == 78 and "belongs to user 'nobody'" in r.stderr, r.describe()
    assert server.connections == 0


def test_address_book_that_others_can_write_is_not_used(guardmail, config_for, server, body_file, tmp_path):
    book = tmp_path / "book" / "addressbook.txt"
    book.parent.mkdir()
    book.write_text("[Client]\n山田 花子 <hanako@example.org>\n", encoding="utf-8")
    book.chmod(0o664)
    config = config_for(server, extra_lines=INTERNAL + ('address_book = "%s"' % book,))
    r = send(guardmail, config, body_file)
    assert "the address book is not used: cannot use '%s': it can be written by its group (mode 0664)" % book in r.stderr, \
        r.describe()
    assert "chmod go-w '%s'" % book in r.stderr
    assert "namesakes are not checked against it" in r.stderr


def test_theme_that_others_can_write_is_refused(guardmail, config_for, server):
    themes = guardmail.config_home / "guardmail" / "themes"
    themes.mkdir(parents=True)
    theme = themes / "mine.toml"
    theme.write_text('[roles]\ndanger = { fg = "red", bold = true }\n', encoding="utf-8")
    config = config_for(server)
    ok = guardmail(["themes", "--show", "mine"], config=config)
    assert ok.code == 0, ok.describe()
    theme.chmod(0o666)
    r = guardmail(["themes", "--show", "mine"], config=config)
    assert r.code == 78, r.describe()
    assert str(theme) in r.stderr and "can be written by its group and everyone else (mode 0666)" in r.stderr, r.describe()
    assert "chmod go-w '%s'" % theme in r.stderr
