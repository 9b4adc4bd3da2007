"""End-to-end: a frozen bulk job is sent only as it was confirmed.

A job is frozen in `bulk/ID/` (job.toml, index.tsv, messages.spool) and then held; a kill -9
during the hold leaves it for `--resume`. These tests change its files by hand in between — a
same-size edit of a message, an address swapped in the index — and check that nothing is sent.
Also: the `.tmp-` folder of a freeze that was killed is removed by the next `guardmail bulk`,
unless a live freeze holds the folder's lock.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from test_bulk import (AUTH_USERS, Background, body, bulk_args, only_job, people,  # noqa: F401
                       per_recipient, write_csv)


@pytest.fixture
def tls_server(smtp_server):
    return smtp_server(starttls=True, auth_users=AUTH_USERS)


def frozen_job(guardmail, config_for, server, tmp_path, body, mode="individual") -> Path:
    """A job killed (kill -9) during its hold: frozen, nothing sent. -> its folder."""
    csv = write_csv(tmp_path / "list.csv", people(3))
    run = Background(guardmail, bulk_args(csv, body, mode=mode), config=config_for(server, hold=60))
    run.wait_for("held: sending starts in 60 s")
    run.proc.send_signal(signal.SIGKILL)
    run.wait()
    assert server.transactions == []
    return guardmail.data_home / "guardmail" / "bulk" / only_job(guardmail)


def index_rows(job: Path):
    lines = (job / "index.tsv").read_text(encoding="utf-8").splitlines()
    return lines[0], [line.split("\t") for line in lines[1:] if line]


def test_an_unchanged_job_resumes_and_everyone_gets_one(guardmail, config_for, tls_server, tmp_path, body):
    job = frozen_job(guardmail, config_for, tls_server, tmp_path, body)
    header, rows = index_rows(job)
    assert header.startswith("# guardmail bulk index 2:") and all(len(r[8]) == 64 for r in rows), rows
    assert "index_sha256 = " in (job / "job.toml").read_text(encoding="utf-8")
    r = guardmail(["bulk", "--resume", job.name])
    assert r.code == 0, r.describe()
    assert sorted(per_recipient(tls_server).values()) == [1, 1, 1], tls_server.summary()


def test_a_same_size_edit_of_a_frozen_message_sends_nothing(guardmail, config_for, tls_server, tmp_path, body):
    job = frozen_job(guardmail, config_for, tls_server, tmp_path, body)
    _, rows = index_rows(job)
    offset, size = int(rows[1][2]), int(rows[1][3])  # the second message
    spool = bytearray((job / "messages.spool").read_bytes())
    at = offset + size - 10  # in its body
    spool[at] ^= 0x01
    (job / "messages.spool").write_bytes(bytes(spool))

    r = guardmail(["bulk", "--resume", job.name])
    assert r.code == 65, r.describe()
    assert "message 2 of bulk job %s" % job.name in r.stderr, r.describe()
    assert "changed after the job was confirmed" in r.stderr, r.describe()
    assert tls_server.transactions == [] and tls_server.mail_commands == [], tls_server.summary()


def test_an_address_swapped_in_the_index_sends_nothing(guardmail, config_for, tls_server, tmp_path, body):
    job = frozen_job(guardmail, config_for, tls_server, tmp_path, body, mode="bcc")
    index = job / "index.tsv"
    text = index.read_text(encoding="utf-8")
    _, rows = index_rows(job)
    victim = rows[0][5]
    index.write_text(text.replace(victim, "intruder@example.org", 1), encoding="utf-8")

    r = guardmail(["bulk", "--resume", job.name])
    assert r.code == 65, r.describe()
    assert "index.tsv' changed after the job was confirmed" in r.stderr, r.describe()
    assert tls_server.transactions == [] and tls_server.rcpt_attempts == [], tls_server.summary()


def test_a_killed_freeze_leaves_no_tmp_folder(guardmail, config_for, tls_server, tmp_path, body):
    bulk = guardmail.data_home / "guardmail" / "bulk"
    leftover = bulk / ".tmp-20261207-031500-dead"
    leftover.mkdir(parents=True)
    (leftover / "messages.spool").write_bytes(b"x" * (1 << 20))
    config = config_for(tls_server, hold=0)

    # A live freeze (here: a process holding the folder's lock shared) keeps its folder.
    holder = subprocess.Popen(
        ["/usr/bin/python3", "-c",
         "import fcntl,os,sys\n"
         "fd=os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_SH); print('locked', flush=True)\n"
         "sys.stdin.read()", str(bulk)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        r = guardmail(["bulk", "--status", "20200101-000000-none"], config=config)
        assert r.code == 66, r.describe()
        assert leftover.is_dir()
    finally:
        holder.stdin.close()
        holder.wait(10)
    r = guardmail(["bulk", "--status", "20200101-000000-none"], config=config)
    assert r.code == 66, r.describe()
    assert not leftover.exists()
