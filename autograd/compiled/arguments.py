"""The arguments of a compiled function: its parameters, its inputs' names and numbers."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from autograd.compiled.codegen import Program
from autograd.engine import Value, is_real_number
from autograd.numerics import to_float


def params_of(params: object) -> tuple[list[Value], list[str]]:
    """Parameters and their names, from a list of Values, a mapping name -> Value, or a module."""
    if params is None:
        return [], []
    named: Iterable[tuple[object, object]]
    if isinstance(params, Mapping):
        named = params.items()
    elif callable(getattr(params, "named_parameters", None)):
        named = params.named_parameters()  # type: ignore[attr-defined]
    elif callable(getattr(params, "parameters", None)):
        named = (("", p) for p in params.parameters())  # type: ignore[attr-defined]
    elif isinstance(params, (Value, str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            "params must be a list of Values (model parameters), a mapping name -> Value, or a "
            f"module with parameters(); got {type(params).__name__}"
        )
    else:
        named = (("", p) for p in params)
    values: list[Value] = []
    labels: list[str] = []
    seen: set[Value] = set()
    for i, (name, p) in enumerate(named):
        if not isinstance(p, Value):
            raise TypeError(f"params[{i}] must be a Value, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(
                f"params[{i}] ({describe(p)}) is the result of an op ({p.op!r}), not a leaf: "
                "parameters are leaf Values such as a model's weights"
            )
        if p in seen:
            raise ValueError(f"params[{i}] ({describe(p)}) is listed twice")
        seen.add(p)
        values.append(p)
        labels.append(str(name) or p.label or f"p{i}")
    return values, labels


def describe(node: Value) -> str:
    label = f"label={node.label!r}, " if node.label else ""
    return f"Value({label}data={node.data!r})"


def signature_of(fn: Callable[..., Any]) -> tuple[list[str], int | None]:
    """``fn``'s positional parameter names, and how many inputs it takes (None if that varies)."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [], None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in positional]
    varies = any(
        p.kind == inspect.Parameter.VAR_POSITIONAL or (p.kind in positional and p.default is not p.empty)
        for p in parameters
    )
    return names, None if varies else len(names)


def as_float(x: object, where: str) -> float:
    if type(x) is float:
        return x
    if isinstance(x, Value) or not is_real_number(x):
        hint = " (pass its number: v.data)" if isinstance(x, Value) else ""
        raise TypeError(f"{where} must be a real number (int or float), got {type(x).__name__}{hint}")
    return to_float(x)  # type: ignore[arg-type]  # an int beyond float range is inf, as Value(10**400)


def close(expected: float, got: float, rtol: float) -> bool:
    if expected == got or (expected != expected and got != got):
        return True
    return abs(expected - got) <= rtol * max(abs(expected), abs(got))


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def difference(first: Program, second: Program) -> str:
    old = (first.forward + "".join(f"guard {t}\n" for t, _ in first.guards)).splitlines()
    new = (second.forward + "".join(f"guard {t}\n" for t, _ in second.guards)).splitlines()
    for a, b in zip(old, new):
        if a != b:
            return f"`{a.strip()}`, then `{b.strip()}`"
    return f"{len(old)} lines, then {len(new)}"
