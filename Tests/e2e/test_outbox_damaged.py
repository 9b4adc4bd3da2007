"""End-to-end: an outbox that trusts nothing it did not write.

The outbox is a folder a user, a sync tool or a bad disk can change. These tests damage its
files by hand — numbers out of range, a recipient nobody confirmed, a same-size edit of the
message — and check that guardmail reports the entry as damaged (path, key, value), keeps
listing the others, refuses to send it (nothing reaches the server), and lets the user remove
it. Also: the real reason when the data folder is read-only, and the clean-up of the partial
files a freeze killed with SIGKILL leaves behind.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import AUTH_USERS, binary_path, send_args
from test_send import config_for  # noqa: F401  (the fixture: test domains are internal)
from test_outbox_cli import (ENV, assert_server_got_nothing, background, data_dir, gm,
                             outbox_list, write_config)


@pytest.fixture
def server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


@pytest.fixture
def body_file(tmp_path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("お世話になっております。\n本日の件、よろしくお願いいたします。\n", encoding="utf-8")
    return path


def interrupted_entry(guardmail, config_for, server, body_file, subject="保留中",
                      to=("hanako@example.co.jp",)) -> str:
    """A message killed during its hold: interrupted, waiting for `release` (its state.toml
    still says holding, with release_at and recipients). -> its id."""
    write_config(guardmail, config_for(server, hold=60))
    send = background(guardmail, send_args(to=list(to), subject=subject, body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        send.kill9()
    finally:
        send.close()
    assert "interrupted" in outbox_list(guardmail).get(outbox_id, ""), outbox_list(guardmail)
    return outbox_id


def entry_dir(guardmail, outbox_id: str) -> Path:
    return data_dir(guardmail) / "outbox" / outbox_id


def edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(pattern, replacement, text, flags=re.M)
    assert count == 1, "no %r in %s:\n%s" % (pattern, path, text)
    path.write_text(new, encoding="utf-8")


def listing(guardmail) -> str:
    r = gm(guardmail, ["outbox", "list"])
    assert r.code == 0, r.describe()
    return r.stdout


@pytest.mark.parametrize("file,pattern,replacement,expected", [
    ("record.toml", r"^message_offset = \d+$", "message_offset = 9223372036854775807",
     ["record.toml:", "'message_offset' must be between 0 and 1099511627776 bytes",
      "'9223372036854775807'"]),
    ("record.toml", r"^message_size = \d+$", "message_size = 9223372036854775000",
     ["'message_size' must be between", "'9223372036854775000'"]),
    ("record.toml", r"^confirmed_at = .*$", "confirmed_at = 1e300",
     ["'confirmed_at' must be a time between", "'1e+300'"]),
    ("record.toml", r"^hold_seconds = \d+$", "hold_seconds = -5",
     ["'hold_seconds' must be between 0 and", "'-5'"]),
    ("state.toml", r"^state = .*$",
     "state = \"failed-temporarily\"\nreason = \"421\"\nattempt = 9223372036854775807\nretry_at = 1.0",
     ["'attempt' must be between 1 and 1000000", "'9223372036854775807'"]),
    ("state.toml", r"^state = .*$",
     "state = \"failed-temporarily\"\nreason = \"421\"\nattempt = 1\nretry_at = 9.2e18",
     ["'retry_at' must be a time between", "'9.2e+18'"]),
    ("state.toml", r"^state = .*$", "state = \"sent\"\nat = -1e308",
     ["'at' must be a time between", "'-1e+308'"]),
])
def test_a_number_out_of_range_is_damage_not_a_crash(guardmail, config_for, server, body_file,
                                                     file, pattern, replacement, expected):
    damaged = interrupted_entry(guardmail, config_for, server, body_file, subject="壊れた")
    healthy = interrupted_entry(guardmail, config_for, server, body_file, subject="無事",
                                to=("jiro@example.org",))
    path = entry_dir(guardmail, damaged) / file
    edit(path, pattern, replacement)
    if "state = \"sent\"" in replacement:
        edit(path, r"^recipients = .*\n", "")

    out = listing(guardmail)
    line = next((l for l in out.splitlines() if l.startswith(damaged)), "")
    assert "damaged:" in line, out
    assert str(path) in line, out  # the file (and with it the entry's path)
    for words in expected:
        assert words in line, "%r not in %r" % (words, line)
    assert "outbox cancel --damaged %s" % damaged in out, out
    # The other entry is listed as usual.
    assert "interrupted" in outbox_list(guardmail).get(healthy, ""), out

    r = gm(guardmail, ["outbox", "show", damaged])
    assert r.code == 65, r.describe()
    assert "State:       damaged" in r.stdout and expected[-1] in r.stdout, r.describe()

    for verb in ("release", "cancel"):
        r = gm(guardmail, ["outbox", verb, damaged])
        assert r.code == 65, r.describe()
        assert "cannot %s %s" % (verb, damaged) in r.stderr, r.describe()
        assert expected[-1] in r.stderr, r.describe()
        assert "guardmail outbox cancel --damaged %s" % damaged in r.stderr, r.describe()
    assert_server_got_nothing(server)

    # The healthy one still goes; then the damaged one can be removed.
    r = gm(guardmail, ["outbox", "release", healthy])
    assert r.code == 0, r.describe()
    assert [tx.rcpt_tos for tx in server.transactions] == [["jiro@example.org"]], server.summary()
    r = gm(guardmail, ["outbox", "cancel", "--damaged", healthy])
    assert r.code == 66, r.describe()  # it is gone (sent)
    r = gm(guardmail, ["outbox", "cancel", "--damaged", damaged])
    assert r.code == 0, r.describe()
    assert "removed the damaged entry %s" % damaged in r.stdout, r.describe()
    assert not entry_dir(guardmail, damaged).exists()
    assert listing(guardmail).strip() == "The outbox is empty."
    assert [tx.rcpt_tos for tx in server.transactions] == [["jiro@example.org"]], server.summary()


def test_cancel_damaged_refuses_an_entry_that_is_not_damaged(guardmail, config_for, server,
                                                               body_file):
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    r = gm(guardmail, ["outbox", "cancel", "--damaged", outbox_id])
    assert r.code == 1, r.describe()
    assert "it is not damaged" in r.stderr, r.describe()
    assert entry_dir(guardmail, outbox_id).is_dir()


def test_a_recipient_added_to_state_toml_is_never_sent_to(guardmail, config_for, server,
                                                          body_file):
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    state = entry_dir(guardmail, outbox_id) / "state.toml"
    edit(state, r"^recipients = .*$",
         "recipients = [\"hanako@example.co.jp\", \"intruder@example.org\"]")

    out = listing(guardmail)
    assert "damaged:" in out and "'intruder@example.org'" in out, out
    assert "not among the recipients confirmed in record.toml" in out, out
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert "intruder@example.org" in r.stderr, r.describe()
    assert_server_got_nothing(server)

    # Refused recipients to retry must be confirmed ones too.
    edit(state, r"^state = .*$", "state = \"partially-sent\"")
    edit(state, r"^release_at = .*\n", "")
    edit(state, r"^recipients = .*$", "refused = [\"intruder@example.org\"]\nat = 1795950183.5")
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert "'refused' names 'intruder@example.org'" in r.stderr, r.describe()
    assert_server_got_nothing(server)


def test_a_recipient_swapped_in_record_toml_and_state_toml_alike_is_never_sent_to(
        guardmail, config_for, server, body_file):
    """The two files agree with each other, so the check against record.toml passes; the send
    journal, which recorded the recipients at the confirmation, does not agree: nothing is sent."""
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    record = entry_dir(guardmail, outbox_id) / "record.toml"
    state = entry_dir(guardmail, outbox_id) / "state.toml"
    edit(record, r'^address = "hanako@example\.co\.jp"$', 'address = "intruder@example.org"')
    edit(state, r"^recipients = .*$", 'recipients = ["intruder@example.org"]')
    # The files read as a consistent entry: listed, not damaged.
    assert "interrupted" in outbox_list(guardmail).get(outbox_id, ""), listing(guardmail)

    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert "'intruder@example.org' is not among the recipients confirmed in the send journal" in r.stderr, r.describe()
    assert "guardmail journal show" in r.stderr, r.describe()
    assert_server_got_nothing(server)
    # Marked damaged from then on, with the reason; a second release sends nothing either.
    line = next((l for l in listing(guardmail).splitlines() if l.startswith(outbox_id)), "")
    assert "damaged:" in line and "send journal" in line, line
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert_server_got_nothing(server)


def test_a_recipient_swapped_in_both_files_during_the_hold_is_never_sent_to(
        guardmail, config_for, server, body_file):
    """The same edit while `send` counts down: the owner finds record.toml changed under it at
    its next tick and sends nothing (exit 65), to anyone; a release from another terminal then
    finds the entry damaged."""
    write_config(guardmail, config_for(server, hold=60))
    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="保留中", body_file=body_file))
    try:
        outbox_id, _ = send.wait_held()
        folder = entry_dir(guardmail, outbox_id)
        # Both files replaced whole, under the entry's state lock (as guardmail's own writers
        # do), so the owner's tick reads either both old or both new: a consistent edit.
        with open(folder / "state.lock", "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for name, pattern, replacement in (
                    ("record.toml", r'^address = "hanako@example\.co\.jp"$', 'address = "intruder@example.org"'),
                    ("state.toml", r"^recipients = .*$", 'recipients = ["intruder@example.org"]')):
                text, count = re.subn(pattern, replacement, (folder / name).read_text(encoding="utf-8"), flags=re.M)
                assert count == 1, text
                (folder / (name + ".edit")).write_text(text, encoding="utf-8")
                os.replace(folder / (name + ".edit"), folder / name)
        code = send.wait()
        assert code == 65, send.describe()
        assert "the recipients in its record.toml changed after it was confirmed" in send.describe(), send.describe()
    finally:
        send.close()
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert_server_got_nothing(server)
    line = next((l for l in listing(guardmail).splitlines() if l.startswith(outbox_id)), "")
    assert "damaged:" in line, line


def test_a_same_size_edit_of_the_message_is_caught_before_anything_is_sent(
        guardmail, config_for, server, body_file):
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file, subject="改ざん")
    message = entry_dir(guardmail, outbox_id) / "message.eml"
    raw = message.read_bytes()
    at = raw.rindex(b"\r\n\r\n") + 4  # inside the body: the same length, other bytes
    changed = raw[:at] + bytes([raw[at] ^ 0x01]) + raw[at + 1:]
    assert len(changed) == len(raw) and changed != raw
    message.write_bytes(changed)

    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert "changed after it was confirmed" in r.stderr, r.describe()
    assert_server_got_nothing(server)
    # From then on the entry is damaged, with the reason, and stays so.
    out = listing(guardmail)
    line = next((l for l in out.splitlines() if l.startswith(outbox_id)), "")
    assert "damaged:" in line and "changed after it was confirmed" in line, out
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert_server_got_nothing(server)
    r = gm(guardmail, ["journal", "--to", "hanako@example.co.jp"])
    assert r.code == 0 and "failed" in r.stdout, r.describe()


def test_an_unchanged_message_still_goes(guardmail, config_for, server, body_file):
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    assert re.search(r'(?m)^message_sha256 = "[0-9a-f]{64}"$',
                     (entry_dir(guardmail, outbox_id) / "record.toml").read_text())
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 0, r.describe()
    assert [tx.rcpt_tos for tx in server.transactions] == [["hanako@example.co.jp"]]


def test_an_entry_from_before_the_checksum_is_not_sent(guardmail, config_for, server, body_file):
    """Record format 1 (no message_sha256): listed, but refused at release with the reason."""
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    record = entry_dir(guardmail, outbox_id) / "record.toml"
    edit(record, r"^format = 2$", "format = 1")
    edit(record, r"^message_sha256 = .*\n", "")
    assert "interrupted" in outbox_list(guardmail).get(outbox_id, "")
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 65, r.describe()
    assert "older guardmail, without a checksum" in r.stderr, r.describe()
    assert_server_got_nothing(server)
    r = gm(guardmail, ["outbox", "cancel", outbox_id])
    assert r.code == 0, r.describe()


def read_only(guardmail, folder: Path, args):
    """Runs guardmail with `folder` read-only: a read-only bind mount in a mount namespace of
    its own when root (root ignores file modes), else the folder's modes."""
    binary = str(binary_path())
    env = guardmail.env(ENV)
    if os.geteuid() == 0:
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        argv = ["unshare", "-m", "sh", "-c", script, "sh", str(folder), binary, *args]
    else:
        for root, dirs, files in os.walk(folder):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o500 if name in dirs else 0o400)
        os.chmod(folder, 0o500)
        argv = [binary, *args]
    try:
        return subprocess.run(argv, capture_output=True, env=env, cwd=guardmail.tmp, timeout=60,
                              stdin=subprocess.DEVNULL)
    finally:
        if os.geteuid() != 0:
            for root, dirs, files in os.walk(folder):
                for name in dirs:
                    os.chmod(os.path.join(root, name), 0o700)
            os.chmod(folder, 0o700)


