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
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from autograd import Value
from autograd.engine import is_real_number
from autograd.numerics import to_float
from nn.module import Module, StateDictError


class OptimizerStateError(StateDictError):
    """An optimizer state dict that does not fit this optimizer (it is left unchanged)."""


def _check_params(params: Iterable[Value], where: str, *, allow_empty: bool = False) -> list[Value]:
    if isinstance(params, Module):
        raise TypeError(f"{where} takes a list of parameters: pass model.parameters(), not the model")
    if isinstance(params, Value):
        raise TypeError(f"{where} takes a list of parameters, e.g. [x], not a single Value")
    if callable(params) and not hasattr(params, "__iter__"):
        name = getattr(params, "__name__", "the function")
        raise TypeError(f"{where} got the method {name} itself, not its result: call it, model.{name}()")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{where} takes a list of parameters (e.g. model.parameters()), got {type(params).__name__}"
        ) from None
    if not params and not allow_empty:
        raise ValueError(f"{where} got an empty parameter list")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameter {i} is {type(p).__name__}, expected a Value")
    if len({id(p) for p in params}) != len(params):
        raise ValueError(f"{where}: a parameter appears more than once (it would be updated twice)")
    return params


def check_range(
    name: str, value: object, low: float, high: float = math.inf, *, open_high: bool = True
) -> float:
    """``value`` as a finite float in ``[low, high)`` (``[low, high]`` without ``open_high``), or a
    ``TypeError`` / ``ValueError`` naming it: the check every hyperparameter goes through."""
    if isinstance(value, bool) or not is_real_number(value):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r:.40}")
    number = to_float(value)  # type: ignore[arg-type]
    inside = low <= number < high if open_high else low <= number <= high
    if not (inside and math.isfinite(number)):
        bracket = ")" if open_high else "]"
        raise ValueError(f"{name} must be a finite number in [{low}, {high}{bracket}, got {number}")
    return number


def _non_negative(name: str, value: object) -> float:
    return check_range(name, value, 0.0)


def _fraction(name: str, value: object) -> float:
    return check_range(name, value, 0.0, 1.0)


def _betas(name: str, value: object) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {value!r:.60}")
    return (_fraction(f"{name}[0]", value[0]), _fraction(f"{name}[1]", value[1]))


# How each hyperparameter is checked, by name (a name means the same in every optimizer). Every
# assignment is checked: in the constructor, by load_state_dict and by a schedule setting ``lr``.
HYPERPARAMETER_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "lr": _non_negative,
    "weight_decay": _non_negative,
    "eps": _non_negative,
    "momentum": _fraction,
    "alpha": _fraction,
    "betas": _betas,
}


def _check_hyperparameter(name: str, value: Any) -> Any:
    check = HYPERPARAMETER_CHECKS.get(name)
    return value if check is None else check(name, value)


MAX_STEP_COUNT = 2**53  # a step count a float holds exactly (Adam computes beta ** t)


