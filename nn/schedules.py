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

from nn.optim import Optimizer


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
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"{name} state: steps must be an int >= 0, got {steps!r}")
        if isinstance(base_lr, bool) or not isinstance(base_lr, (int, float)) or base_lr < 0:
            raise ValueError(f"{name} state: base_lr must be a number >= 0, got {base_lr!r}")
        self.base_lr, self.steps = float(base_lr), steps
        self.optimizer.lr = self.lr_at(steps)


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
        self.gamma = float(_positive("gamma", gamma))

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma ** (k // self.step_size)


class ExponentialDecay(Schedule):
    """Multiply the learning rate by ``gamma`` every step."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = float(_positive("gamma", gamma))

    def lr_at(self, k: int) -> float:
        return self.base_lr * self.gamma**k


class LinearDecay(Schedule):
    """Move the learning rate in a straight line to ``end_lr`` over ``total_steps``, then hold it."""

    def __init__(self, optimizer: Optimizer, end_lr: float, total_steps: int) -> None:
        super().__init__(optimizer)
        if isinstance(end_lr, bool) or not isinstance(end_lr, (int, float)) or not end_lr >= 0:
            raise ValueError(f"end_lr must be a number >= 0, got {end_lr!r}")
        self.end_lr = float(end_lr)
        self.total_steps: int = _positive("total_steps", total_steps, integer=True)

    def lr_at(self, k: int) -> float:
        fraction = min(k, self.total_steps) / self.total_steps
        return self.base_lr + (self.end_lr - self.base_lr) * fraction