def test_release_in_a_read_only_data_folder_says_why(guardmail, config_for, server, body_file):
    outbox_id = interrupted_entry(guardmail, config_for, server, body_file)
    if os.geteuid() == 0 and subprocess.run(
            ["unshare", "-m", "true"], capture_output=True).returncode != 0:
        pytest.skip("root without mount namespaces: cannot make a folder read-only")
    # The whole data folder: the journal cannot be opened, and says so.
    r = read_only(guardmail, data_dir(guardmail), ["outbox", "release", outbox_id])
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 74, err
    assert "no message" not in err and "journal" in err, err
    assert_server_got_nothing(server)
    # The outbox folder only (the journal is writable): the entry cannot be claimed.
    r = read_only(guardmail, data_dir(guardmail) / "outbox", ["outbox", "release", outbox_id])
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 74, err
    assert "no message" not in err, err
    assert str(entry_dir(guardmail, outbox_id)) in err, err
    assert re.search(r"Read-only file system|Permission denied", err), err
    assert "nothing was sent" in err, err
    assert_server_got_nothing(server)
    # Writable again: it goes.
    r = gm(guardmail, ["outbox", "release", outbox_id])
    assert r.code == 0, r.describe()


def test_a_freeze_killed_midway_leaves_nothing_after_the_next_start(guardmail, config_for, server,
                                                                     body_file, tmp_path):
    """kill -9 while a large attachment is being frozen; the partial spool file (or `.tmp-`
    folder) is removed by the next `outbox list`, and nothing is sent."""
    big = tmp_path / "large.bin"
    with open(big, "wb") as f:
        f.write(os.urandom(1 << 20) * 96)  # 96 MiB: base64 + fsync take a while
    write_config(guardmail, config_for(server, hold=60, extra_lines=["max_attachment_mib = 200"]))
    spool = data_dir(guardmail) / "spool"
    outbox = data_dir(guardmail) / "outbox"

    def partial_files():
        found = []
        for folder in (spool, outbox):
            if folder.is_dir():
                found += [p for p in folder.iterdir() if folder == spool or p.name.startswith(".tmp-")]
        return found

    send = background(guardmail, send_args(to=["hanako@example.co.jp"], subject="大きい",
                                           body_file=body_file, attach=[big]))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            files = partial_files()
            if any(p.is_file() and p.stat().st_size > (8 << 20) for p in files):
                break
            assert send.proc.poll() is None, send.describe()
            time.sleep(0.01)
        else:
            pytest.fail("the freeze never wrote 8 MiB of spool file\n" + send.describe())
        send.kill9()
    finally:
        send.close()
    left = partial_files()
    assert left, "the kill left nothing to clean up (too late?)"
    published = [p for p in outbox.iterdir() if not p.name.startswith(".")] if outbox.is_dir() else []
    assert published == [], published

    # A writer that is still alive (here: a process holding the folder's lock shared) keeps its files.
    holder = subprocess.Popen(
        ["/usr/bin/python3", "-c",
         "import fcntl,os,sys\n"
         "fd=os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_SH); print('locked', flush=True)\n"
         "sys.stdin.read()", str(spool)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        listing(guardmail)
        assert [p for p in left if p.parent == spool and p.exists()] == \
            [p for p in left if p.parent == spool], "removed while a writer held the lock"
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert listing(guardmail).strip() == "The outbox is empty."
    assert partial_files() == [], partial_files()
    assert_server_got_nothing(server)