class Optimizer:
    """Base class. Subclasses list their ``hyperparameters`` (attributes saved by ``state_dict``)
    and per-parameter ``buffers`` (lists of floats, one entry per parameter), and define
    ``update(i, g)`` for parameter ``i`` with gradient ``g``."""

    hyperparameters: ClassVar[tuple[str, ...]] = ("lr",)
    buffers: ClassVar[tuple[str, ...]] = ()
    non_negative_buffers: ClassVar[tuple[str, ...]] = ()  # running means of g^2 (sqrt is taken)

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float = 0.0) -> None:
        name = type(self).__name__
        self.params = _check_params(params, name)
        self.lr = lr
        self.weight_decay = weight_decay
        self.step_count = 0  # completed steps (Adam's t)
        self.state: dict[str, list[float]] = {b: [0.0] * len(self.params) for b in self.buffers}

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, _check_hyperparameter(name, value))

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its current ``.grad``."""
        _refuse_nested_values(self.params, f"{type(self).__name__}.step()")  # before any update
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
        hyperparameters, step_count, buffers = self.check_state_dict(state)
        for h, value in hyperparameters.items():
            setattr(self, h, value)
        self.step_count = step_count
        self.state = buffers

    def check_state_dict(self, state: Any) -> tuple[dict[str, Any], int, dict[str, list[float]]]:
        """``state`` checked as ``load_state_dict`` needs it (hyperparameters as the constructor
        checks them, finite buffers of the right length): ``(hyperparameters, step_count,
        buffers)``, converted; ``OptimizerStateError`` saying what is wrong otherwise."""
        try:
            return self._checked(state)
        except (TypeError, ValueError) as error:
            raise OptimizerStateError(
                f"cannot load {type(self).__name__} state ({error}); optimizer unchanged"
            ) from None

    def _checked(self, state: Any) -> tuple[dict[str, Any], int, dict[str, list[float]]]:
        name = type(self).__name__
        if not isinstance(state, Mapping):
            raise TypeError(f"expected a dict, got {type(state).__name__}")
        if state.get("type") != name:
            raise ValueError(f"it was saved from {state.get('type')!r:.60}, not {name!r}")
        hyper, buffers, steps = state.get("hyperparameters"), state.get("state"), state.get("step_count")
        if not isinstance(hyper, Mapping) or set(hyper) != set(self.hyperparameters):
            raise ValueError(f"hyperparameters must be {list(self.hyperparameters)}")
        hyperparameters = {h: _check_hyperparameter(h, hyper[h]) for h in self.hyperparameters}
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEP_COUNT:
            raise ValueError(f"step_count must be an int in [0, 2**53], got {steps!r:.40}")
        if not isinstance(buffers, Mapping) or set(buffers) != set(self.buffers):
            raise ValueError(f"buffers must be {list(self.buffers)}")
        return hyperparameters, steps, {b: self._checked_buffer(b, buffers[b]) for b in self.buffers}

    def _checked_buffer(self, name: str, values: Any) -> list[float]:
        if not isinstance(values, list) or len(values) != len(self.params):
            got = len(values) if isinstance(values, list) else type(values).__name__
            raise ValueError(
                f"buffer {name!r} needs {len(self.params)} values (one per parameter), got {got}"
            )
        low = 0.0 if name in self.non_negative_buffers else -math.inf
        return [check_range(f"buffer {name!r} item {i}", x, low) for i, x in enumerate(values)]

    def __repr__(self) -> str:
        options = ", ".join(f"{h}={getattr(self, h)!r}" for h in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"


def _refuse_nested_values(params: list[Value], where: str) -> None:
    """``TypeError`` if a parameter's ``.data`` or ``.grad`` holds a ``Value`` where a number belongs."""
    for i, p in enumerate(params):
        if isinstance(p.data, Value) or isinstance(p.grad, Value):
            label = f" ({p.label})" if p.label else ""
            if isinstance(p.data, Value):
                raise TypeError(
                    f"{where}: parameter {i}{label} holds a Value in .data, where a number belongs "
                    "(an update like `p.data -= lr * g` with a Value g nests graphs): write numbers, g.data"
                )
            raise TypeError(
                f"{where}: parameter {i}{label} has a Value as its .grad, where a number belongs "
                "(from grad(..., create_graph=True)?): set p.grad to a number, e.g. g.data"
            )


def _over_zero(numerator: float) -> float:
    """``numerator / 0`` where ``eps = 0`` leaves nothing under a zero gradient: no gradient, no step
    (``0 / 0 = 0``; PyTorch gives ``nan``, which would silently ruin the parameter). A nonzero
    numerator over 0 (a gradient so small that its square underflows) is ``±inf``, as in IEEE-754."""
    return 0.0 if numerator == 0.0 else math.copysign(math.inf, numerator)


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
        self.momentum = momentum

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
    non_negative_buffers = ("v",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.betas = betas
        self.eps = eps

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
        step, denominator = self.lr * m_hat, math.sqrt(v_hat) + self.eps
        return step / denominator if denominator else _over_zero(step)


class RMSprop(Optimizer):
    """RMSprop: divide each gradient by a running root-mean-square of recent gradients,
    ``v = alpha v + (1 - alpha) g^2; p -= lr g / (sqrt(v) + eps)``; with ``momentum`` the scaled
    step is accumulated like SGD's velocity (as in PyTorch)."""

    hyperparameters = ("lr", "alpha", "eps", "momentum", "weight_decay")
    buffers = ("square_avg", "velocity")
    non_negative_buffers = ("square_avg",)

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
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum

    def update(self, i: int, g: float) -> float:
        square_avg = self.state["square_avg"]
        square_avg[i] = self.alpha * square_avg[i] + (1.0 - self.alpha) * g * g
        denominator = math.sqrt(square_avg[i]) + self.eps
        scaled = g / denominator if denominator else _over_zero(g)
        if self.momentum:
            velocity = self.state["velocity"]
            velocity[i] = self.momentum * velocity[i] + scaled
            scaled = velocity[i]
        return self.lr * scaled


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Rescale the gradients so their global L2 norm ``sqrt(sum g^2)`` is at most ``max_norm`` (the
    cure for exploding gradients); returns the norm before clipping. A non-finite norm leaves the
    gradients untouched (there is no sensible direction to keep)."""
    max_norm = check_range("max_norm", max_norm, 0.0)
    params = _check_params(params, "clip_grad_norm", allow_empty=True)
    _refuse_nested_values(params, "clip_grad_norm")
    norm = math.sqrt(sum(float(p.grad) * float(p.grad) for p in params))
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for p in params:
            p.grad *= scale
    return norm
