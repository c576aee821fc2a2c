"""python -m autograd.viz: the command that writes the drawing and the step-through page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("graphviz", reason="the drawing needs the graphviz Python package")

from autograd.viz import available_renderers
from autograd.viz.__main__ import load_function, main

EXAMPLE = "autograd.viz.example:chain_rule"


def test_html_with_the_builtin_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.html"
    assert main([EXAMPLE, "--html", str(out), "--renderer", "builtin"]) == 0
    assert "grad" in out.read_text(encoding="utf-8")
    assert "open it in a browser" in capsys.readouterr().out


def test_dot_source_shows_the_gradients_of_the_output(tmp_path: Path) -> None:
    out = tmp_path / "f.dot"
    assert main([EXAMPLE, "--dot", str(out)]) == 0
    assert "x | data 2 | grad 54" in out.read_text(encoding="utf-8")


@pytest.mark.skipif("dot" not in available_renderers(), reason="Graphviz `dot` not on PATH")
def test_svg_and_png_as_a_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd.viz",
            EXAMPLE,
            "--svg",
            str(tmp_path / "f.svg"),
            "--png",
            str(tmp_path / "f.png"),
            "--html",
            str(tmp_path / "f.html"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "grad 54" in (tmp_path / "f.svg").read_text(encoding="utf-8")
    assert (tmp_path / "f.png").read_bytes().startswith(b"\x89PNG")


def test_a_function_from_a_file(tmp_path: Path) -> None:
    script = tmp_path / "graph.py"
    script.write_text("from autograd import Value\ndef build():\n    return Value(2.0, 'x') * 3\n")
    assert load_function(f"{script}:build")().data == 6.0
    assert main([f"{script}:build", "--dot", str(tmp_path / "g.dot")]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nocolon", "--dot", "x.dot"], "expected module:function"),
        (["no_such_module_xyz:f", "--dot", "x.dot"], "No module named"),
        (["autograd.viz.example:missing", "--dot", "x.dot"], "has no function 'missing'"),
        (["autograd.viz.example:__doc__", "--dot", "x.dot"], "has no function"),
        (["missing/file.py:f", "--dot", "x.dot"], "no such file"),
        (["autograd.viz.example:DIGITS_NOT_HERE", "--dot", "x.dot"], "has no function"),
    ],
)
def test_errors_are_one_clear_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert any(part in err for part in message.split("|"))


def test_a_function_that_returns_no_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "graph.py"
    script.write_text("def build():\n    return 3.0\n")
    assert main([f"{script}:build", "--dot", str(tmp_path / "g.dot")]) == 1
    assert "returned float, expected a Value" in capsys.readouterr().err


def test_nothing_to_write_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([EXAMPLE])
    assert exit_info.value.code == 2
    assert "nothing to write" in capsys.readouterr().err


def test_svg_with_the_builtin_layout(tmp_path: Path) -> None:
    out = tmp_path / "f.svg"
    assert main([EXAMPLE, "--svg", str(out), "--renderer", "builtin"]) == 0
    assert "grad 54" in out.read_text(encoding="utf-8") and "graph0" in out.read_text(encoding="utf-8")
