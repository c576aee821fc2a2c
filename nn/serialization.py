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
import itertools
import json
import math
import os
import re
import secrets
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nn.module import Module, StateDictError, build_module, module_spec
from nn.optim import Optimizer, OptimizerStateError

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
MAX_NESTING = 64  # a model file nests a few levels (Sequential in Residual in ...), never hundreds
BUILD_SLACK = 10_000  # parameters a file may lack and still be built (to name what is missing)
MAX_INT_DIGITS = 309  # an integer with more digits is beyond float range (about 1.8e308)


class ModelFileError(ValueError):
    """A model file that cannot be saved or loaded: corrupt, truncated, another format or version,
    or weights that do not fit the model. Nothing was changed."""


def _reject_constant(name: str) -> float:
    raise ModelFileError(f"{name} is not valid JSON (JSON has no NaN or Infinity)")


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ModelFileError(f"an integer of {digits} digits is beyond float range")
    return int(text)


def _parse_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ModelFileError(f"the number {text[:40]} is beyond float range")
    return number


def save(model: Module, path: str | os.PathLike[str], optimizer: Optimizer | None = None) -> None:
    """Write ``model`` (architecture when it can be rebuilt, and weights) to ``path`` as JSON;
    with ``optimizer``, its state too, so training can resume. Atomic: on any error the old file at
    ``path`` is untouched and no temporary file is left behind. An existing file keeps its
    permissions, and a symlink is written through (its target gets the new contents)."""
    if not isinstance(model, Module):
        raise TypeError(f"save expects an nn Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"save: optimizer must be an nn.optim Optimizer, got {type(optimizer).__name__}")
    state = model.state_dict()
    for key, values in state.items():
        _refuse_non_finite(f"parameter {key!r}", values)
    optimizer_state = None if optimizer is None else optimizer.state_dict()
    if optimizer_state is not None:
        for key, values in optimizer_state["state"].items():
            _refuse_non_finite(f"optimizer buffer {key!r}", values)
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": module_spec(model),
        "state_dict": state,
        "optimizer": optimizer_state,
    }
    try:
        text = json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as error:  # a custom config() or hyperparameter JSON cannot hold
        raise ModelFileError(f"cannot save: {error}; the old file was left as it was") from error
    _write_atomically(Path(os.path.realpath(path)), text)


def _refuse_non_finite(what: str, values: list[float]) -> None:
    bad = next((x for x in values if not math.isfinite(x)), None)
    if bad is not None:
        raise ModelFileError(
            f"cannot save: {what} holds {bad} (training diverged?); "
            "JSON has no NaN or Infinity, and the old file was left as it was"
        )


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, flush it to disk, rename it over ``path``
    (atomic) and flush the directory entry. The temporary file is removed on any error."""
    _remove_stale_temporaries(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # Created like any new file (mode 0o666 minus the umask), then given the old file's mode.
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            with contextlib.suppress(FileNotFoundError):  # a new file keeps the umask's mode
                os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    """Flush the rename to disk (POSIX: fsync the directory); best effort elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _remove_stale_temporaries(path: Path) -> None:
    """Remove temporary files that an earlier save of ``path`` left when it was killed: those whose
    writing process (the pid in the name) no longer exists. A live writer's file is never touched."""
    if os.name != "posix":  # os.kill(pid, 0) only probes a process on POSIX
        return
    pattern = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[0-9a-f]{8}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            match = pattern.fullmatch(entry.name)
            if match and not _process_exists(int(match.group(1))):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be saving
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # no permission to signal it: it exists; or a bogus pid
        return True
    return True


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked contents of a model file (format, version and layout), without building anything."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{path}: not a chainrule model file (not UTF-8 text: {error})") from error
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty")
    try:
        document = json.loads(
            text, parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float
        )
    except json.JSONDecodeError as error:
        at_end = error.pos >= len(text.rstrip())
        what = "truncated (the JSON ends early)" if at_end else "corrupt (not valid JSON)"
        raise ModelFileError(f"{path}: the file is {what}: {error}") from error
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from error
    except RecursionError:
        raise ModelFileError(f"{path}: the JSON is nested too deeply to be a model file") from None
    _check_layout(path, document)
    return document  # type: ignore[no-any-return]


