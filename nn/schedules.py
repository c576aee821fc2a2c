"""Learning-rate schedules: change ``optimizer.lr`` as training goes on (big steps first, small
steps to settle). Call ``schedule.step()`` after each ``optimizer.step()``; after ``k`` calls the
learning rate is ``lr_at(k)``, with ``lr_0`` the optimizer's learning rate when the schedule was made:

================================  ===================================================
``StepDecay(opt, size, gamma)``   lr_k = lr_0 * gamma^floor(k / size)
``ExponentialDecay(opt, gamma)``  lr_k = lr_0 * gamma^k
``LinearDecay(opt, end, steps)``  lr_k = lr_0 + (end - lr_0) * min(k, steps) / steps
================================  ===================================================

micrograd's demo (``lr = 1.0 - 0.9 * k / 100``) is ``LinearDecay(SGD(params, lr=1.0), 0.1, 100)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autograd.numerics import power
from nn.optim import MAX_STEP_COUNT, Optimizer, check_range


class Schedule:
    """Base class: subclasses define ``lr_at(k)``, the learning rate after ``k`` steps."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule drives an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.steps = 0

    def lr_at(self, k: int) -> float:
        """The learning rate after ``k`` steps."""
        raise NotImplementedError

    def step(self) -> float:
        """Count one optimizer step and set the optimizer's learning rate; returns it."""
        self.steps += 1
        self.optimizer.lr = self.lr_at(self.steps)
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "base_lr", "steps"}``: enough to resume the schedule."""
        return {"type": type(self).__name__, "base_lr": self.base_lr, "steps": self.steps}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()`` output and set the optimizer's learning rate to match."""
        name = type(self).__name__
        if not isinstance(state, Mapping) or state.get("type") != name:
            raise ValueError(f"not a {name} state: {state!r:.80}")
        steps, base_lr = state.get("steps"), state.get("base_lr")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEP_COUNT:
            raise ValueError(f"{name} state: steps must be an int in [0, 2**53], got {steps!r:.40}")
        try:
            base_lr = check_range("base_lr", base_lr, 0.0)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} state: {error}") from None
        old_base_lr, self.base_lr = self.base_lr, base_lr
        try:
            self.optimizer.lr = self.lr_at(steps)  # the optimizer checks it
        except (TypeError, ValueError):
            self.base_lr = old_base_lr  # nothing changed
            raise
        self.steps = steps


def _positive(name: str, value: Any, *, integer: bool = False) -> Any:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        raise ValueError(f"{name} must be a positive {'int' if integer else 'number'}, got {value!r}")
    return value


class StepDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self.step_size: int = _positive("step_size", step_size, integer=True)
        self.gamma = check_range("gamma", _positive("gamma", gamma), 0.0)

    def lr_at(self, k: int) -> float:
        return self.base_lr * power(self.gamma, k // self.step_size)  # inf, not OverflowError


class ExponentialDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every step."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = check_range("gamma", _positive("gamma", gamma), 0.0)

    def lr_at(self, k: int) -> float:
        return self.base_lr * power(self.gamma, k)


class LinearDecay(Schedule):
    """Move the learning rate in a straight line to ``end_lr`` over ``total_steps``, then hold it."""

    def __init__(self, optimizer: Optimizer, end_lr: float, total_steps: int) -> None:
        super().__init__(optimizer)
        self.end_lr = check_range("end_lr", end_lr, 0.0)
        self.total_steps: int = _positive("total_steps", total_steps, integer=True)

    def lr_at(self, k: int) -> float:
        fraction = min(k, self.total_steps) / self.total_steps
        return self.base_lr + (self.end_lr - self.base_lr) * fraction
