"""Command line: check a scalar autodiff engine against chainrule.

    python -m autograd.testing check-engine micrograd.engine:Value
    python -m autograd.testing check-engine path/to/engine.py:Value --max-examples 300

``module:Class`` (or ``path/to/file.py:Class``) names the engine's ``Value`` class, or an
``EngineAdapter`` instance for an engine that needs one. Prints the report; the exit status is 0 when
every property holds, 1 when one fails, 2 when the engine cannot be loaded or checked.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from autograd._load import import_spec
from autograd.testing.engine_check import check_engine
from autograd.testing.engines import EngineAdapterError


def load_object(spec: str) -> object:
    """The object named by ``"package.module:name"`` or ``"path/file.py:name"``."""
    module, module_name, name = import_spec(spec, "Class")
    if not hasattr(module, name):
        raise ValueError(f"{module_name} has no {name!r}")
    return getattr(module, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.testing",
        description="Check a scalar autodiff engine (yours, micrograd...) against chainrule.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check-engine", help="check an engine's values, gradients and semantics")
    check.add_argument("engine", help="module:Class or path/file.py:Class (your Value class)")
    check.add_argument(
        "--max-examples", type=int, default=100, help="random graphs per property (%(default)s)"
    )
    check.add_argument("--max-ops", type=int, default=4, help="ops per random graph at most (%(default)s)")
    check.add_argument("--deep", type=int, default=5000, help="longest chain of ops tried (%(default)s)")
    check.add_argument("--seed", type=int, default=0, help="hypothesis seed: the same report every run")
    check.add_argument("--fresh", action="store_true", help="new random examples each run (ignores --seed)")
    args = parser.parse_args(argv)
    try:
        engine = load_object(args.engine)
        report = check_engine(
            engine,
            max_examples=args.max_examples,
            max_ops=args.max_ops,
            deep=args.deep,
            seed=None if args.fresh else args.seed,
            raise_on_failure=False,
        )
    except (ImportError, ValueError, EngineAdapterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
