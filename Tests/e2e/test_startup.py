"""What the composer does before its first frame (docs/composer.md, "Starting"): only what that
frame shows. libcurl is opened when a message is first submitted, not linked into the binary;
the send journal is opened after the first frame when the outbox is empty, before the first key
is handled.

The binary's dynamic section is read with readelf; the composer runs in tmux (tui.py) against
the STARTTLS+AUTH server.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess

import pytest

from test_compose import esc, only_transaction, send_routine
from tui import ComposerHome, composer  # noqa: F401


def test_libcurl_is_not_linked_but_opened_when_needed(guardmail_bin):
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.fail("readelf is not installed (apt-get install binutils)", pytrace=False)
    dynamic = subprocess.run([readelf, "-d", str(guardmail_bin)], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    assert needed, dynamic
    assert not [name for name in needed if "curl" in name], needed
    # --version still names libcurl's version: it opens the library for that.
    version = subprocess.run([str(guardmail_bin), "--version"], capture_output=True, text=True, timeout=10)
    assert version.returncode == 0, version.stderr
    assert re.fullmatch(r"guardmail \S+ \(libcurl \d+\.\d+\.\d+\S*\)\n", version.stdout), version.stdout


def test_first_frame_does_not_wait_for_the_journal(composer: ComposerHome, tmp_path):
    """Another process holds the send journal locked while the composer starts: the first frame
    comes anyway (the outbox is empty, so nothing waits for the user), the journal is opened once
    it is free, and the message is sent and journaled. Before, the journal was opened before the
    first frame: the frame came only after the journal's busy wait gave up, and nothing could be
    sent from that composer."""
    # The journal exists (made by `guardmail outbox`) and is locked by this test.
    made = subprocess.run([str(composer.binary), "outbox"], env=composer.env(), capture_output=True, text=True,
                          timeout=30)
    assert made.returncode == 0, made.stderr
    journal = composer.data_home / "guardmail" / "journal.sqlite"
    assert journal.is_file()
    lock = sqlite3.connect(str(journal), isolation_level=None, timeout=0)
    try:
        lock.execute("PRAGMA locking_mode = EXCLUSIVE")
        lock.execute("BEGIN EXCLUSIVE")
        # Held: nobody else can read it now.
        other = sqlite3.connect(str(journal), timeout=0)
        with pytest.raises(sqlite3.OperationalError):
            other.execute("SELECT count(*) FROM sqlite_master").fetchall()
        other.close()

        body = tmp_path / "body.txt"
        body.write_text("本文です。\n", encoding="utf-8")
        pane = composer.launch(["--no-drafts", "--to", "hanako@example.jp", "--subject", "journal busy",
                                "--body-file", str(body)])
        pane.wait_for(lambda s: "journal busy" in s and "Leave, keep draft" in s,
                      what="the first frame while the journal is locked")
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    esc(pane)
    # Internal, nothing to confirm: straight to the hold (issue 15).
    assert send_routine(pane) == 0, pane.framed(pane.screen_with_history())
    transaction = only_transaction(composer.server)
    assert transaction.rcpt_tos == ["hanako@example.jp"]
    check = sqlite3.connect(str(journal))
    try:
        assert check.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    finally:
        check.close()


def test_a_libcurl_that_cannot_be_loaded_is_reported_when_sending(composer: ComposerHome, tmp_path):
    """libcurl is opened at the first submission: when it cannot be (here: the file replaced by an
    empty one in a private mount namespace, which needs root), `send` says why, with the loader's
    reason, and nothing reaches the server. Before, the binary did not start at all."""
    unshare = shutil.which("unshare")
    library = "/lib/x86_64-linux-gnu/libcurl.so.4"
    probe = subprocess.run([unshare or "unshare", "-m", "--propagation", "private", "true"], capture_output=True) \
        if unshare else None
    if probe is None or probe.returncode != 0 or not os.path.exists(library):
        pytest.skip("needs unshare -m (root) and " + library)
    body = tmp_path / "body.txt"
    body.write_text("本文です。\n", encoding="utf-8")
    script = 'mount --bind /dev/null "$(readlink -f "$1")" && shift && exec "$@"'
    run = subprocess.run([unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", library,
                          str(composer.binary), "send", "--to", "hanako@example.jp", "--subject", "no libcurl",
                          "--body-file", str(body)],
                         env=composer.env(), capture_output=True, text=True, timeout=60)
    assert run.returncode != 0, run.stderr
    assert re.search(r"cannot start libcurl: .*libcurl\.so\.4", run.stderr), run.stderr
    assert composer.server.settle(5)
    assert composer.server.transactions == []
    # --version still answers, naming what it could not load.
    version = subprocess.run([unshare, "-m", "--propagation", "private", "sh", "-c", script, "sh", library,
                              str(composer.binary), "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and "(libcurl not loaded)" in version.stdout, version.stdout + version.stderr
