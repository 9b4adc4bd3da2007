"""End-to-end tests of the sendmail interface (`guardmail sendmail`, docs/sendmail.md): scripts
without a terminal, `guardmail outbox confirm` in a terminal, git send-email and mutt, each
against a real SMTP server on 127.0.0.1.

Runs "without a terminal" start guardmail in a session of its own (start_new_session): no
controlling terminal, and no mail client's session to borrow one from — what cron gives a job,
whatever terminal the test runner itself has.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import tui
from tui import composer  # noqa: F401  (the fixture)
from conftest import AUTH_USERS, binary_path
from test_compose import CONFIRM_TITLE

SENDER = "taro@example.jp"
EXTERNAL = "hanako@partner.example"
SECRET = "boss@secret.example"
COLLEAGUE = "jiro@example.jp"


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def message(to: str, *, bcc: str = "", subject: str = "見積書の件", body: str = "よろしくお願いします。\n") -> bytes:
    lines = [f"From: 山田 太郎 <{SENDER}>", f"To: {to}"]
    if bcc:
        lines.append(f"Bcc: {bcc}")
    lines += [f"Subject: {subject}", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: 8bit", ""]
    return ("\n".join(lines) + "\n" + body).encode("utf-8")


def run_detached(runner, args, input: bytes, timeout: float = 60):
    """guardmail in a new session without a terminal, as cron runs it."""
    proc = subprocess.run(
        [str(binary_path()), *args], input=input, capture_output=True, env=runner.env(),
        cwd=runner.tmp, timeout=timeout, start_new_session=True)
    runner._servers.settle_all()
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def outbox_ids(runner) -> list:
    folder = runner.data_home / "guardmail" / "outbox"
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


def test_sendmail_t_without_terminal_needs_confirmation_then_outbox_confirm_sends_once(
        guardmail, server, config_for, composer_home):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    code, out, err = run_detached(guardmail, ["sendmail", "-t", "-oi"], message(EXTERNAL, bcc=SECRET))
    assert code == 75, err
    assert "new-domain" in err and "needs confirmation" in err, err
    assert server.transactions == [], server.summary()
    [entry] = outbox_ids(guardmail)
    assert f"guardmail outbox confirm {entry}" in err
    state = (guardmail.data_home / "guardmail" / "outbox" / entry / "state.toml").read_text()
    assert 'state = "needs-confirmation"' in state
    listed = guardmail(["outbox", "list"])
    assert "needs confirmation" in listed.stdout, listed.describe()

    # Without a terminal, confirm refuses and sends nothing.
    code, _, err = run_detached(guardmail, ["outbox", "confirm", entry], b"")
    assert code == 64, err
    assert server.transactions == []

    # In a terminal: the confirmation screen, every external recipient and the finding ticked, y.
    pane = composer_home.launch(guardmail, ["outbox", "confirm", entry])
    screen = confirmation_screen(pane)
    assert "partner.example" in screen, pane.framed(screen)
    assert "secret.example" in screen, pane.framed(screen)
    pane.confirm_everything()
    assert pane.wait_exit(timeout=30) == 0, pane.framed()
    server.settle(10)
    [tx] = server.transactions
    assert sorted(tx.rcpt_tos) == sorted([EXTERNAL, SECRET])
    assert b"boss@secret.example" not in tx.raw
    assert b"Bcc" not in tx.raw.split(b"\r\n\r\n", 1)[0]
    assert str(parse(tx.raw)["Subject"]) == "見積書の件"
    assert outbox_ids(guardmail) == []
    # Once: a second confirm finds nothing, and the server has one message.
    again = guardmail(["outbox", "confirm", entry])
    assert again.code == 66, again.describe()
    assert len(server.transactions) == 1


def confirmation_screen(pane, timeout: float = 30) -> str:
    """Waits for guardmail's confirmation screen (its title on the first row)."""
    return pane.wait_for(lambda s: s.split("\n")[0].strip() == CONFIRM_TITLE, timeout=timeout,
                         what="guardmail's confirmation screen")




