"""`guardmail init`: a commented first config from three answers or options; never a password,
never over an existing file; and the file it writes sends a first mail through a real server."""

from __future__ import annotations

import os
import pty
import re
import select
import stat
import subprocess
import time

from conftest import AUTH_USERS, binary_path

NAME = "山田 太郎"
ADDRESS = "taro@example.jp"


def init_args(server_url: str, *extra: str):
    return ["init", "--name", NAME, "--address", ADDRESS, "--smtp-url", server_url, *extra]


def with_test_ca(text: str, ca: str) -> str:
    """The file as a user edits it for a server with its own CA (one line after smtp_url) and
    for no countdown (the hold's line uncommented)."""
    assert "# hold_internal_seconds = 10" in text
    text = text.replace("# hold_internal_seconds = 10", "hold_internal_seconds = 0")
    lines = text.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("smtp_url = "))
    lines.insert(at + 1, 'ca_file = "%s"' % ca)
    return "\n".join(lines) + "\n"


def test_init_from_options_writes_a_commented_config_that_sends(guardmail, smtp_server, pki, tmp_path):
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    r = guardmail(init_args(server.url, "--username", "taro", "--password-command", "printf %s s3cret"))
    assert r.code == 0, r.describe()
    path = guardmail.config_path
    assert str(path) in r.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert 'from = "山田 太郎 <taro@example.jp>"' in text and f'smtp_url = "{server.url}"' in text
    assert 'username = "taro"' in text and 'password_command = "printf %s s3cret"' in text
    # The other ways to give a password are shown, commented; there is no password in the file.
    assert '# password_command = "pass show mail/main"' in text
    assert "# password_command = \"secret-tool lookup" in text
    assert "s3cret" not in text.replace('password_command = "printf %s s3cret"', "")
    assert sum(1 for line in text.splitlines() if line.startswith("#")) >= 10

    path.write_text(with_test_ca(text, str(pki.ca_cert)), encoding="utf-8")
    body = tmp_path / "body.txt"
    body.write_text("はじめてのメールです。\n", encoding="utf-8")
    sent = guardmail(["send", "--to", "hanako@example.jp", "--subject", "はじめて", "--body-file", str(body)])
    assert sent.code == 0, sent.describe()
    assert len(server.transactions) == 1 and server.transactions[0].auth_login == "taro", server.summary()
    assert server.transactions[0].rcpt_tos == ["hanako@example.jp"]


def test_init_never_overwrites(guardmail):
    guardmail.config_path.parent.mkdir(parents=True)
    guardmail.config_path.write_text("# mine\n")
    r = guardmail(init_args("smtps://mail.example.jp"))
    assert r.code == 73, r.describe()
    assert "already there" in r.stderr and str(guardmail.config_path) in r.stderr
    assert guardmail.config_path.read_text() == "# mine\n"


def test_without_a_terminal_missing_answers_are_named(guardmail):
    r = guardmail(["init", "--name", NAME])
    assert r.code == 64, r.describe()
    assert "--address" in r.stderr and "--smtp-url" in r.stderr and "--name" not in r.stderr.split("give", 1)[1]
    assert not guardmail.config_path.exists()


def test_bad_answers_are_refused_with_the_value(guardmail):
    r = guardmail(["init", "--name", NAME, "--address", "taro at example.jp", "--smtp-url", "smtps://mail.example.jp"])
    assert r.code == 65 and "'taro at example.jp'" in r.stderr, r.describe()
    r = guardmail(init_args("mail.example.jp"))
    assert r.code == 65 and "'mail.example.jp'" in r.stderr and "smtp://" in r.stderr, r.describe()
    r = guardmail(init_args("smtps://mail.example.jp", "--username", "taro"))
    assert r.code == 64 and "--password-command" in r.stderr, r.describe()
    assert not guardmail.config_path.exists()


class Terminal:
    """guardmail on a pseudo-terminal: read until a text shows (bounded), type a line."""

    def __init__(self, args, env):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([str(binary_path()), *args], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, close_fds=True)
        os.close(slave)
        self.seen = b""
        self.position = 0  # where the next expect starts looking

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen[self.position:]:
            left = deadline - time.monotonic()
            assert left > 0, f"never showed {text!r}; the terminal has:\n{self.seen.decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"ended before {text!r}:\n{self.seen.decode(errors='replace')}"
                self.seen += chunk
        self.position = self.seen.index(text.encode(), self.position) + len(text.encode())

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait(self, timeout: float = 30) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            os.close(self.master)
        return code


def test_init_asks_on_the_terminal_and_never_for_a_password(guardmail):
    terminal = Terminal(["init"], guardmail.env())
    terminal.expect("Your name")
    terminal.type(NAME)
    terminal.expect("Your email address")
    terminal.type(ADDRESS)
    terminal.expect("SMTP server")
    terminal.type("mail.example.jp")  # no scheme: asked again
    terminal.expect("must start with smtp://")
    terminal.expect("SMTP server (smtp://host:587 or smtps://host:465): ", timeout=30)
    terminal.type("smtps://mail.example.jp:465")
    terminal.expect("Wrote ")
    assert terminal.wait() == 0, terminal.seen.decode(errors="replace")
    shown = terminal.seen.decode(errors="replace").lower()
    # No question about a password (a prompt is a line ending in ": " that waits for a line).
    assert not re.search(r"(?m)password[^\n]*:\s*$", shown), shown
    assert "password_command" in shown
    text = guardmail.config_path.read_text(encoding="utf-8")
    assert 'smtp_url = "smtps://mail.example.jp:465"' in text and "<taro@example.jp>" in text
    check = guardmail(["policy"])
    assert check.code == 0, check.describe()
