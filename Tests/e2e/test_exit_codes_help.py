"""Every exit code a command uses is in its `--help` (as README.md promises: every code the
program uses is in --help and the README). 74 (I/O error: disk full, a read-only or unreadable data folder, a
broken send journal) was used but documented nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# command -> codes it can exit with (besides 0) that its help must name
CODES = {
    (): [1, 64, 65, 66, 69, 74, 75, 77, 78, 130],
    ("send",): [1, 65, 69, 74, 75, 77, 78, 130],
    ("bulk",): [1, 65, 69, 74, 75, 77, 78],
    ("outbox",): [1, 65, 66, 74],
    ("check",): [1, 2, 64, 65, 66, 74, 78],
    ("compose",): [64, 65, 69, 74, 78],
    ("journal",): [64, 66, 74, 75],
}


@pytest.mark.parametrize("command", list(CODES), ids=[" ".join(c) or "guardmail" for c in CODES])
def test_help_names_every_exit_code(guardmail, command):
    r = guardmail([*command, "--help"])
    assert r.code == 0, r.describe()
    text = " ".join(r.stdout.split())  # help wraps lines
    match = re.search(r"Exit (?:codes|status): (.*)", text)
    assert match, r.describe()
    for code in CODES[command]:
        assert re.search(r"\b%d\b" % code, match.group(1)), "%s --help does not name %d:\n%s" % (
            " ".join(command) or "guardmail", code, r.stdout)
    assert "74 I/O error" in text or "74 the" in text, r.stdout


def test_readme_names_74():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    codes = readme[readme.index("Exit codes:"):]
    assert re.search(r"\b74 I/O error\b", codes[:1200]), "README's exit codes do not name 74"
