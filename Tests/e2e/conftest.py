"""Fixtures for guardmail's end-to-end tests.

Run with Debian's interpreter, which has python3-aiosmtpd and python3-pytest:

    /usr/bin/python3 -m pytest Tests/e2e -q

Fixtures
  pki            (session) smtpserver.PKI: test CA, untrusted CA, server certs
  smtp_server    factory: smtp_server(**SMTPServer options) -> started SMTPServer
                 on 127.0.0.1:<free port>; every server is stopped after the test
  fault_server   factory: fault_server(fault="none", **params) -> started
                 faultserver.FaultServer (raw-socket server that misbehaves on purpose;
                 the faults are listed in faultserver.py), recording to
                 <tmp>/faultserver-N.json; settled after every guardmail run, stopped
                 after the test
  config_for     config_for(server, **overrides) -> config.toml text for account "test"
  guardmail      runner: guardmail(args, config=None, input=None, timeout=60, env=None)
                 -> Result(code, stdout, stderr); also .home, .config_path, .tmp
  guardmail_bin  path of the binary under test (GUARDMAIL_BIN or <repo>/.build/debug/guardmail)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import faultserver  # noqa: E402
import smtpserver  # noqa: E402

# guardmail refuses a config, organisation policy, address book or theme that others can write
# (and one in a folder others can write): the files and folders the tests create must not
# depend on the umask of whoever runs them (a user session often has 002).
os.umask(0o022)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / ".build/debug/guardmail"
SETTLE_TIMEOUT = 10.0  # s: how long a server may still hold a connection after the client exited

AUTH_USERS = {"taro": "s3cret"}
FROM = "山田 太郎 <taro@example.jp>"
PASSWORD_COMMAND = "printf %s 's3cret'"


def binary_path() -> Path:
    return Path(os.environ.get("GUARDMAIL_BIN") or DEFAULT_BIN)


# --------------------------------------------------------------------------
# SMTP servers


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> smtpserver.PKI:
    return smtpserver.make_pki(tmp_path_factory.mktemp("pki"))


class ServerFactory:
    def __init__(self, pki: smtpserver.PKI):
        self.pki = pki
        self.servers: List[smtpserver.SMTPServer] = []

    def __call__(self, **options) -> smtpserver.SMTPServer:
        server = smtpserver.SMTPServer(self.pki, **options)
        server.start()
        self.servers.append(server)
        return server

    def settle_all(self, timeout: float = SETTLE_TIMEOUT) -> None:
        for server in self.servers:
            if not server.settle(timeout):
                pytest.fail("SMTP server on port %s still has a client connection "
                            "%.0f s after guardmail exited; %s"
                            % (server.port, timeout, server.summary()))

    def stop_all(self) -> None:
        errors = []
        while self.servers:
            server = self.servers.pop()
            try:
                server.stop()
            except Exception as e:  # keep stopping the others
                errors.append(e)
        if errors:
            raise errors[0]


@pytest.fixture
def smtp_server(pki):
    factory = ServerFactory(pki)
    yield factory
    factory.stop_all()


@pytest.fixture
def fault_server(pki, smtp_server, tmp_path):
    """fault_server(fault="none", **params) -> a started FaultServer.  It joins the
    smtp_server factory's list, so guardmail runs wait for it to settle and it is stopped
    with the others."""
    count = [0]

    def make(fault: str = "none", **params) -> faultserver.FaultServer:
        count[0] += 1
        server = faultserver.FaultServer(
            pki, fault, record=tmp_path / ("faultserver-%d.json" % count[0]), **params)
        server.start()
        smtp_server.servers.append(server)
        return server

    return make


# --------------------------------------------------------------------------
# Config


def toml_str(value: str) -> str:
    """A TOML basic string."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_DEFAULT = object()


@pytest.fixture
def config_for(pki):
    """config_for(server=None, *, url=None, from_addr=FROM, username="taro",
    password_command=PASSWORD_COMMAND, ca_file=<test CA>, insecure=None,
    extra_lines=(), account="test", hold=0) -> TOML text.

    A keyword set to None leaves that key out.  ca_file defaults to the test
    CA; url defaults to server.url.  `hold` sets both hold lengths of the
    user's [policy] (0: a send goes through the outbox at once; None: the
    built-in 10 s / 60 s); tests of the hold itself pass their own.
    """

    def build(server: Optional[smtpserver.SMTPServer] = None, *, url: Optional[str] = None,
              from_addr: Optional[str] = FROM, username: Optional[str] = "taro",
              password_command: Optional[str] = PASSWORD_COMMAND,
              ca_file=_DEFAULT, insecure: Optional[bool] = None,
              extra_lines: Sequence[str] = (), account: str = "test",
              hold: Optional[int] = 0) -> str:
        if url is None:
            if server is None:
                raise ValueError("config_for needs a server or a url")
            url = server.url
        if ca_file is _DEFAULT:
            ca_file = str(pki.ca_cert)
        lines = [f"default_account = {toml_str(account)}", "", f"[accounts.{account}]"]
        if from_addr is not None:
            lines.append(f"from = {toml_str(from_addr)}")
        lines.append(f"smtp_url = {toml_str(url)}")
        if username is not None:
            lines.append(f"username = {toml_str(username)}")
        if password_command is not None:
            lines.append(f"password_command = {toml_str(password_command)}")
        if ca_file is not None:
            lines.append(f"ca_file = {toml_str(str(ca_file))}")
        if insecure is not None:
            lines.append(f"insecure = {'true' if insecure else 'false'}")
        extra = list(extra_lines)
        if hold is not None:
            hold_lines = [f"hold_internal_seconds = {hold}", f"hold_external_seconds = {hold}"]
            if "[policy]" in extra:
                at = extra.index("[policy]") + 1
                extra[at:at] = hold_lines
            else:
                extra += ["", "[policy]"] + hold_lines
        lines.extend(extra)
        return "\n".join(lines) + "\n"

    return build