def test_sendmail_blocks_exit_1_with_the_reason(guardmail, server, config_for):
    many = ", ".join(f"user{i}@client{i}.example" for i in range(30))
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    code, _, err = run_detached(guardmail, ["sendmail", "-t"], message(many))
    assert code == 1, err
    assert "blocked by bulk-visible-recipients" in err, err
    assert server.transactions == []
    assert outbox_ids(guardmail) == []


def test_sendmail_clean_message_goes_through_the_hold_and_drops_bcc(guardmail, server, config_for):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    # Internal recipients only (the sender's own domain): nothing needs a confirmation.
    code, out, err = run_detached(
        guardmail, ["sendmail", "-oem", "-i", "--", COLLEAGUE], message(COLLEAGUE, bcc="kacho@example.jp"))
    assert code == 0, err
    assert "ignoring the sendmail option '-oem'" in err
    [tx] = server.transactions
    # Without -t only the arguments are recipients: the Bcc field is dropped but not sent to.
    assert tx.rcpt_tos == [COLLEAGUE]
    assert b"kacho@" not in tx.raw
    assert parse(tx.raw)["Message-ID"]
    journal = guardmail(["journal"])
    assert journal.code == 0 and "sent" in journal.stdout, journal.describe()


def test_a_message_without_from_gets_the_accounts_address_and_the_name_of_dash_F(guardmail, server, config_for):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    bare = f"To: {COLLEAGUE}\nSubject: cron report\n\nall fine\n.\nnot part of the message\n".encode()
    code, _, err = run_detached(guardmail, ["sendmail", "-t", "-F", "夜間 バッチ"], bare)
    assert code == 0, err
    [tx] = server.transactions
    sent = parse(tx.raw)
    assert sent["From"].addresses[0].addr_spec == SENDER
    assert sent["From"].addresses[0].display_name == "夜間 バッチ"
    assert sent["Date"] and sent["Message-ID"]
    # Without -i a line with a single dot ends the message.
    assert "not part of the message" not in sent.get_body().get_content()


def test_sendmail_refuses_an_unknown_option(guardmail, server, config_for):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    code, _, err = run_detached(guardmail, ["sendmail", "-bs"], message(COLLEAGUE))
    assert code == 64
    assert "the sendmail mode '-bs' is not supported" in err


def test_help_lists_the_options_and_exit_codes(guardmail):
    result = guardmail(["sendmail", "--help"])
    assert result.code == 0, result.describe()
    for text in ("-t (recipients from To, Cc and Bcc", "75 needs confirmation", "64 usage", "docs/sendmail.md"):
        assert text in " ".join(result.stdout.split()), result.stdout


def test_invoked_as_sendmail_through_a_symlink(guardmail, server, config_for, tmp_path):
    link = tmp_path / "bin" / "sendmail"
    link.parent.mkdir()
    link.symlink_to(binary_path())
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    proc = subprocess.run([str(link), "-t", "-i"], input=message(COLLEAGUE), capture_output=True, env=guardmail.env(),
                          cwd=guardmail.tmp, timeout=60, start_new_session=True)
    server.settle(10)
    assert proc.returncode == 0, proc.stderr.decode()
    assert [tx.rcpt_tos for tx in server.transactions] == [[COLLEAGUE]]


def git_send_email_installed() -> bool:
    if shutil.which("git") is None:
        return False
    probe = subprocess.run(["git", "send-email", "-h"], capture_output=True)
    return b"not a git command" not in probe.stderr


@pytest.mark.skipif(not git_send_email_installed(),
                    reason="git send-email is not installed (scripts/install-deps.sh test installs git-email)")
