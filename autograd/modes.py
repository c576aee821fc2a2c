"""Grad modes: ``no_grad`` (record no graph) and ``detect_anomaly`` (fail fast on nan/inf).

The mode lives in a ``ContextVar``, so it is per thread and per asyncio task: ``no_grad`` in one
thread never switches recording off in another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, NamedTuple


class GradMode(NamedTuple):
    record: bool  # build the graph (False inside no_grad)
    check_anomaly: bool  # raise FloatingPointError on a non-finite value or gradient


RECORDING = GradMode(record=True, check_anomaly=False)
grad_mode: ContextVar[GradMode] = ContextVar("chainrule_grad_mode", default=RECORDING)


class _ModeSwitch(contextlib.ContextDecorator):
    """A context manager (and decorator) that sets one field of the grad mode while it is active."""

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        # `@no_grad` (no parentheses) decorates `function` directly, like `@no_grad()`.
        switch = super().__new__(cls)
        switch._tokens = []
        if function is None:
            return switch
        if not callable(function):
            raise TypeError(f"{cls.__name__}() takes nothing or a function to decorate, got {function!r}")
        return switch(function)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        self._tokens: list[Token[GradMode]]  # set in __new__

    def _switch(self, mode: GradMode) -> GradMode:
        raise NotImplementedError

    def _recreate_cm(self) -> _ModeSwitch:
        # A fresh instance per decorated call keeps the decorator re-entrant and thread-safe.
        return type(self)()

    def __enter__(self) -> _ModeSwitch:
        self._tokens.append(grad_mode.set(self._switch(grad_mode.get())))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        grad_mode.reset(self._tokens.pop())


class no_grad(_ModeSwitch):
    """Record no graph inside: results are leaves with no children (fast inference, optimizer
    updates). Works as ``with no_grad():`` and as ``@no_grad()``."""

    def _switch(self, mode: GradMode) -> GradMode:
        return mode._replace(record=False)


class enable_grad(_ModeSwitch):
    """Record the graph again inside an enclosing ``no_grad``."""

    def _switch(self, mode: GradMode) -> GradMode:
        return mode._replace(record=True)


class detect_anomaly(_ModeSwitch):
    """Inside, any forward value or gradient that becomes ``nan`` or ``inf`` raises
    ``FloatingPointError`` naming the op, its label and its inputs."""

    def _switch(self, mode: GradMode) -> GradMode:
        return mode._replace(check_anomaly=True)


def is_grad_enabled() -> bool:
    """True when operations record the graph (outside ``no_grad``)."""
    return grad_mode.get().record
