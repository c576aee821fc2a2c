"""Import what a command line names as ``"package.module:name"`` or ``"path/file.py:name"``."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def import_spec(spec: str, kind: str) -> tuple[ModuleType, str, str]:
    """The module named before the colon of ``spec``, with that module part and the name after it.

    ``kind`` says what the name should be (``"Class"``, ``"function"``) in the error for a bad spec.
    """
    module_name, colon, name = spec.rpartition(":")
    if not colon or not module_name or not name:
        raise ValueError(f"expected module:{kind} or path/file.py:{kind}, got {spec!r}")
    if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
        path = Path(module_name)
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        if module_spec is None or module_spec.loader is None:
            raise ValueError(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        if str(Path.cwd()) not in sys.path:  # like `python -m`: modules in the working directory
            sys.path.insert(0, str(Path.cwd()))
        module = importlib.import_module(module_name)
    return module, module_name, name
