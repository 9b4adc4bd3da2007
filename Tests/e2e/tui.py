"""Real-terminal helpers for the composer's end-to-end tests (tmux 3.3a).

Every launch of guardmail gets its own tmux server (a unique `-L` socket), a
pane of the requested size running a small shell script:

    stty -g > stty-before
    env -i PATH=… HOME=… XDG_*=… LANG=C.UTF-8 TERM=tmux-256color guardmail ARGS…
    rc=$?; stty -g > stty-after; printf '[guardmail exited %s]\\n' $rc
    echo $rc > status; exec sleep …

so the pane stays readable after guardmail exits, the exit status is in a file,
and the terminal modes before and after can be compared.  Every server is
killed in teardown (and its socket file removed: tmux 3.3a leaves it behind).

tmux 3.3a notes: `set -g window-size manual` in the config file makes
`new-session -d` crash the server; `resize-window` sets it per window by
itself, so it is not needed.  capture-pane trims trailing blanks, so a prompt
like ` Attach file: ` reads as ` Attach file:`.

API (the `composer` fixture yields a ComposerHome):

  ComposerHome
    .server                     the STARTTLS+AUTH SMTPServer the config points at
    .home, .config_home, .data_home, .tmp, .drafts_dir
    .launch(args=(), env=None, width=100, height=30) -> Pane
    .drafts() -> [Draft]        the drafts Maildir, decoded (newest last)
    .wait_for_draft(pred, timeout=10, what="") -> Draft
    .draft_files() -> [Path]    every file in drafts/{cur,new,tmp}

  Pane
    .text(s)                    type text (send-keys -l)
    .paste(s, bracketed=True)   paste text (load-buffer + paste-buffer [-p])
    .screen_with_attributes()   capture-pane -p -e (with SGR sequences)
    .keys(*names)               special keys: Tab BTab Escape Enter BSpace C-c C-u Left …
    .screen() -> str            capture-pane -p (visible screen, trailing blanks trimmed)
    .lines() -> [str]
    .screen_with_history() -> str
    .wait_for(cond, timeout=10, what=None) -> str
                                cond: substring | compiled regex | callable(screen)->bool;
                                fails with the last screen on timeout, and early
                                (after a grace period) when guardmail has exited
    .wait_gone(cond, …)         the opposite
    .command_mode() / .editing_mode()
                                wait until the command legend is shown / gone
    .exit_status() -> int|None, .wait_exit(timeout=15) -> int
    .resize(w, h), .size() -> (w, h), .cursor() -> (x, y, visible)
    .pane_flag(name) -> str     any tmux format, e.g. alternate_on
    .app_pid() -> int|None, .kill9()
    .stty_before(), .stty_after()
    .close()

  Screen parsing (pure functions on a captured screen):
    field_row(screen, "To") -> int|None        the row of the ` To:` field
    field_value(screen, "To") -> str|None      text after the ` To:` label
    line_below(screen, "To") -> str|None       the line right under the field
    error_under(screen, "To") -> str|None      that line if it is a `✗ …` line
    rule_rows(screen) -> [int]                 indexes of the full-width ─ rules
    body_lines(screen), status_line(screen), legend_lines(screen)
    legend_entries(legend_lines) -> [(key, label)]
    in_command_mode(screen), in_editing_mode(screen)
    attachment_rows(screen) -> [str]
    display_width(s), nfc(s or [s])
    composer_at(screen, width) -> bool         the whole composer drawn at that width

  Mail helpers: parse(raw), body_text(msg), attachments(msg)
"""

from __future__ import annotations

import email
import email.headerregistry
import email.policy
import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import pytest

import smtpserver
from conftest import AUTH_USERS, binary_path, clean_env

TMUX = shutil.which("tmux") or "/usr/bin/tmux"
DEFAULT_TIMEOUT = 10.0
SETTLE = 0.08  # seconds a frame must stay unchanged to count as drawn
POLL = 0.05
EXIT_GRACE = 1.0  # s: after guardmail exited, how long the screen may still change
TMUX_CMD_TIMEOUT = 10.0

# The legend in command mode, from the key table in docs/composer.md.
COMMAND_LEGEND = [("t", "To"), ("c", "Cc"), ("b", "Bcc"), ("s", "Subject"), ("i", "Body"),
                  ("a", "Attach"), ("D", "Detach"), ("e", "Editor"), ("y", "Send"),
                  ("u", "Undo"), ("o", "Outbox"), ("P", "Postpone"), ("q", "Quit"), ("?", "Help")]

