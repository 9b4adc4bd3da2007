"""`guardmail bulk new|resume|status` against the real SMTP server on 127.0.0.1, and the old
spellings (`bulk --recipients …`, `bulk --resume ID`, `bulk --status ID`): the same jobs, the same
exit codes, one deprecation line on standard error naming the new spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_bulk import ACCEPT, AUTH_USERS, only_job, people, per_recipient, write_csv


@pytest.fixture
def tls_server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def named_body(tmp_path) -> Path:
    path = tmp_path / "named.txt"
    path.write_text("{{name}} 様\n\n新しい事務所のご案内です。\n", encoding="utf-8")
    return path


def new_args(csv: Path, body: Path, *, mode: str = "individual", extra=()) -> list:
    return ["bulk", "new", "--recipients", str(csv), "--subject", "ご案内", "--body-file", str(body),
            "--mode", mode, *ACCEPT, *extra]


def deprecations(stderr: str) -> list:
    return [line for line in stderr.splitlines() if "deprecated" in line]


def test_new_status_resume_send_every_recipient_once(guardmail, config_for, smtp_server, tmp_path, named_body):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, drop_after_messages=4,
                         mail_reply_after_drop="421 4.3.2 Service not available")
    rows = people(10)
    csv = write_csv(tmp_path / "list.csv", rows)
    r = guardmail(new_args(csv, named_body), config=config_for(server, hold=0))
    assert r.code == 75, r.describe()
    assert "delivered 4, refused 0, unknown 0, remaining 6" in r.stdout, r.describe()
    assert deprecations(r.stderr) == [], r.stderr
    job = only_job(guardmail)

    status = guardmail(["bulk", "status", job])
    assert status.code == 0, status.describe()
    assert "delivered 4" in status.stdout and "remaining 6" in status.stdout, status.describe()
    assert deprecations(status.stderr) == []

    server.set_mail_reply(None)
    again = guardmail(["bulk", "resume", job])
    assert again.code == 0, again.describe()
    assert "delivered 10, refused 0, unknown 0, remaining 0" in again.stdout
    assert deprecations(again.stderr) == []
    counts = per_recipient(server)
    assert sorted(counts) == sorted(a for a, _ in rows)
    assert set(counts.values()) == {1}


def test_old_spellings_still_work_with_one_deprecation_line(guardmail, config_for, smtp_server, tmp_path, named_body):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS, drop_after_messages=2,
                         mail_reply_after_drop="421 4.3.2 Service not available")
    csv = write_csv(tmp_path / "list.csv", people(5))
    old_new = ["bulk", "--recipients", str(csv), "--subject", "ご案内", "--body-file", str(named_body),
               "--mode", "individual", *ACCEPT]
    r = guardmail(old_new, config=config_for(server, hold=0))
    assert r.code == 75, r.describe()
    assert deprecations(r.stderr) == [
        "guardmail: 'guardmail bulk --recipients …' is deprecated: use 'guardmail bulk new --recipients …'"], r.stderr
    job = only_job(guardmail)

    status = guardmail(["bulk", "--status", job])
    assert status.code == 0, status.describe()
    assert "delivered 2" in status.stdout and "remaining 3" in status.stdout
    assert deprecations(status.stderr) == [
        f"guardmail: 'guardmail bulk --status ID' is deprecated: use 'guardmail bulk status {job}'"], status.stderr

    server.set_mail_reply(None)
    again = guardmail(["bulk", "--resume", job])
    assert again.code == 0, again.describe()
    assert "delivered 5, refused 0, unknown 0, remaining 0" in again.stdout
    assert deprecations(again.stderr) == [
        f"guardmail: 'guardmail bulk --resume ID' is deprecated: use 'guardmail bulk resume {job}'"], again.stderr
    assert set(per_recipient(server).values()) == {1}


@pytest.mark.parametrize("spelling", ["new", "old"])
@pytest.mark.parametrize("option,value,choices", [("--mode", "weekly", "'bcc' and 'individual'"),
                                                  ("--to-header", "everyone", "'sender' and 'undisclosed'")])
def test_a_value_that_is_not_a_choice_is_a_usage_error_listing_the_choices(guardmail, config_for, tls_server, tmp_path,
                                                                           named_body, spelling, option, value, choices):
    csv = write_csv(tmp_path / "list.csv", people(2))
    args = ["bulk", *(["new"] if spelling == "new" else []), "--recipients", str(csv), "--body-file", str(named_body),
            option, value]
    r = guardmail(args, config=config_for(tls_server, hold=0))
    assert r.code == 64, r.describe()
    assert f"The value '{value}' is invalid for '{option} <" in r.stderr, r.stderr
    assert choices in r.stderr
    assert tls_server.mail_commands == []
    assert not (guardmail.data_home / "guardmail" / "bulk").exists() or only_job_count(guardmail) == 0


def only_job_count(guardmail) -> int:
    d = guardmail.data_home / "guardmail" / "bulk"
    return len([p for p in d.iterdir() if not p.name.startswith(".")])


@pytest.mark.parametrize("args", [
    ["bulk", "resume"],                                       # no job id
    ["bulk", "status"],
    ["bulk", "new", "--body-file", "body.txt"],               # no --recipients
    ["bulk", "new", "--recipients", "a.csv"],                 # no --body-file
    ["bulk", "resume", "x", "--recipients", "a.csv"],         # a frozen job takes no new recipients
    ["bulk", "status", "x", "--resend-unknown"],
    ["bulk", "new", "--recipients", "a.csv", "--body-file", "b.txt", "--resend-unknown"],
    ["bulk", "new", "--recipients", "a.csv", "--body-file", "b.txt", "--rate", "fast"],
    ["bulk", "resume", "x", "--batch-size", "0"],
])
def test_subcommand_usage_errors_exit_64(guardmail, config_for, tls_server, args):
    r = guardmail(args, config=config_for(tls_server, hold=0))
    assert r.code == 64, r.describe()
    assert f"Usage: guardmail bulk {args[1]} " in r.stderr, r.stderr  # the subcommand's own usage
    assert deprecations(r.stderr) == []
    assert tls_server.mail_commands == []


def test_resume_and_status_of_an_unknown_job(guardmail, config_for, tls_server):
    r = guardmail(["bulk", "resume", "20200101-000000-none"], config=config_for(tls_server, hold=0))
    assert r.code == 66, r.describe()
    assert "there is no bulk job '20200101-000000-none'" in r.stderr
    bad = guardmail(["bulk", "status", "../../etc"])
    assert bad.code in (65, 66), bad.describe()
    assert tls_server.mail_commands == []


@pytest.mark.parametrize("sub", ["new", "resume", "status"])
def test_help_of_each_subcommand_lists_its_exit_codes(guardmail, sub):
    r = guardmail(["bulk", sub, "--help"])
    assert r.code == 0, r.describe()
    assert f"USAGE: guardmail bulk {sub} " in r.stdout, r.stdout
    assert "Exit codes: 0 " in r.stdout, r.stdout
    assert "78 configuration" in r.stdout


def test_bulk_help_lists_the_subcommands_and_not_the_old_spelling(guardmail):
    r = guardmail(["bulk", "--help"])
    assert r.code == 0, r.describe()
    for line in ("guardmail bulk new --recipients FILE", "guardmail bulk resume ID", "guardmail bulk status ID"):
        assert line in r.stdout, r.stdout
    assert "legacy" not in r.stdout
