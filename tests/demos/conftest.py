"""Run the demos in-process: ``run_demo("moons")`` calls ``demos/moons.py``'s ``main`` in quick mode
with its pictures going to the test's temporary folder, and returns what it printed.

``demos/`` is a folder of scripts, not a package, so the demos are loaded by file path.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

DEMOS = Path(__file__).resolve().parents[2] / "demos"


def load_demo(name: str) -> ModuleType:
    """Import ``demos/<name>.py`` as the module ``demo_<name>`` (once per session)."""
    module_name = f"demo_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, DEMOS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


@dataclass
class DemoRun:
    """What a quick run printed, and the folder it wrote its pictures to."""

    out: str
    folder: Path

    def assert_plots(self, *names: str) -> None:
        """With matplotlib the plots exist and are not empty; without it the demo said it skipped them."""
        if has_matplotlib():
            for name in names:
                assert (self.folder / name).stat().st_size > 1000, f"{name} missing or empty"
        else:
            assert "pictures skipped: matplotlib is not installed" in self.out


@pytest.fixture
def run_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., DemoRun]:
    """``run_demo(name, *options)``: the demo's ``main(["--quick", "--out", tmp_path, *options])``
    returned 0 and printed at least one passed check and no failed one."""

    def run(name: str, *options: str) -> DemoRun:
        status = load_demo(name).main(["--quick", "--out", str(tmp_path), *options])
        out = capsys.readouterr().out
        assert status == 0, out
        assert "check passed" in out, out
        assert "CHECK FAILED" not in out, out
        return DemoRun(out, tmp_path)

    return run


@pytest.fixture
def demo() -> Callable[[str], ModuleType]:
    """``demo(name)``: the module ``demos/<name>.py``."""
    return load_demo