def test_git_send_email_with_sendmail_cmd(guardmail, server, config_for, tmp_path):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    env = dict(guardmail.env(), GIT_AUTHOR_NAME="Taro Yamada", GIT_AUTHOR_EMAIL=SENDER,
               GIT_COMMITTER_NAME="Taro Yamada", GIT_COMMITTER_EMAIL=SENDER, GIT_CONFIG_NOSYSTEM="1")
    patch = make_patch(tmp_path, env)
    repo = patch.parent.parent / "repo"
    proc = subprocess.run(
        ["git", "send-email", "--confirm=never", "--no-chain-reply-to", "--suppress-cc=all",
         f"--from=Taro Yamada <{SENDER}>", f"--to={COLLEAGUE}",
         f"--sendmail-cmd={binary_path()} sendmail", str(patch)],
        cwd=repo, env=env, capture_output=True, timeout=120, start_new_session=True)
    server.settle(10)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    [tx] = server.transactions
    assert tx.rcpt_tos == [COLLEAGUE]
    sent = parse(tx.raw)
    assert "[PATCH] Add a README" in str(sent["Subject"])
    assert "+hello" in sent.get_body().get_content()


def make_patch(tmp_path, env) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["add", "README"], ["commit", "-q", "-m", "Add a README"],
                 ["format-patch", "-q", "-1", "-o", str(tmp_path / "patches")]):
        if args[0] == "add":
            (repo / "README").write_text("hello\n")
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    [patch] = sorted((tmp_path / "patches").iterdir())
    return patch


@pytest.mark.skipif(not git_send_email_installed(),
                    reason="git send-email is not installed (scripts/install-deps.sh test installs git-email)")
def test_git_send_email_on_a_terminal_shows_the_confirmation_screen(guardmail, server, config_for, composer_home, tmp_path):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    identity = {"GIT_AUTHOR_NAME": "Taro Yamada", "GIT_AUTHOR_EMAIL": SENDER, "GIT_COMMITTER_NAME": "Taro Yamada",
                "GIT_COMMITTER_EMAIL": SENDER, "GIT_CONFIG_NOSYSTEM": "1"}
    patch = make_patch(tmp_path, dict(guardmail.env(), **identity))
    pane = composer_home.launch_shell(
        guardmail,
        f"git send-email --confirm=never --suppress-cc=all '--from=Taro Yamada <{SENDER}>' --to={EXTERNAL} "
        f"'--sendmail-cmd={binary_path()} sendmail' {patch}",
        env=identity)
    screen = confirmation_screen(pane)
    assert "partner.example" in screen, pane.framed(screen)
    pane.confirm_everything()
    assert pane.wait_exit(timeout=60) == 0, pane.framed()
    server.settle(10)
    [tx] = server.transactions
    assert tx.rcpt_tos == [EXTERNAL]
    assert "[PATCH] Add a README" in str(parse(tx.raw)["Subject"])


# --------------------------------------------------------------------------
# Terminals


class SendmailHome:
    """A tmux pane running a shell command in the test's home (config, data, server)."""

    def __init__(self, composer):
        self.composer = composer

    def launch(self, runner, args, env=None):
        home = self.composer
        pane = tui.Pane(home.tmp / ("run-%d" % (len(home.panes) + 1)),
                        [str(binary_path()), *args], runner.env(dict(env or {}, TERM="tmux-256color")), runner.tmp, 100, 30)
        home.panes.append(pane)
        return pane

    def launch_shell(self, runner, command: str, env=None):
        home = self.composer
        pane = tui.Pane(home.tmp / ("run-%d" % (len(home.panes) + 1)),
                        ["sh", "-c", command], runner.env(dict(env or {}, TERM="tmux-256color")), runner.tmp, 100, 30)
        home.panes.append(pane)
        return pane


@pytest.fixture
def composer_home(composer):
    return SendmailHome(composer)


def test_sendmail_on_a_terminal_shows_the_confirmation_screen(guardmail, server, config_for, composer_home, tmp_path):
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    msg = tmp_path / "msg.eml"
    msg.write_bytes(message(EXTERNAL, bcc=SECRET))
    pane = composer_home.launch_shell(guardmail, f"{binary_path()} sendmail -t < {msg}")
    screen = confirmation_screen(pane)
    assert "partner.example" in screen, pane.framed(screen)
    assert "new-domain" in screen or "NEW" in screen, pane.framed(screen)
    pane.confirm_everything()
    assert pane.wait_exit(timeout=30) == 0, pane.framed()
    server.settle(10)
    [tx] = server.transactions
    assert sorted(tx.rcpt_tos) == sorted([EXTERNAL, SECRET])
    assert b"secret.example" not in tx.raw