_counter = itertools.count(1)

Condition = Union[str, "re.Pattern[str]", Callable[[str], object]]


# --------------------------------------------------------------------------
# Display width (what a terminal gives a character)


def char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def nfc(value):
    """NFC of a string or of each string in a list: for comparing what a screen shows
    (a terminal may show か+U+3099 or the precomposed が; both look the same, while a
    dropped mark does not).  What reached the server is compared exactly, never with this."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None:
        return None
    return [unicodedata.normalize("NFC", v) for v in value]


# --------------------------------------------------------------------------
# Screen parsing


FIELD_LABELS = ("From", "To", "Cc", "Bcc", "Subject", "Attach")


def _field_row(lines: Sequence[str], label: str) -> Optional[int]:
    prefix = " %s:" % label
    for index, line in enumerate(lines):
        if line.startswith(prefix):
            return index
    return None


def field_row(screen: str, label: str) -> Optional[int]:
    """The screen row of the ` <label>:` field, or None."""
    return _field_row(screen.split("\n"), label)


def field_value(screen: str, label: str) -> Optional[str]:
    """The text after the ` <label>:` label (stripped), or None when there is no such row."""
    lines = screen.split("\n")
    row = _field_row(lines, label)
    if row is None:
        return None
    return lines[row][len(label) + 2:].strip()


def line_below(screen: str, label: str) -> Optional[str]:
    lines = screen.split("\n")
    row = _field_row(lines, label)
    if row is None or row + 1 >= len(lines):
        return None
    return lines[row + 1]


def error_under(screen: str, label: str) -> Optional[str]:
    """The `✗ …` line right under the field, or None."""
    below = line_below(screen, label)
    if below is not None and below.strip().startswith("✗"):
        return below.strip()
    return None


def is_rule(line: str) -> bool:
    return len(line) > 0 and set(line) == {"─"}


def rule_rows(screen: str) -> List[int]:
    return [i for i, line in enumerate(screen.split("\n")) if is_rule(line)]


def body_lines(screen: str) -> List[str]:
    """The lines between the two rules, trailing empty lines dropped."""
    lines = screen.split("\n")
    rules = rule_rows(screen)
    assert len(rules) >= 2, "expected two rule lines around the body:\n" + screen
    body = lines[rules[0] + 1:rules[1]]
    while body and body[-1].strip() == "":
        body.pop()
    return body


def status_line(screen: str) -> str:
    lines = screen.split("\n")
    rules = rule_rows(screen)
    assert len(rules) >= 2, "expected two rule lines (the status line follows the second):\n" + screen
    return lines[rules[1] + 1] if rules[1] + 1 < len(lines) else ""


def legend_lines(screen: str) -> List[str]:
    lines = screen.split("\n")
    rules = rule_rows(screen)
    assert len(rules) >= 2, "expected two rule lines (the legend follows the status line):\n" + screen
    return [line for line in lines[rules[1] + 2:] if line.strip()]


def legend_entries(lines: Sequence[str]) -> List[Tuple[str, str]]:
    """(key, label) pairs of legend rows like ` t To  c Cc  b Bcc`."""
    entries = []
    for line in lines:
        for chunk in re.split(r" {2,}", line.strip()):
            key, _, label = chunk.partition(" ")
            entries.append((key, label))
    return entries


def attachment_rows(screen: str) -> List[str]:
    """The ` Attach:` row and the attachment rows under it (up to the first rule)."""
    lines = screen.split("\n")
    row = _field_row(lines, "Attach")
    if row is None:
        return []
    out = [lines[row]]
    for line in lines[row + 1:]:
        if is_rule(line) or re.match(r"^ [A-Z][a-z]*:", line):
            break
        out.append(line)
    return out


def composer_at(screen: str, width: int) -> bool:
    """The whole composer is drawn for `width` columns: the title on the first row
    (ending with the account), both rules exactly `width` wide, the command legend."""
    lines = screen.split("\n")
    rules = rule_rows(screen)
    return (len(rules) == 2 and all(len(lines[r]) == width for r in rules)
            and lines[0].startswith(" guardmail") and lines[0].rstrip().endswith("account: test")
            and in_command_mode(screen))


def in_command_mode(screen: str) -> bool:
    """The command legend (`… y Send …`) is at the bottom of the composer."""
    return _field_row(screen.split("\n"), "To") is not None and \
        any("y Send" in line for line in screen.split("\n")[-6:])


def in_editing_mode(screen: str) -> bool:
    """The composer is shown and the command legend is not (a field is being edited)."""
    return _field_row(screen.split("\n"), "To") is not None and \
        not any("y Send" in line for line in screen.split("\n")[-6:])


# --------------------------------------------------------------------------
# Mail


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def body_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain body part"
    return part.get_content().replace("\r\n", "\n")


def attachments(msg) -> list:
    return [p for p in msg.walk() if not p.is_multipart() and p.get_filename() is not None]


# Every header unstructured: a draft's To may hold an invalid address exactly as typed.
_RAW_POLICY = email.policy.default.clone(
    header_factory=email.headerregistry.HeaderRegistry(use_default_map=False))


@dataclass
class Draft:
    path: Path
    to: str
    cc: str
    bcc: str
    subject: str
    body: str
    attach: List[str]
    cursor: str
    raw: bytes = field(repr=False)


def decode_draft(path: Path) -> Draft:
    raw = path.read_bytes()
    msg = email.message_from_bytes(raw, policy=_RAW_POLICY)

    def header(name: str) -> str:
        value = msg.get(name)
        return "" if value is None else str(value)

    payload = msg.get_payload(decode=True) or b""
    return Draft(path=path, to=header("To"), cc=header("Cc"), bcc=header("Bcc"),
                 subject=header("Subject"), body=payload.decode("utf-8"),
                 attach=[str(v) for v in (msg.get_all("X-Guardmail-Attach") or [])],
                 cursor=header("X-Guardmail-Cursor"), raw=raw)


# --------------------------------------------------------------------------
# tmux


def _tmux_env() -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    env["LANG"] = "C.UTF-8"
    env.pop("LC_ALL", None)
    env.pop("LC_CTYPE", None)
    return env


TMUX_CONF = """\
set -g status off
set -g default-terminal tmux-256color
set -g remain-on-exit on
set -g history-limit 5000
set -sg escape-time 0
"""


CONFIRM_TITLE = "guardmail — check before sending"
SEND_WAIT = 30.0


def on_confirmation_screen(screen: str) -> bool:
    return screen.split("\n")[0].strip() == CONFIRM_TITLE


def confirm_status(screen: str) -> str:
    """The confirmation screen's status, joined again when it wraps over lines (up to the
    legend, which starts with `Space Tick`, or `y Send` when there is nothing to tick)."""
    lines = screen.split("\n")
    # The rule over the status (it may end with the list's position, `── 12/40 ─`).
    rules = [i for i, line in enumerate(lines) if line.startswith("─")]
    assert len(rules) >= 2, "expected two rule lines (the status follows the second):\n" + screen
    out = ""
    for line in lines[rules[-1] + 1:]:
        text = line.strip()
        if not text or text.startswith("Space Tick") or text.startswith("y Send"):
            break
        wide = out and char_width(out[-1]) == 2 and char_width(text[0]) == 2
        out = text if not out else out + ("" if wide else " ") + text
    return out


def challenge_status(status: str):
    """What the confirmation screen's status asks for: (kind, subject) or None."""
    patterns = [
        ("domain", r"^Type the domain (\S+) in its row"),
        ("name", r"^Type part of the file name (.+?) in its row"),
        ("title", r"^Type the first word of the title of (.+?) in its row"),
        ("recipient", r"^Type the number of the recipient (.+?) is for in its row"),
        ("wrong-recipient", r"^(.+) is not the recipient the text of .+ names"),
        ("answered", r"^Answered\."),
        ("wrong", r"^('.*' is not|Type the number of one recipient)"),
    ]
    # After rushed ticks the status gives the reason first, then what to type.
    status = re.sub(r"^Not sent: ticked faster than the items can be read \(\d+ of \d+\)\. ", "", status.strip())
    for kind, pattern in patterns:
        m = re.search(pattern, status)
        if m:
            return kind, (m.group(1) if m.groups() else "")
    return None


