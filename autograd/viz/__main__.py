"""Command line: draw a graph, or write its step-through page.

    python -m autograd.viz autograd.viz.example:chain_rule --html out.html --svg out.svg
    python -m autograd.viz demos/chain_rule.py:build --html out.html

``module:function`` (or ``path/to/file.py:function``) names a function that takes no arguments and
returns the output ``Value`` of a graph. The drawings show d(output)/d(value) as each grad, computed
from zero (the ``.grad`` attributes are not used).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd._load import import_spec
from autograd.engine import Value, backpropagate
from autograd.viz.dot import draw_dot
from autograd.viz.graph import DEFAULT_MAX_NODES
from autograd.viz.html import write_html
from autograd.viz.renderers import render


def load_function(spec: str) -> Callable[[], Any]:
    """The function named by ``"package.module:function"`` or ``"path/file.py:function"``."""
    module, module_name, function_name = import_spec(spec, "function")
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ValueError(f"{module_name} has no function {function_name!r}")
    return function  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.viz",
        description="Draw a computation graph and write a page that steps through backpropagation.",
    )
    parser.add_argument("function", help="module:function or file.py:function returning a Value")
    parser.add_argument("--html", type=Path, help="write the step-through page here")
    parser.add_argument("--svg", type=Path, help="write the drawing as SVG here")
    parser.add_argument("--png", type=Path, help="write the drawing as PNG here (needs system dot)")
    parser.add_argument("--dot", type=Path, help="write the Graphviz DOT source here")
    parser.add_argument(
        "--renderer",
        choices=("auto", "dot", "wasm", "builtin"),
        default="auto",
        help="Graphviz to use (builtin: the simple built-in layout, for SVG and the page)",
    )
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR")
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help="refuse graphs with more values than this (default %(default)s)",
    )
    args = parser.parse_args(argv)
    if not (args.html or args.svg or args.png or args.dot):
        parser.error("nothing to write: give --html, --svg, --png and/or --dot")
    if args.renderer == "builtin" and args.png:
        parser.error("--renderer builtin draws SVG and the --html page; PNG needs the Graphviz dot")
    try:
        function = load_function(args.function)
    except (ImportError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    root = function()  # an error in the user's function keeps its traceback
    if not isinstance(root, Value):
        print(f"error: {args.function} returned {type(root).__name__}, expected a Value", file=sys.stderr)
        return 1
    try:
        draw = {"rankdir": args.rankdir, "grads": backpropagate(root), "max_nodes": args.max_nodes}
        for path, format in ((args.svg, "svg"), (args.png, "png")):
            if path:  # SVG: Graphviz, or the built-in layout without it
                renderer = "dot" if format == "png" else args.renderer
                path.write_bytes(render(root, format, renderer, **draw))
                print(f"wrote {path}")
        if args.dot:
            args.dot.write_text(draw_dot(root, **draw).source, encoding="utf-8")
            print(f"wrote {args.dot}")
        if args.html:
            write_html(root, args.html, renderer=args.renderer, max_nodes=args.max_nodes)
            print(f"wrote {args.html} (open it in a browser)")
    except (ImportError, ValueError, TypeError, RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
