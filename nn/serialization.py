"""Saving and loading models as JSON (never pickle: loading a file runs no code from it).

A file looks like::

    {"format": "chainrule-model", "version": 1,
     "model": {"type": "MLP", "config": {"nin": 2, "nouts": [16, 16, 1], ...}},
     "state_dict": {"layers.0.neurons.0.w": [0.12, -0.5], "layers.0.neurons.0.b": [0.0], ...},
     "optimizer": null}

``save`` writes to a temporary file in the same directory and renames it over the target
(``os.replace`` is atomic), so a crash or error mid-save leaves any old file intact. ``load``
checks everything (valid JSON, format, version, architecture, every key and length) before
touching a model, and raises ``ModelFileError`` (a ``ValueError``) saying what is wrong.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nn.module import Module, StateDictError, build_module, module_spec
from nn.optim import Optimizer, OptimizerStateError

FORMAT = "chainrule-model"
FORMAT_VERSION = 1


class ModelFileError(ValueError):
    """A model file that cannot be saved or loaded: corrupt, truncated, another format or version,
    or weights that do not fit the model. Nothing was changed."""


def _reject_constant(name: str) -> float:
    raise ModelFileError(f"{name} is not valid JSON (JSON has no NaN or Infinity)")


def save(model: Module, path: str | os.PathLike[str], optimizer: Optimizer | None = None) -> None:
    """Write ``model`` (architecture when it can be rebuilt, and weights) to ``path`` as JSON;
    with ``optimizer``, its state too, so training can resume. Atomic: on any error the old file at
    ``path`` is untouched and no temporary file is left behind."""
    if not isinstance(model, Module):
        raise TypeError(f"save expects an nn Module, got {type(model).__name__}")
    state = model.state_dict()
    for key, values in state.items():
        bad = next((x for x in values if not math.isfinite(x)), None)
        if bad is not None:
            raise ModelFileError(
                f"cannot save: parameter {key!r} holds {bad} (training diverged?); "
                "JSON has no NaN or Infinity, and the old file was left as it was"
            )
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": module_spec(model),
        "state_dict": state,
        "optimizer": None if optimizer is None else optimizer.state_dict(),
    }
    text = json.dumps(document, allow_nan=False)
    _write_atomically(Path(path), text)


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked contents of a model file (format, version and layout), without building anything."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{path}: not a chainrule model file (not UTF-8 text: {error})") from error
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        at_end = error.pos >= len(text.rstrip())
        what = "truncated (the JSON ends early)" if at_end else "corrupt (not valid JSON)"
        raise ModelFileError(f"{path}: the file is {what}: {error}") from error
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{path}: not a chainrule model file (format is {found!r}, expected {FORMAT!r})")
    version = document.get("version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: unsupported format version {version!r}; this chainrule reads version {FORMAT_VERSION}"
        )
    if not isinstance(document.get("state_dict"), dict):
        raise ModelFileError(f"{path}: 'state_dict' is missing or not an object")
    if document.get("model") is not None and not isinstance(document["model"], dict):
        raise ModelFileError(f"{path}: 'model' must be an object or null")
    return document


def load(
    path: str | os.PathLike[str], model: Module | None = None, optimizer: Optimizer | None = None
) -> Module:
    """The model saved at ``path``.

    Without ``model`` the architecture recorded in the file is rebuilt (built-in modules, or ones
    registered with ``nn.register_module``); with ``model`` the weights are loaded into it (its
    architecture must match). With ``optimizer`` its saved state is restored too. On any error,
    ``ModelFileError`` explains it and neither ``model`` nor ``optimizer`` has changed.
    """
    document = read(path)
    if model is None:
        spec = document.get("model")
        if spec is None:
            raise ModelFileError(
                f"{path}: the file holds weights but no architecture (the model was a custom "
                "Module without config()); build the model and call nn.load(path, model=model)"
            )
        try:
            model = build_module(spec)
        except ValueError as error:
            raise ModelFileError(f"{path}: cannot rebuild the model: {error}") from error
    elif not isinstance(model, Module):
        raise TypeError(f"model must be an nn Module, got {type(model).__name__}")
    else:
        _check_architecture(path, model, document.get("model"))
    saved_optimizer = document.get("optimizer")
    if optimizer is not None and saved_optimizer is None:
        raise ModelFileError(f"{path}: an optimizer was given but the file holds no optimizer state")
    if optimizer is not None:
        problem = optimizer._state_problem(saved_optimizer)
        if problem:
            raise ModelFileError(f"{path}: optimizer state does not fit ({problem}); nothing changed")
    try:
        model.load_state_dict(document["state_dict"])  # validates everything before any change
    except StateDictError as error:
        raise ModelFileError(f"{path}: {error}") from error
    if optimizer is not None and saved_optimizer is not None:
        try:
            optimizer.load_state_dict(saved_optimizer)
        except OptimizerStateError as error:  # pragma: no cover - checked above
            raise ModelFileError(f"{path}: {error}") from error
    return model


def _check_architecture(path: object, model: Module, saved: Mapping[str, Any] | None) -> None:
    """Refuse a file saved from a different architecture (when both sides can describe theirs)."""
    ours = module_spec(model)
    if saved is not None and ours is not None and saved != ours:
        raise ModelFileError(
            f"{path}: the file holds a different architecture ({_describe(saved)}) than the model "
            f"({_describe(ours)}); model unchanged"
        )


def _describe(spec: Mapping[str, Any]) -> str:
    return f"{spec.get('type')} {json.dumps(spec.get('config'), sort_keys=True)[:200]}"