def _check_layout(path: object, document: object) -> None:
    if _nesting(document) > MAX_NESTING:
        raise ModelFileError(f"{path}: the JSON nests deeper than {MAX_NESTING} levels; not a model file")
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(
            f"{path}: not a chainrule model file (format is {found!r:.60}, expected {FORMAT!r})"
        )
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:  # not True, not 1.0
        raise ModelFileError(
            f"{path}: unsupported format version {version!r:.40}; "
            f"this chainrule reads version {FORMAT_VERSION}"
        )
    if not isinstance(document.get("state_dict"), dict):
        raise ModelFileError(f"{path}: 'state_dict' is missing or not an object")
    for key in ("model", "optimizer"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise ModelFileError(f"{path}: {key!r} must be an object or null")


def _nesting(document: object) -> int:
    """How deeply ``document``'s lists and dicts nest (iteratively: no recursion limit)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        if children:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def load(
    path: str | os.PathLike[str], model: Module | None = None, optimizer: Optimizer | None = None
) -> Module:
    """The model saved at ``path``.

    Without ``model`` the architecture recorded in the file is rebuilt (built-in modules, or ones
    registered with ``nn.register_module``); with ``model`` the weights are loaded into it (its
    architecture must match). With ``optimizer`` its saved state is restored too. Everything is
    checked before anything changes (or anything large is built): on any error ``ModelFileError``
    explains it and neither ``model`` nor ``optimizer`` has changed.
    """
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"model must be an nn Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an nn.optim Optimizer, got {type(optimizer).__name__}")
    document = read(path)
    if model is None:
        model = _rebuild(path, document)
    else:
        _check_architecture(path, model, document.get("model"))
    saved_optimizer = document.get("optimizer")
    if optimizer is not None:
        if saved_optimizer is None:
            raise ModelFileError(f"{path}: an optimizer was given but the file holds no optimizer state")
        try:
            optimizer.check_state_dict(saved_optimizer)
        except OptimizerStateError as error:
            raise ModelFileError(f"{path}: {error}") from error
    try:
        model.load_state_dict(document["state_dict"])  # validates everything before any change
    except StateDictError as error:
        raise ModelFileError(f"{path}: {error}") from error
    if optimizer is not None:
        optimizer.load_state_dict(saved_optimizer)  # type: ignore[arg-type]  # checked above
    return model


def _rebuild(path: object, document: Mapping[str, Any]) -> Module:
    """The model the file describes. A model much larger than the weights the file holds is refused
    before it is built (it could never be filled); one about the file's size is built, so that
    ``load_state_dict`` can name the missing or unexpected keys."""
    spec = document.get("model")
    if spec is None:
        raise ModelFileError(
            f"{path}: the file holds weights but no architecture (the model was a custom "
            "Module without config()); build the model and call nn.load(path, model=model)"
        )
    declared = parameter_count(spec)
    held = sum(len(v) if isinstance(v, list) else 1 for v in document["state_dict"].values())
    if declared is not None and declared > held + BUILD_SLACK:
        raise ModelFileError(
            f"{path}: the architecture ({_architecture(spec)}) has {declared} parameters but the file "
            f"holds {held} numbers; nothing was built"
        )
    try:
        return build_module(spec)
    except ValueError as error:
        raise ModelFileError(f"{path}: cannot rebuild the model: {error}") from error


def parameter_count(spec: Mapping[str, Any]) -> int | None:
    """How many parameters the module ``spec`` describes (``module_spec`` output), computed from its
    config without building it; ``None`` for a custom module or a config the constructor refuses."""
    rule = _PARAMETER_COUNTS.get(spec.get("type"))  # type: ignore[arg-type]
    config = spec.get("config")
    if rule is None or not isinstance(config, Mapping):
        return None
    try:
        return rule(config)
    except (TypeError, KeyError, ValueError):
        return None


def _size(config: Mapping[str, Any], key: str) -> int:
    n = config[key]
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{key} must be a positive int")
    return n


def _mlp_count(config: Mapping[str, Any]) -> int:
    nouts = config["nouts"]
    if not isinstance(nouts, list) or not nouts:
        raise ValueError("nouts must be a list")
    sizes = [_size(config, "nin")] + [_size({"n": n}, "n") for n in nouts]
    return sum(nout * (nin + 1) for nin, nout in itertools.pairwise(sizes))


def _children_count(specs: object) -> int:
    if not isinstance(specs, list):
        raise ValueError("modules must be a list")
    counts = [parameter_count(spec) if isinstance(spec, Mapping) else None for spec in specs]
    if any(count is None for count in counts):
        raise ValueError("a module of unknown size")
    return sum(counts)  # type: ignore[arg-type]


# The parameter count of each built-in module from its config (nn.layers): w and b per neuron,
# gamma and beta per LayerNorm input. tests/nn/test_serialization.py checks each against a built one.
_PARAMETER_COUNTS: dict[str, Callable[[Mapping[str, Any]], int]] = {
    "Neuron": lambda c: _size(c, "nin") + 1,
    "Layer": lambda c: _size(c, "nout") * (_size(c, "nin") + 1),
    "MLP": _mlp_count,
    "LayerNorm": lambda c: 2 * _size(c, "n"),
    "Dropout": lambda c: 0,
    "Sequential": lambda c: _children_count(c["modules"]),
    "Residual": lambda c: _children_count([c["block"]]),
}


def _check_architecture(path: object, model: Module, saved: Mapping[str, Any] | None) -> None:
    """Refuse a file saved from a different architecture (when both sides can describe theirs)."""
    ours = module_spec(model)
    if saved is not None and ours is not None and saved != ours:
        raise ModelFileError(
            f"{path}: the file holds a different architecture ({_architecture(saved)}) than the model "
            f"({_architecture(ours)}); model unchanged"
        )


def _architecture(spec: Mapping[str, Any]) -> str:
    return f"{spec.get('type')} {json.dumps(spec.get('config'), sort_keys=True)[:200]}"
