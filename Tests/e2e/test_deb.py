"""`make deb`: the package holds what `make install` installs (Debian's folders, man pages
compressed), says which packages it needs, and installs into an empty root with dpkg.

The install test is `dpkg --root=ROOT --force-depends --install` into a fresh folder (an empty
dpkg database, so the dependencies cannot be checked there); the dependencies are checked
separately against this machine's dpkg database (every one installed) and against the binary
(every library it links belongs to one of them). Not a chroot: nothing runs inside the root.

Cost: builds the release binary the way `make release` does (shared with test_install.py;
see its note) and packs it: a few seconds once the release build is there.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MAKE_TIMEOUT = 3600


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deb")
    r = subprocess.run(["make", "--no-print-directory", "-C", str(REPO), "deb", f"DEB_DIR={out}"],
                       capture_output=True, text=True, timeout=MAKE_TIMEOUT)
    assert r.returncode == 0, f"make deb failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    debs = list(out.glob("guardmail_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True).stdout.strip()


def contents(deb: Path):
    out = subprocess.run(["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True).stdout
    files = {}
    for line in out.splitlines():
        parts = line.split(None, 5)
        mode, owner, path = parts[0], parts[1], parts[5].split(" -> ")[0]
        if not mode.startswith("d"):
            files[path.lstrip(".")] = (mode, owner)
    return files


def command_pages(binary: str):
    tool = json.loads(subprocess.run([binary, "--experimental-dump-help"], capture_output=True, text=True,
                                     check=True).stdout)
    pages = []

    def visit(command, path):
        pages.append("-".join(path))
        for child in command.get("subcommands") or []:
            if child.get("shouldDisplay", True) and child["commandName"] != "help":
                visit(child, path + [child["commandName"]])

    visit(tool["command"], ["guardmail"])
    return pages


def test_package_fields(deb):
    assert field(deb, "Package") == "guardmail"
    version = field(deb, "Version")
    assert re.fullmatch(r"\d+\.\d+\.\d+-\d+", version), version
    assert deb.name == f"guardmail_{version}_{field(deb, 'Architecture')}.deb"
    depends = [d.strip().split()[0] for d in field(deb, "Depends").split(",")]
    # The list, by the sonames the binary links and the libraries it opens.
    for package in ("libcurl4", "libncursesw6", "libmagic1", "libidn2-0", "libsqlite3-0"):
        assert package in depends, depends
    assert field(deb, "Maintainer") and field(deb, "Description")


def test_contents_are_what_make_install_installs(deb, tmp_path):
    files = contents(deb)
    root = tmp_path / "x"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    binary = str(root / "usr/bin/guardmail")
    pages = command_pages(binary)
    expected = {"/usr/bin/guardmail",
                "/usr/share/man/man5/guardmail-config.5.gz", "/usr/share/man/man5/guardmail-policy.5.gz",
                "/usr/share/bash-completion/completions/guardmail",
                "/usr/share/zsh/vendor-completions/_guardmail",
                "/usr/share/fish/vendor_completions.d/guardmail.fish",
                "/usr/share/doc/guardmail/README.md.gz", "/usr/share/doc/guardmail/copyright",
                "/usr/share/doc/guardmail/changelog.Debian.gz",
                "/usr/share/doc/guardmail/examples/organisation-policy.toml",
                "/usr/share/lintian/overrides/guardmail"}
    expected |= {f"/usr/share/man/man1/{page}.1.gz" for page in pages}
    expected |= {"/usr/share/guardmail/themes/" + t.name for t in (REPO / "Themes").glob("*.toml")}
    assert set(files) == expected
    for path, (mode, owner) in files.items():
        assert owner == "root/root", (path, owner)
        assert mode == ("-rwxr-xr-x" if path == "/usr/bin/guardmail" else "-rw-r--r--"), (path, mode)
    with gzip.open(root / "usr/share/doc/guardmail/changelog.Debian.gz", "rt") as f:
        assert f.readline().startswith(f"guardmail ({field(deb, 'Version')}) ")


def test_depends_cover_the_linked_libraries_and_are_installable_here(deb, tmp_path):
    root = tmp_path / "x"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    binary = root / "usr/bin/guardmail"
    depends = {d.strip().split()[0] for d in field(deb, "Depends").split(",")}
    ldd = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    assert "not found" not in ldd, ldd
    for line in ldd.splitlines():
        m = re.search(r"=> (/\S+)", line)
        if not m:
            continue
        owner = subprocess.run(["dpkg", "-S", m.group(1)], capture_output=True, text=True)
        if owner.returncode != 0:  # /lib/x86_64-linux-gnu vs /usr/lib/x86_64-linux-gnu (usrmerge)
            owner = subprocess.run(["dpkg", "-S", os.path.realpath(m.group(1))], capture_output=True, text=True)
        assert owner.returncode == 0, m.group(1)
        packages = {p.split(":")[0] for p in owner.stdout.split(":", 1)[0].split(", ")}
        # Libraries pulled in by a linked library (libtinfo by ncurses, …) come with their package.
        direct = subprocess.run(["objdump", "-p", str(binary)], capture_output=True, text=True).stdout
        if re.search(r"NEEDED\s+%s\b" % re.escape(Path(line.split()[0]).name), direct):
            assert packages & depends, f"{line.strip()} belongs to {packages}, not in Depends {sorted(depends)}"
    for package in depends:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
        assert status.stdout == "install ok installed", f"{package}: {status.stdout or status.stderr}"


def test_installs_into_an_empty_root_and_runs(deb, tmp_path):
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").write_text("")
    (admin / "available").write_text("")
    r = subprocess.run(["dpkg", f"--root={root}", "--force-depends", "--force-script-chrootless",
                        "--no-triggers", "--install", str(deb)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    status = subprocess.run(["dpkg", f"--root={root}", "-s", "guardmail"], capture_output=True, text=True)
    assert "Status: install ok installed" in status.stdout, status.stdout + status.stderr
    binary = root / "usr/bin/guardmail"
    help_text = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=60)
    assert help_text.returncode == 0 and "guardmail" in help_text.stdout
    page = root / "usr/share/man/man1/guardmail-send.1.gz"
    shown = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MAN_DISABLE_SECCOMP="1"))
    assert shown.returncode == 0 and shown.stderr == "" and "--dry-run" in shown.stdout, shown.stderr
    r = subprocess.run(["dpkg", f"--root={root}", "--force-depends", "--force-script-chrootless", "--no-triggers",
                        "--purge", "guardmail"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not binary.exists() and not (root / "usr/share/doc/guardmail").exists()


@pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian is not installed (apt-get install lintian)")
def test_lintian_finds_nothing(deb):
    r = subprocess.run(["lintian", "--tag-display-limit", "0", str(deb)], capture_output=True, text=True, timeout=600)
    tags = [line for line in r.stdout.splitlines() if re.match(r"^[EWI]: ", line)]
    assert r.returncode == 0 and not tags, r.stdout + r.stderr
