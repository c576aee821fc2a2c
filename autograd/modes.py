"""Grad modes: ``no_grad`` (record no graph) and ``detect_anomaly`` (fail fast on nan/inf).

The mode lives in a ``ContextVar``, so it is per thread and per asyncio task: ``no_grad`` in one
thread never switches recording off in another. Entering a switch pushes the mode it replaces onto
a stack that is itself a ``ContextVar``; leaving pops it. The switch objects hold no state, so one
object can be entered by many threads (or re-entered by recursion) at the same time.

Each switch is one object that works three ways::

    with no_grad(): ...         # a context manager
    @no_grad()                  # a decorator
    @no_grad                    # also a decorator: no_grad(f) decorates f

Decorating a generator function switches the mode inside its body (in a context of its own, so
the mode never leaks to the caller at a ``yield``); an ``async`` function, inside its coroutine.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from contextvars import Context, ContextVar, copy_context
from types import TracebackType
from typing import Any, NamedTuple, TypeVar, overload


class GradMode(NamedTuple):
    record: bool  # build the graph (False inside no_grad)
    check_anomaly: bool  # raise FloatingPointError on a non-finite value or gradient


RECORDING = GradMode(record=True, check_anomaly=False)
grad_mode: ContextVar[GradMode] = ContextVar("chainrule_grad_mode", default=RECORDING)
# The modes to restore, innermost last: one stack per thread and task, shared by every switch.
_outer_modes: ContextVar[tuple[GradMode, ...]] = ContextVar("chainrule_outer_modes", default=())

F = TypeVar("F", bound=Callable[..., Any])


class GradModeSwitch:
    """A context manager and decorator that sets one field of the grad mode while it is active."""

    def __init__(self, name: str, field: str, value: bool, doc: str) -> None:
        self.name, self._field, self._value = name, field, value
        self.__doc__ = doc

    @overload
    def __call__(self, function: None = None) -> GradModeSwitch: ...
    @overload
    def __call__(self, function: F) -> F: ...

    def __call__(self, function: Callable[..., Any] | None = None) -> Any:
        """``switch()`` is the context manager; ``switch(f)`` is ``f`` running inside it."""
        if function is None:
            return self
        if not callable(function):
            raise TypeError(f"{self.name}() takes nothing or a function to decorate, got {function!r:.60}")
        return self._decorate(function)

    def __enter__(self) -> GradModeSwitch:
        mode = grad_mode.get()
        _outer_modes.set((*_outer_modes.get(), mode))
        switched = mode._replace(**{self._field: self._value})
        grad_mode.set(RECORDING if switched == RECORDING else switched)  # the engine's fast path
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        *outer, mode = _outer_modes.get()
        _outer_modes.set(tuple(outer))
        grad_mode.set(mode)

    def __repr__(self) -> str:
        return f"<grad mode switch {self.name}>"

    def _decorate(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(function):
            return functools.wraps(function)(functools.partial(_run_generator, self, function))

        if inspect.iscoroutinefunction(function):

            async def run_coroutine(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return functools.wraps(function)(run_coroutine)

        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return functools.wraps(function)(run)


def _run_generator(
    switch: GradModeSwitch, function: Callable[..., Generator[Any, Any, Any]], *args: Any, **kwargs: Any
) -> Generator[Any, Any, Any]:
    """``function``'s generator, its body run with ``switch`` on.

    The body runs in its own copy of the context (taken when it first resumes), so the mode it sets
    stays on across its ``yield``s and never leaks into the caller's code between them.
    """
    generator = function(*args, **kwargs)
    context: Context | None = None
    resume: Callable[[Any], Any] = generator.send
    argument: Any = None
    while True:
        if context is None:
            context = copy_context()
            context.run(switch.__enter__)
        try:
            response = context.run(resume, argument)
        except StopIteration as stop:
            return stop.value
        try:
            argument, resume = (yield response), generator.send
        except GeneratorExit:
            context.run(generator.close)
            raise
        except BaseException as error:  # thrown in by the caller: pass it to the body
            argument, resume = error, generator.throw


no_grad = GradModeSwitch(
    "no_grad",
    "record",
    False,
    """Record no graph inside: results are leaves with no children (fast inference, optimizer
    updates). ``with no_grad():``, ``@no_grad()`` or ``@no_grad``.""",
)
enable_grad = GradModeSwitch(
    "enable_grad", "record", True, "Record the graph again inside an enclosing ``no_grad``."
)
detect_anomaly = GradModeSwitch(
    "detect_anomaly",
    "check_anomaly",
    True,
    """Inside, any forward value or gradient that becomes ``nan`` or ``inf`` raises
    ``FloatingPointError`` naming the op, its label and its inputs.""",
)


def is_grad_enabled() -> bool:
    """True when operations record the graph (outside ``no_grad``)."""
    return grad_mode.get().record
