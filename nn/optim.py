"""Optimizers: turn each parameter's gradient into an update of its value.

Updates are plain float arithmetic on ``p.data`` (no graph is recorded). Hyperparameters are
attributes (``optimizer.lr`` is what the schedules in :mod:`nn.schedules` change), and
``state_dict()`` / ``load_state_dict()`` save and restore everything needed to resume training.
``g`` below is ``p.grad + weight_decay * p.data`` (L2 weight decay, as in PyTorch).

========== ===================================================================================
SGD        v = momentum v + g;  p -= lr v          (plain gradient descent when momentum = 0)
Adam       m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  m^ = m / (1 - b1^t);
           v^ = v / (1 - b2^t);  p -= lr m^ / (sqrt(v^) + eps)          (t = 1, 2, ... steps)
RMSprop    v = alpha v + (1 - alpha) g^2;  p -= lr g / (sqrt(v) + eps)
========== ===================================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from autograd import Value
from autograd.engine import is_real_number
from nn.module import Module


class OptimizerStateError(ValueError):
    """An optimizer state dict that does not fit this optimizer (it is left unchanged)."""


def _check_params(params: Iterable[Value], where: str) -> list[Value]:
    if isinstance(params, Module):
        raise TypeError(f"{where} takes a list of parameters: pass model.parameters(), not the model")
    if isinstance(params, Value):
        raise TypeError(f"{where} takes a list of parameters, e.g. [x], not a single Value")
    params = list(params)
    if not params:
        raise ValueError(f"{where} got an empty parameter list")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameter {i} is {type(p).__name__}, expected a Value")
    if len({id(p) for p in params}) != len(params):
        raise ValueError(f"{where}: a parameter appears more than once (it would be updated twice)")
    return params


def _check_range(
    name: str, value: object, low: float, high: float = math.inf, *, open_high: bool = False
) -> float:
    if isinstance(value, bool) or not is_real_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]
    inside = low <= number < high if open_high else low <= number <= high
    if not inside:
        bracket = ")" if open_high else "]"
        raise ValueError(f"{name} must be in [{low}, {high}{bracket}, got {number}")
    return number


class Optimizer:
    """Base class. Subclasses list their ``hyperparameters`` (attributes saved by ``state_dict``)
    and per-parameter ``buffers`` (lists of floats, one entry per parameter), and define
    ``update(i, p, g)`` for parameter ``i`` with gradient ``g``."""

    hyperparameters: ClassVar[tuple[str, ...]] = ("lr",)
    buffers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        name = type(self).__name__
        self.params = _check_params(params, name)
        self.lr = _check_range("lr", lr, 0.0)
        self.weight_decay = _check_range("weight_decay", weight_decay, 0.0)
        self.step_count = 0  # completed steps (Adam's t)
        self.state: dict[str, list[float]] = {b: [0.0] * len(self.params) for b in self.buffers}

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its current ``.grad``."""
        self.step_count += 1
        decay = self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad + decay * p.data if decay else p.grad
            p.data -= self.update(i, float(g))

    def update(self, i: int, g: float) -> float:
        """The amount to subtract from parameter ``i`` given its gradient ``g``."""
        raise NotImplementedError

    # -- resuming -----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A JSON-ready copy of the hyperparameters, step count and buffers."""
        return {
            "type": type(self).__name__,
            "hyperparameters": {h: _plain(getattr(self, h)) for h in self.hyperparameters},
            "step_count": self.step_count,
            "state": {b: list(values) for b, values in self.state.items()},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore ``state_dict()`` output; ``OptimizerStateError`` (and no change) if it does not fit."""
        problem = self._state_problem(state)
        if problem:
            raise OptimizerStateError(
                f"cannot load {type(self).__name__} state ({problem}); optimizer unchanged"
            )
        for h in self.hyperparameters:
            value = state["hyperparameters"][h]
            setattr(self, h, tuple(value) if isinstance(value, list) else value)
        self.step_count = state["step_count"]
        self.state = {b: [float(x) for x in state["state"][b]] for b in self.buffers}

    def _state_problem(self, state: Any) -> str:
        name = type(self).__name__
        if not isinstance(state, Mapping):
            return f"expected a dict, got {type(state).__name__}"
        if state.get("type") != name:
            return f"it was saved from {state.get('type')!r}, not {name!r}"
        hyper, buffers, steps = state.get("hyperparameters"), state.get("state"), state.get("step_count")
        if not isinstance(hyper, Mapping) or set(hyper) != set(self.hyperparameters):
            return f"hyperparameters must be {list(self.hyperparameters)}"
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            return f"step_count must be an int >= 0, got {steps!r}"
        if not isinstance(buffers, Mapping) or set(buffers) != set(self.buffers):
            return f"buffers must be {list(self.buffers)}"
        for b in self.buffers:
            values = buffers[b]
            if not isinstance(values, list) or len(values) != len(self.params):
                got = len(values) if isinstance(values, list) else type(values).__name__
                return f"buffer {b!r} needs {len(self.params)} values (one per parameter), got {got}"
            if not all(is_real_number(x) and not isinstance(x, bool) for x in values):
                return f"buffer {b!r} must hold numbers"
        return ""

    def __repr__(self) -> str:
        options = ", ".join(f"{h}={getattr(self, h)!r}" for h in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum: ``v = momentum v + g; p -= lr v``
    (``p -= lr g`` when ``momentum = 0``; the first step's ``v`` is ``g``, as in PyTorch)."""

    hyperparameters = ("lr", "momentum", "weight_decay")
    buffers = ("velocity",)

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = _check_range("momentum", momentum, 0.0, 1.0, open_high=True)

    def update(self, i: int, g: float) -> float:
        if self.momentum:
            velocity = self.state["velocity"]
            velocity[i] = self.momentum * velocity[i] + g
            g = velocity[i]
        return self.lr * g


class Adam(Optimizer):
    """Adam: running means of the gradient (``m``) and its square (``v``), bias-corrected for their
    zero start, give each parameter its own step ``lr m^ / (sqrt(v^) + eps)``."""

    hyperparameters = ("lr", "betas", "eps", "weight_decay")
    buffers = ("m", "v")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            _check_range("betas[0]", betas[0], 0.0, 1.0, open_high=True),
            _check_range("betas[1]", betas[1], 0.0, 1.0, open_high=True),
        )
        self.eps = _check_range("eps", eps, 0.0)

    def step(self) -> None:
        beta1, beta2 = self.betas
        t = self.step_count + 1
        self._correction1 = 1.0 - beta1**t  # m^ = m / (1 - b1^t): undoes the pull towards m = 0
        self._correction2 = 1.0 - beta2**t
        super().step()

    def update(self, i: int, g: float) -> float:
        beta1, beta2 = self.betas
        m, v = self.state["m"], self.state["v"]
        m[i] = beta1 * m[i] + (1.0 - beta1) * g
        v[i] = beta2 * v[i] + (1.0 - beta2) * g * g
        m_hat = m[i] / self._correction1
        v_hat = v[i] / self._correction2
        return self.lr * m_hat / (math.sqrt(v_hat) + self.eps)