# --------------------------------------------------------------------------
# Running guardmail


class Result:
    """What one run of guardmail did.  Unpacks as (code, stdout, stderr)."""

    def __init__(self, args, code: int, stdout: bytes, stderr: bytes):
        self.args = list(args)
        self.code = code
        self.stdout_bytes = stdout
        self.stderr_bytes = stderr
        self.stdout = stdout.decode("utf-8", "surrogateescape")
        self.stderr = stderr.decode("utf-8", "surrogateescape")

    def __iter__(self):
        return iter((self.code, self.stdout, self.stderr))

    def describe(self) -> str:
        def clip(text: str, limit: int = 4000) -> str:
            return text if len(text) <= limit else text[:limit] + "\n…[%d more chars]" % (
                len(text) - limit)
        return "guardmail %s\n  exit: %d\n  stderr:\n%s\n  stdout:\n%s" % (
            " ".join(self.args), self.code, clip(self.stderr), clip(self.stdout))


def clean_env(tmp: Path, home: Path, config_home: Path, data_home: Path, term: str) -> Dict[str, str]:
    """A clean environment: nothing from the developer's shell leaks in (no proxies, no real
    config, no locale surprises)."""
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config_home),
        "XDG_DATA_HOME": str(data_home),
        "XDG_STATE_HOME": str(tmp / "xdg-state"),
        "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
        "TMPDIR": str(tmp / "tmp"),
        "LANG": "C.UTF-8",
        "TERM": term,
    }


def send_args(*, to=(), cc=(), bcc=(), subject="test", body_file, attach=(), accept=(), extra=()):
    """Arguments for `guardmail send`."""
    args = ["send"]
    for flag, values in (("--to", to), ("--cc", cc), ("--bcc", bcc)):
        for value in values:
            args += [flag, value]
    args += ["--subject", subject, "--body-file", str(body_file)]
    for path in attach:
        args += ["--attach", str(path)]
    for rule in accept:
        args += ["--accept", rule]
    return args + list(extra)


class Runner:
    def __init__(self, tmp: Path, servers: ServerFactory):
        self.tmp = tmp
        self.home = tmp / "home"
        self.config_home = tmp / "xdg-config"
        self.data_home = tmp / "xdg-data"
        for d in (self.home, self.config_home, self.data_home,
                  tmp / "xdg-state", tmp / "xdg-cache", tmp / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        self.config_path = self.config_home / "guardmail" / "config.toml"
        self._servers = servers

    def env(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        env = clean_env(self.tmp, self.home, self.config_home, self.data_home, term="dumb")
        if extra:
            env.update(extra)
        return env

    def __call__(self, args: Sequence[Union[str, os.PathLike]], config: Optional[str] = None,
                 input: Union[None, str, bytes] = None, timeout: float = 60,
                 env: Optional[Dict[str, str]] = None) -> Result:
        binary = binary_path()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            pytest.fail(f"guardmail binary not found at {binary}: run `swift build` in "
                        f"{REPO_ROOT} first (or set GUARDMAIL_BIN to the binary to test)",
                        pytrace=False)
        if config is not None:
            self.config_path.parent.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(config, encoding="utf-8")
        argv = [str(binary), *[os.fspath(a) for a in args]]
        if isinstance(input, str):
            input = input.encode("utf-8")
        try:
            proc = subprocess.run(
                argv, input=input, stdin=subprocess.DEVNULL if input is None else None,
                capture_output=True, env=self.env(env), cwd=self.tmp, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            partial = Result(argv[1:], -1, e.stdout or b"", e.stderr or b"")
            pytest.fail(f"guardmail did not finish within {timeout} s (killed)\n"
                        + partial.describe(), pytrace=False)
        # Whatever the client sent before it exited must have been processed
        # before the test looks at what the servers recorded.
        self._servers.settle_all()
        return Result(argv[1:], proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def guardmail(tmp_path, smtp_server) -> Runner:
    return Runner(tmp_path / "gm", smtp_server)


@pytest.fixture(scope="session")
def guardmail_bin() -> Path:
    binary = binary_path()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"guardmail binary not found at {binary}: run `swift build` in "
                    f"{REPO_ROOT} first (or set GUARDMAIL_BIN)", pytrace=False)
    return binary