def test_sendmail_on_a_terminal_holds_routine_internal_mail_without_a_screen(guardmail, server, config_for, composer_home, tmp_path):
    """Issue 15: internal recipients only and nothing above info: no confirmation screen, the hold
    is the check; standard error says why, and the journal records it."""
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    msg = tmp_path / "msg.eml"
    msg.write_bytes(message(COLLEAGUE, subject="昼食", body="12時に一階で。\n"))
    pane = composer_home.launch_shell(guardmail, f"{binary_path()} sendmail -t < {msg}; echo exit=$?; sleep 600")
    screen = pane.wait_for("exit=", timeout=30, what="sendmail done")
    assert "exit=0" in screen, pane.framed(screen)
    assert "guardmail: no confirmation needed: internal only, nothing to confirm" in screen, pane.framed(screen)
    assert CONFIRM_TITLE not in pane.screen_with_history(), pane.framed(screen)
    server.settle(10)
    [tx] = server.transactions
    assert tx.rcpt_tos == [COLLEAGUE]
    assert str(parse(tx.raw)["Subject"]) == "昼食"
    shown = guardmail(["journal", "show", str(parse(tx.raw)["Message-ID"]).strip()])
    assert shown.code == 0, shown.describe()
    assert "Confirmation: held without a confirmation screen" in shown.stdout, shown.describe()


MUTTS = [pytest.param(name, marks=pytest.mark.skipif(shutil.which(name) is None, reason=f"{name} is not installed"))
         for name in ("mutt", "neomutt")]


def _prompt(screen: str) -> bool:
    last = [line for line in screen.split("\n") if line.strip()]
    return bool(last) and (last[-1].startswith("To:") or last[-1].startswith("Subject:") or last[-1].startswith("Cc:"))


@pytest.mark.parametrize("client", MUTTS)
def test_mutt_sends_a_japanese_mail_through_the_confirmation_screen(client, guardmail, server, config_for, composer_home, tmp_path):
    """mutt and neomutt start sendmail in a session of their own (setsid), without a controlling
    terminal: guardmail finds the terminal of the mail client that started that session."""
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    body = tmp_path / "body.txt"
    body.write_text("花子様\n\n見積書をお送りします。\nよろしくお願いいたします。\n", encoding="utf-8")
    muttrc = tmp_path / "muttrc"
    muttrc.write_text("\n".join([
        f'set sendmail="{binary_path()} sendmail"',
        f'set from="山田 太郎 <{SENDER}>"',
        "set use_from=yes", "set charset=utf-8", "set send_charset=utf-8",
        "set record=''", "set copy=no", "set edit_headers=no", "set autoedit=no",
        "set sendmail_wait=0", "set abort_unmodified=no", "set mbox_type=Maildir", f"set folder={tmp_path}/Mail",
        f"set spoolfile={tmp_path}/Mail/inbox", "set header_cache=''",
    ]) + "\n", encoding="utf-8")
    (tmp_path / "Mail" / "inbox" / "cur").mkdir(parents=True)
    for sub in ("new", "tmp"):
        (tmp_path / "Mail" / "inbox" / sub).mkdir()
    # mutt -s SUBJECT -i BODY TO: the compose menu, then y sends through guardmail sendmail.
    pane = composer_home.launch_shell(
        guardmail,
        f"{shutil.which(client)} -n -F {muttrc} -s 'お見積りの件' -i {body} -- {EXTERNAL}",
        env={"EDITOR": "true", "VISUAL": "true"})
    # mutt asks for To and Subject again, prefilled from the command line: Enter takes them.
    for _ in range(5):
        screen = pane.wait_for(lambda s: "y:Send" in s or _prompt(s), timeout=30, what="mutt's compose menu or a prompt")
        if "y:Send" in screen:
            break
        pane.keys("Enter")
        time.sleep(0.3)
    pane.wait_for("y:Send", what="mutt's compose menu")
    pane.keys("y")
    # guardmail's confirmation screen on mutt's terminal (mutt started it in a session of its own).
    screen = confirmation_screen(pane)
    assert "partner.example" in screen, pane.framed(screen)
    pane.confirm_everything()
    server.settle(30)
    deadline = time.monotonic() + 60
    while not server.transactions and time.monotonic() < deadline:
        time.sleep(0.2)
    [tx] = server.transactions
    assert tx.rcpt_tos == [EXTERNAL]
    sent = parse(tx.raw)
    assert str(sent["Subject"]) == "お見積りの件"
    assert "見積書をお送りします" in sent.get_body().get_content()
    pane.keys("q")


