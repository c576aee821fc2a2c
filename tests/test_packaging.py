"""Packaging: the wheel ships ``py.typed`` in both packages (typed for mypy users), and a different
package named ``autograd`` (HIPS autograd) shadowing ours gives a clear error."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["autograd", "nn"])
def test_both_packages_are_marked_typed_and_ship_the_marker(package: str) -> None:
    assert (ROOT / package / "py.typed").is_file()
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    line = re.search(rf"^{package} = \[(.*)\]$", section, re.MULTILINE)
    assert line is not None and '"py.typed"' in line.group(1), f"package-data for {package} lacks py.typed"


@pytest.mark.slow
def test_the_built_wheel_contains_py_typed(tmp_path: Path) -> None:
    if importlib.util.find_spec("wheel") is None or importlib.util.find_spec("setuptools") is None:
        pytest.skip("building a wheel offline needs the setuptools and wheel packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("chainrule-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "autograd/py.typed" in names and "nn/py.typed" in names


def test_a_shadowing_autograd_package_gets_a_clear_error(tmp_path: Path) -> None:
    hips = tmp_path / "site" / "autograd"
    hips.mkdir(parents=True)
    (hips / "__init__.py").write_text('__version__ = "1.7.0"\n\ndef grad(fun):\n    return fun\n')
    result = subprocess.run(
        [sys.executable, "-c", "import nn"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{hips.parent}{':'}{ROOT}", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "is not chainrule's engine" in result.stderr and "HIPS autograd" in result.stderr
    assert "pip uninstall autograd" in result.stderr