def title_word(screen: str, name: str) -> str:
    """The first word of the title of attachment `name` as its preview on the screen shows it
    (the rule guardmail uses: the first preview line with text, "title: " dropped, letters up
    to the first space or punctuation, at most 10)."""
    lines = screen.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip().startswith(name) or (" " + name + " ") in line), None)
    if start is None:
        return ""
    for line in lines[start + 1:]:
        if "│ " not in line:
            break
        text = line.split("│ ", 1)[1].strip()
        if text.startswith("! ") or text.startswith("sheet '"):
            continue
        if text.startswith("title: "):
            text = text[7:]
        def letter(ch):
            return not ch.isspace() and unicodedata.category(ch)[0] not in "PS"
        text = text.lstrip()
        while text and not letter(text[0]):
            text = text[1:]
        word = ""
        for ch in text:
            if not letter(ch):
                break
            word += ch
        if word:
            return word[:10]
    return ""


class Pane:
    """One guardmail run in its own tmux server."""

    def __init__(self, rundir: Path, argv: Sequence[str], env: Dict[str, str], cwd: Path,
                 width: int, height: int, sleep_after: int = 600):
        self.rundir = rundir
        rundir.mkdir(parents=True)
        self.socket = "gm-%d-%d" % (os.getpid(), next(_counter))
        self.status_path = rundir / "status"
        self.target = "gm:0.0"
        self.argv = list(argv)
        self._closed = False
        self._before_text: Optional[Tuple[str, str]] = None
        self.socket_path = ""
        conf = rundir / "tmux.conf"
        conf.write_text(TMUX_CONF)
        env_words = " ".join(shlex.quote("%s=%s" % kv) for kv in sorted(env.items()))
        script = rundir / "launch.sh"
        q = shlex.quote
        script.write_text(
            "cd %s || exit 99\n"
            "stty -g > %s 2>/dev/null\n"
            "env -i %s %s\n"
            "rc=$?\n"
            "stty -g > %s 2>/dev/null\n"
            "printf '[guardmail exited %%s]\\n' \"$rc\"\n"
            "echo \"$rc\" > %s.tmp && mv %s.tmp %s\n"
            "exec sleep %d\n" % (
                q(str(cwd)), q(str(rundir / "stty-before")), env_words,
                " ".join(q(a) for a in self.argv), q(str(rundir / "stty-after")),
                q(str(self.status_path)), q(str(self.status_path)), q(str(self.status_path)),
                sleep_after))
        self.tmux("-f", str(conf), "new-session", "-d", "-s", "gm", "-x", str(width),
                  "-y", str(height), "sh " + q(str(script)))
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    # -- tmux plumbing
    def tmux(self, *args: str, check: bool = True) -> str:
        argv = [TMUX, "-u", "-L", self.socket, *args]
        proc = subprocess.run(argv, capture_output=True, env=_tmux_env(),
                              timeout=TMUX_CMD_TIMEOUT, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise RuntimeError("tmux %s failed (%d): %s" % (
                " ".join(args), proc.returncode, proc.stderr.decode("utf-8", "replace")))
        return proc.stdout.decode("utf-8", "surrogateescape")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.tmux("kill-server", check=False)
            # tmux 3.3a leaves the socket file of a killed server behind.
            if self.socket_path:
                try:
                    os.unlink(self.socket_path)
                except OSError:
                    pass

    # -- input
    def text(self, text: str) -> None:
        """Types text literally (UTF-8), as a paste of keystrokes."""
        assert "\n" not in text, "type lines one by one with keys('Enter') in between"
        self._before_text = (self.screen(), text)
        self.tmux("send-keys", "-t", self.target, "-l", "--", text)

    # Keys that end a field. Typed text followed by one of these, if both reach guardmail in
    # one read, looks like an unbracketed paste (KeyBurst: text, a tab or line break, text)
    # and is taken as one. A person's keys arrive apart; on a busy machine tmux's do not.
    SEPARATORS = ("Tab", "BTab", "Enter")

    def keys(self, *names: str) -> None:
        for name in names:
            if name in self.SEPARATORS:
                self._settle_typed_text()
            self._before_text = None
            self.tmux("send-keys", "-t", self.target, name)

    def _settle_typed_text(self, limit: float = 3.0) -> None:
        """Waits (bounded, never failing) until the text typed last shows on the screen once
        more than before it was typed: guardmail has read it, so the separator that follows
        arrives as a key of its own. (A screen that merely changed may still be drawing the
        key before the text.) Text that wraps or scrolls out of sight costs the whole limit."""
        if self._before_text is None:
            return
        before, text = self._before_text
        tail = nfc(text[-4:])
        seen = nfc(before).count(tail)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and nfc(self.screen()).count(tail) <= seen:
            time.sleep(0.01)

    def paste(self, text: str, bracketed: bool = True) -> None:
        """Pastes text as a terminal does: tmux load-buffer + paste-buffer (LF sent as CR).
        With `bracketed`, wrapped in ESC[200~ … ESC[201~ when the application turned on
        mode 2004 (paste-buffer -p); without it, the bytes arrive unmarked, in one write."""
        self._before_text = None
        buffer = self.rundir / ("paste-%d" % next(_counter))
        buffer.write_bytes(text.encode("utf-8"))
        self.tmux("load-buffer", "-b", "gm-paste", str(buffer))
        self.tmux("paste-buffer", *(["-p"] if bracketed else []), "-d", "-b", "gm-paste", "-t", self.target)

    def screen_with_attributes(self) -> str:
        """capture-pane -e: the visible screen with its SGR escape sequences."""
        return self.tmux("capture-pane", "-p", "-e", "-t", self.target).rstrip("\n")

    # -- output
    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.target).rstrip("\n")

    def lines(self) -> List[str]:
        return self.screen().split("\n")

    def screen_with_history(self) -> str:
        return self.tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t", self.target).rstrip("\n")

    def pane_flag(self, name: str) -> str:
        return self.tmux("display-message", "-p", "-t", self.target, "#{%s}" % name).strip()

    def size(self) -> Tuple[int, int]:
        w, h = self.tmux("display-message", "-p", "-t", self.target,
                         "#{pane_width} #{pane_height}").split()
        return int(w), int(h)

    def cursor(self) -> Tuple[int, int, bool]:
        x, y, flag = self.tmux("display-message", "-p", "-t", self.target,
                               "#{cursor_x} #{cursor_y} #{cursor_flag}").split()
        return int(x), int(y), flag == "1"

    def resize(self, width: int, height: int) -> None:
        # resize-window sets the window's window-size to manual itself (tmux 3.3a);
        # `set -g window-size manual` in the config file crashes 3.3a's new-session -d.
        self.tmux("resize-window", "-t", "gm:0", "-x", str(width), "-y", str(height))
        deadline = time.monotonic() + DEFAULT_TIMEOUT
        while self.size() != (width, height):
            if time.monotonic() > deadline:
                pytest.fail("tmux did not resize the pane to %dx%d (it is %r)" % (
                    width, height, self.size()))
            time.sleep(POLL)

    # -- the process
    def exit_status(self) -> Optional[int]:
        try:
            text = self.status_path.read_text().strip()
        except FileNotFoundError:
            return None
        return int(text) if text else None

    def discard_long_draft(self) -> int:
        """From the composer's command mode: q, d, and y to the second question a draft of more
        than a few words asks (docs/composer.md, "Leaving"); returns the exit status."""
        self.keys("q")
        self.wait_for("(d) discard the message")
        self.keys("d")
        self.wait_for("(y) yes, discard the message", what="the second question")
        self.keys("y")
        return self.wait_exit()

    def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while True:
            code = self.exit_status()
            if code is not None:
                return code
            if time.monotonic() > deadline:
                pytest.fail("guardmail did not exit within %.0f s; screen:\n%s" % (
                    timeout, self.framed()), pytrace=False)
            time.sleep(POLL)

    def stty_before(self) -> str:
        return (self.rundir / "stty-before").read_text().strip()

    def stty_after(self) -> str:
        return (self.rundir / "stty-after").read_text().strip()

    def app_pid(self) -> Optional[int]:
        """guardmail's pid: the child of the pane's shell whose executable is the binary."""
        shell = int(self.pane_flag("pane_pid"))
        try:
            children = Path("/proc/%d/task/%d/children" % (shell, shell)).read_text().split()
        except FileNotFoundError:
            return None
        binary = os.path.realpath(self.argv[0])
        for child in children:
            try:
                exe = os.readlink("/proc/%s/exe" % child)
            except OSError:
                continue
            if exe == binary:
                return int(child)
        return None

    def kill9(self) -> int:
        pid = self.app_pid()
        assert pid is not None, "no guardmail process under the pane; screen:\n" + self.framed()
        os.kill(pid, signal.SIGKILL)
        return self.wait_exit()

    # -- waiting
    def framed(self, screen: Optional[str] = None) -> str:
        if screen is None:
            try:
                screen = self.screen()
            except Exception as e:  # the server may be gone
                screen = "(cannot capture: %r)" % e
        lines = screen.split("\n")
        body = "\n".join("%2d│%s" % (i, line) for i, line in enumerate(lines))
        code = self.exit_status()
        tail = "" if code is None else "\n(guardmail exited with status %d)" % code
        return body + tail

    @staticmethod
    def _matches(cond: Condition, screen: str) -> bool:
        if isinstance(cond, str):
            return cond in screen
        if isinstance(cond, re.Pattern):
            return cond.search(screen) is not None
        try:
            return bool(cond(screen))
        except (AssertionError, IndexError, ValueError):
            # A parser helper found no composer on this screen (yet): not a match.
            return False

    def wait_for(self, cond: Condition, timeout: float = DEFAULT_TIMEOUT,
                 what: Optional[str] = None, negate: bool = False) -> str:
        """Polls the screen until `cond` holds; returns that screen."""
        deadline = time.monotonic() + timeout
        exited_at: Optional[float] = None
        screen = ""
        problem = ""
        while True:
            screen = self.screen()
            # A frame caught half-drawn (ncurses' output arrives in pieces) can trip a screen
            # parser, or pass a check while the rest of it is still old: that is "not yet". Only
            # a settled frame (unchanged a moment later) decides.
            try:
                if self._matches(cond, screen) != negate:
                    # Only a settled frame counts: the same screen a moment later.
                    time.sleep(SETTLE)
                    again = self.screen()
                    if again == screen:
                        return screen
                    continue
            except (AssertionError, ValueError, IndexError) as error:
                problem = "; last check raised: %s" % str(error).splitlines()[0]
            now = time.monotonic()
            if exited_at is None and self.exit_status() is not None:
                exited_at = now
            if now > deadline or (exited_at is not None and now - exited_at > EXIT_GRACE):
                desc = what or (cond if isinstance(cond, str) else getattr(cond, "pattern", repr(cond)))
                why = "guardmail exited" if exited_at is not None and now <= deadline else \
                    "timed out after %.0f s" % timeout
                pytest.fail("waiting for %s%r: %s%s; last screen:\n%s" % (
                    "the end of " if negate else "", desc, why, problem, self.framed(screen)),
                    pytrace=False)
            time.sleep(POLL)

    def wait_gone(self, cond: Condition, timeout: float = DEFAULT_TIMEOUT,
                  what: Optional[str] = None) -> str:
        return self.wait_for(cond, timeout, what, negate=True)

    # The confirmation screen, as a user who reads it: tick every item, y, and answer any
    # challenge the screen asks (guardmail asks one when the ticks come faster than the items
    # can be read, which a script's always do, and for high-risk findings).

    def tick_everything(self) -> str:
        """Space on each row that asks for a tick (one key per item, no tick-all) until the
        status says everything is ticked (or, every tick given, asks for a challenge's answer);
        returns that screen. Ticks at machine speed."""
        def done(screen: str) -> bool:
            status = confirm_status(screen)
            return "Everything is ticked" in status or "Nothing to tick" in status or challenge_status(status) is not None
        for _ in range(400):
            screen = self.screen()
            if done(screen):
                return screen
            self.keys("Space")
            time.sleep(0.05)
        return self.wait_for(done, what="every item ticked")

    def confirm_everything(self, tick: bool = True) -> str:
        """Ticks everything (unless `tick` is false), presses y, and answers each challenge the
        screen asks, reading its words from the status line and the screen (the domain to
        type, the file whose name or title to type, the recipients to choose from), then y
        again; returns the first screen that is no longer the confirmation screen. Fails on
        a challenge it cannot read."""
        screen = self.tick_everything() if tick else self.screen()
        asked = challenge_status(confirm_status(screen))
        if asked is not None and asked[0] != "answered":
            # The cursor may be on the challenge, where y would be a letter: off it first (y then
            # brings it back to the first challenge not answered).
            self.keys("Down")
        self.keys("y")
        recipient_try = 0
        # The status before y counts only when y changes it ("Answered." → sent, or the next
        # challenge); a challenge asked before y is asked again by it (the keys go in order).
        status = confirm_status(screen) if asked is not None and asked[0] == "answered" else None
        for _ in range(12):
            screen = self.wait_for(
                lambda s: not on_confirmation_screen(s) or (confirm_status(s) != status and challenge_status(confirm_status(s)) is not None),
                timeout=SEND_WAIT, what="the screen after y or an answer")
            if not on_confirmation_screen(screen):
                return screen
            status = confirm_status(screen)
            kind, subject = challenge_status(status)
            # The cursor is on the challenge: type the answer, Enter (y there would be a letter).
            if kind == "answered":
                self.keys("y")
            elif kind in ("domain", "name"):
                self.text(subject)
                self.keys("Enter")
            elif kind == "title":
                word = title_word(screen, subject)
                assert word, "no preview line of %s to read its title from:\n%s" % (subject, self.framed(screen))
                self.text(word)
                self.keys("Enter")
            elif kind in ("recipient", "wrong-recipient"):
                # The sender reads the file and picks; a script tries each recipient in turn.
                if recipient_try:
                    self.keys("BSpace", "BSpace", "BSpace")
                recipient_try += 1
                self.text(str(recipient_try))
                self.keys("Enter")
            else:
                raise AssertionError("a wrong answer: %s\n%s" % (status, self.framed(screen)))
        raise AssertionError("still on the confirmation screen:\n" + self.framed())

    def command_mode(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        return self.wait_for(in_command_mode, timeout, "the command legend (… y Send …)")

    def editing_mode(self, timeout: float = DEFAULT_TIMEOUT) -> str:
        return self.wait_for(in_editing_mode, timeout, "editing (the composer without the command legend)")


# --------------------------------------------------------------------------
# A user's home for the composer


class ComposerHome:
    def __init__(self, tmp: Path, config: str, server: smtpserver.SMTPServer,
                 binary: Path):
        self.tmp = tmp
        self.server = server
        self.binary = binary
        self.home = tmp / "home"
        self.config_home = tmp / "xdg-config"
        self.data_home = tmp / "xdg-data"
        self.work = tmp / "work"
        for d in (self.home, self.config_home, self.data_home, self.work,
                  tmp / "xdg-state", tmp / "xdg-cache", tmp / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        self.config_path = self.config_home / "guardmail" / "config.toml"
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(config, encoding="utf-8")
        self.drafts_dir = self.data_home / "guardmail" / "drafts"
        self.panes: List[Pane] = []

    def env(self, extra: Optional[Dict[str, Optional[str]]] = None) -> Dict[str, str]:
        env = clean_env(self.tmp, self.home, self.config_home, self.data_home, term="tmux-256color")
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def launch(self, args: Sequence[str] = (), env: Optional[Dict[str, Optional[str]]] = None,
               width: int = 100, height: int = 30) -> Pane:
        pane = Pane(self.tmp / ("run-%d" % (len(self.panes) + 1)),
                    [str(self.binary), *args], self.env(env), self.work, width, height)
        self.panes.append(pane)
        return pane

    def close(self) -> None:
        for pane in self.panes:
            pane.close()

    # -- drafts
    def draft_files(self) -> List[Path]:
        files = []
        for sub in ("cur", "new", "tmp"):
            d = self.drafts_dir / sub
            if d.is_dir():
                files.extend(sorted(p for p in d.iterdir()))
        return files

    def drafts(self) -> List[Draft]:
        cur = self.drafts_dir / "cur"
        if not cur.is_dir():
            return []
        out = []
        for path in sorted(cur.iterdir(), key=lambda p: p.stat().st_mtime):
            try:
                out.append(decode_draft(path))
            except FileNotFoundError:  # replaced between listing and reading
                continue
        return out

    def wait_for_draft(self, pred: Callable[[Draft], bool], timeout: float = DEFAULT_TIMEOUT,
                       what: str = "a draft") -> Draft:
        deadline = time.monotonic() + timeout
        while True:
            drafts = self.drafts()
            for draft in drafts:
                if pred(draft):
                    return draft
            if time.monotonic() > deadline:
                pytest.fail("no draft in %s matched (%s) within %.0f s; drafts: %r" % (
                    self.drafts_dir, what, timeout, drafts), pytrace=False)
            time.sleep(POLL)


@pytest.fixture
def composer(tmp_path, smtp_server, config_for) -> ComposerHome:
    """A home with a config pointing at a fresh STARTTLS+AUTH server; tmux servers
    started through it are killed afterwards."""
    binary = binary_path()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail("guardmail binary not found at %s" % binary, pytrace=False)
    if not Path(TMUX).is_file():
        pytest.fail("tmux is not installed (apt-get install tmux)", pytrace=False)
    server = smtp_server(starttls=True, auth_users=AUTH_USERS)
    home = ComposerHome(tmp_path / "gm", config_for(server), server, binary)
    try:
        yield home
    finally:
        home.close()