def test_a_borrowed_terminal_that_closes_ends_the_screen_and_sends_nothing(guardmail, server, config_for, composer_home, tmp_path):
    """Started as mutt starts it (a new session it does not lead), guardmail borrows the terminal
    of the program above; when that window closes no SIGHUP comes: the screen must notice the
    hang-up and leave, not spin on failing reads."""
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server), encoding="utf-8")
    msg = tmp_path / "msg.eml"
    msg.write_bytes(message(EXTERNAL))
    pidfile = tmp_path / "pid"
    pane = composer_home.launch_shell(
        guardmail, f"setsid sh -c '{binary_path()} sendmail -t < {msg} & echo $! > {pidfile}; wait'; sleep 600")
    confirmation_screen(pane)
    pid = int(pidfile.read_text())
    pane.close()  # the window closes: tmux and the pane's shell go
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] if Path(f"/proc/{pid}/stat").exists() else "gone"
        if state == "Z":
            break
        time.sleep(0.1)
    alive = Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    if alive:
        os.kill(pid, 9)
    assert not alive, "guardmail sendmail still runs 30 s after its terminal closed"
    assert server.transactions == []


def test_a_document_for_another_company_is_read_through_sendmail_too(guardmail, server, config_for, tmp_path):
    """A mail client's message with the estimate for 田中建設 (a PDF written by reportlab) to
    青空商事: sendmail reads the PDF's text as send does, so `attachment-other-party` asks for a
    confirmation (exit 75 without a terminal), and the journal keeps the parties the file names."""
    from email.message import EmailMessage

    pdf = tmp_path / "見積書.pdf"
    make = Path(__file__).resolve().parent.parent / "fixtures" / "make_documents.py"
    subprocess.run(["/usr/bin/python3", str(make), "estimate-pdf", str(pdf)], check=True)
    book = tmp_path / "addressbook.txt"
    book.write_text("[青空商事株式会社]\n鈴木 花子 <hanako@aozora-shoji.jp>\n[田中建設株式会社]\n佐藤 一郎 <sato@tanaka-kensetsu.co.jp>\n",
                    encoding="utf-8")
    guardmail.config_path.parent.mkdir(parents=True, exist_ok=True)
    guardmail.config_path.write_text(config_for(server, extra_lines=["", "[policy]", 'address_book = "%s"' % book]),
                                     encoding="utf-8")
    msg = EmailMessage()
    msg["From"] = f"山田 太郎 <{SENDER}>"
    msg["To"] = "鈴木 花子 <hanako@aozora-shoji.jp>"
    msg["Subject"] = "お見積りの件"
    msg.set_content("鈴木様\n\nお見積りをお送りします。\n")
    msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename="見積書.pdf")
    code, out, err = run_detached(guardmail, ["sendmail", "-t", "-oi"], bytes(msg))
    assert code == 75, err
    assert "attachment-other-party" in err and "田中建設株式会社 (page 1, line 3)" in err, err
    assert server.transactions == [], server.summary()
    export = guardmail(["journal", "export", "--format", "jsonl"])
    assert "\"name\": \"田中建設株式会社\", \"kind\": \"company\", \"place\": \"page 1, line 3\"" in export.stdout, export.describe()
    [entry] = outbox_ids(guardmail)
    assert guardmail(["outbox", "cancel", entry]).code == 0