class RMSprop(Optimizer):
    """RMSprop: divide each gradient by a running root-mean-square of recent gradients,
    ``v = alpha v + (1 - alpha) g^2; p -= lr g / (sqrt(v) + eps)``; with ``momentum`` the scaled
    step is accumulated like SGD's velocity (as in PyTorch)."""

    hyperparameters = ("lr", "alpha", "eps", "momentum", "weight_decay")
    buffers = ("square_avg", "velocity")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = _check_range("alpha", alpha, 0.0, 1.0, open_high=True)
        self.eps = _check_range("eps", eps, 0.0)
        self.momentum = _check_range("momentum", momentum, 0.0, 1.0, open_high=True)

    def update(self, i: int, g: float) -> float:
        square_avg = self.state["square_avg"]
        square_avg[i] = self.alpha * square_avg[i] + (1.0 - self.alpha) * g * g
        scaled = g / (math.sqrt(square_avg[i]) + self.eps)
        if self.momentum:
            velocity = self.state["velocity"]
            velocity[i] = self.momentum * velocity[i] + scaled
            scaled = velocity[i]
        return self.lr * scaled


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Rescale the gradients so their global L2 norm ``sqrt(sum g^2)`` is at most ``max_norm`` (the
    cure for exploding gradients); returns the norm before clipping. A non-finite norm leaves the
    gradients untouched (there is no sensible direction to keep)."""
    max_norm = _check_range("max_norm", max_norm, 0.0)
    params = list(params)
    norm = math.sqrt(sum(float(p.grad) * float(p.grad) for p in params))
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for p in params:
            p.grad *= scale
    return norm
