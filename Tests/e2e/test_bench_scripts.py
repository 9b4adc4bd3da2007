"""The benchmark and helper scripts compile under the system Python the project runs them with
(Debian 12's 3.11): `make bench` is not part of `make test`, so a syntax that only a newer Python
accepts (a nested quote inside an f-string) would otherwise be found only by whoever next runs
the benchmarks."""
import pathlib
import py_compile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = sorted(ROOT.glob("bench/*.py")) + sorted(ROOT.glob("scripts/*.py")) + sorted(ROOT.glob("Tests/fixtures/*.py"))
assert SCRIPTS, "no scripts found"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles(script, tmp_path):
    py_compile.compile(str(script), cfile=str(tmp_path / "out.pyc"), doraise=True)
