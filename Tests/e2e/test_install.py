"""`make install` and `make uninstall` into a staging root (DESTDIR), as a package build or an
admin does it: the release binary, a man page per command and two for the files, completions
in the folders bash, zsh and fish read, the themes, the example organisation policy — and
uninstall takes exactly that away again.

Cost: `make install` builds the release binary the way `make release` does. From a clean
clone that build is the costliest step these tests add (221 s measured on two shared cores);
with a release build already there, this file takes about 20 s (docs/install.md, "Tests").
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREFIX = "/usr/local"
MAKE_TIMEOUT = 3600  # s: a cold release build on a loaded machine


def make(*args: str, timeout: float = MAKE_TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-C", str(REPO), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("destdir")
    r = make("install", f"DESTDIR={root}", f"PREFIX={PREFIX}")
    assert r.returncode == 0, f"make install failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return root


def under(root: Path, path: str) -> Path:
    return root / (PREFIX + "/" + path).lstrip("/")


def command_paths(binary: Path):
    """Every visible command of the binary's command tree: ("guardmail",), ("guardmail", "send"), …"""
    tool = json.loads(subprocess.run([str(binary), "--experimental-dump-help"], capture_output=True,
                                     text=True, check=True).stdout)
    paths = []

    def visit(command, path):
        paths.append(path)
        for child in command.get("subcommands") or []:
            if child.get("shouldDisplay", True) and child["commandName"] != "help":
                visit(child, path + (child["commandName"],))

    visit(tool["command"], ("guardmail",))
    return paths


def expected_files(root: Path):
    binary = under(root, "bin/guardmail")
    pages = ["share/man/man1/%s.1" % "-".join(path) for path in command_paths(binary)]
    return set(
        ["bin/guardmail",
         "share/man/man5/guardmail-config.5",
         "share/man/man5/guardmail-policy.5",
         "share/bash-completion/completions/guardmail",
         "share/zsh/site-functions/_guardmail",
         "share/fish/vendor_completions.d/guardmail.fish",
         "share/doc/guardmail/README.md",
         "share/doc/guardmail/organisation-policy.toml"]
        + pages
        + ["share/guardmail/themes/" + theme.name for theme in (REPO / "Themes").glob("*.toml")])


def installed_files(root: Path):
    base = under(root, "")
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() or p.is_symlink()}


def render(page: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MAN_DISABLE_SECCOMP="1")
    return subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True, env=env, timeout=60)


def test_install_writes_every_file_and_nothing_else(installed):
    expected = expected_files(installed)
    # The pages named in the issue, whatever else the tree has.
    for page in ("guardmail.1", "guardmail-send.1", "guardmail-compose.1", "guardmail-journal-show.1",
                 "guardmail-outbox-release.1", "guardmail-bulk-new.1"):
        assert "share/man/man1/" + page in expected
    assert installed_files(installed) == expected
    binary = under(installed, "bin/guardmail")
    assert os.access(binary, os.X_OK)
    r = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("guardmail "), r


def test_every_man_page_renders_without_warnings(installed):
    pages = sorted(under(installed, "share/man").rglob("*.[15]"))
    assert len(pages) >= 10
    for page in pages:
        r = render(page)
        assert r.returncode == 0 and r.stderr == "", f"{page.name}: exit {r.returncode}\n{r.stderr}"
        assert "NAME" in r.stdout and "guardmail" in r.stdout, page.name


def test_command_pages_say_what_help_says(installed):
    text = " ".join(render(under(installed, "share/man/man1/guardmail-send.1")).stdout.split())
    for expected in ("--dry-run", "--accept", "--body-file", "Exit codes:", "Send a message without the composer"):
        assert expected in text, expected
    top = " ".join(render(under(installed, "share/man/man1/guardmail.1")).stdout.split())
    assert "guardmail-send(1)" in top and "guardmail-config(5)" in top


def doc_keys(markdown: str):
    """The first column of every table in a Markdown document, as written in backticks."""
    keys = []
    for line in markdown.splitlines():
        match = re.match(r"^\|\s*`([^`]+)`", line)
        if match:
            keys.append(match.group(1))
    return keys


@pytest.mark.parametrize("doc,page", [("docs/config.md", "guardmail-config.5"), ("docs/policy.md", "guardmail-policy.5")])
def test_file_pages_follow_the_docs(installed, doc, page):
    keys = doc_keys((REPO / doc).read_text(encoding="utf-8"))
    assert len(keys) >= 8, keys
    text = render(under(installed, "share/man/man5/" + page)).stdout
    missing = [key for key in keys if key not in text]
    assert not missing, f"{page} lacks {missing}"
    for heading in re.findall(r"^## (.+)$", (REPO / doc).read_text(encoding="utf-8"), re.M):
        plain = re.sub(r"[`*]", "", heading).upper()
        assert plain in text, f"{page} lacks the section {heading!r}"


def test_completion_scripts_are_for_guardmail(installed):
    bash = under(installed, "share/bash-completion/completions/guardmail")
    assert subprocess.run(["bash", "-n", str(bash)], capture_output=True).returncode == 0
    assert "complete" in bash.read_text() and "guardmail" in bash.read_text()
    assert under(installed, "share/zsh/site-functions/_guardmail").read_text().startswith("#compdef guardmail")
    assert re.search(r"complete -c '?guardmail'? ", under(installed, "share/fish/vendor_completions.d/guardmail.fish").read_text())


def test_example_organisation_policy_is_accepted(installed, guardmail, config_for):
    policy = under(installed, "share/doc/guardmail/organisation-policy.toml")
    r = guardmail(["policy"], config=config_for(url="smtp://127.0.0.1:1"), env={"GUARDMAIL_POLICY": str(policy)})
    assert r.code == 0, r.describe()
    assert re.search(r"(?m)^hold_external_seconds +=  *120 +\[organisation ", r.stdout), r.stdout


def test_uninstall_removes_what_install_wrote_and_nothing_else(tmp_path):
    root = tmp_path / "root"
    r = make("install", f"DESTDIR={root}", f"PREFIX={PREFIX}")
    assert r.returncode == 0, r.stderr[-3000:]
    someone_elses = under(root, "share/man/man1/mutt.1")
    someone_elses.write_text(".TH MUTT 1\n")
    r = make("uninstall", f"DESTDIR={root}", f"PREFIX={PREFIX}")
    assert r.returncode == 0, r.stderr[-3000:]
    assert installed_files(root) == {"share/man/man1/mutt.1"}
    assert not under(root, "share/guardmail").exists() and not under(root, "share/doc/guardmail").exists()
