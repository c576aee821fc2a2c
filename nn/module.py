"""``Module``: the base class of every model piece; it finds its own parameters.

A module's parameters are the ``Value``s stored in its public attributes: a ``Value``, a list of
``Value``s, another ``Module``, or a list of ``Module``s (searched recursively). Their order is the
order the attributes were assigned in ``__init__``, so ``parameters()`` is stable from run to run and
``state_dict()`` keys are readable paths such as ``"layers.0.neurons.3.w"``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Union

from autograd import Value
from autograd.engine import is_real_number
from autograd.numerics import to_float

Scalar = Value | float | int  # one input number: a Value or a plain number
Output = Value | list[Value]  # what a model returns: one Value, or a list of them


# What the walker finds in a module's attributes: a sub-module, a parameter, or a list of parameters.
Member = Union["Module", Value, list[Value]]

# Short names for the standard containers' lists in parameter labels (layers.0 -> L0).
SHORT_NAMES = {"layers": "L", "neurons": "N"}


class StateDictError(ValueError):
    """A state dict that does not fit the model: missing or unexpected keys, wrong lengths or values.
    The model is left unchanged."""


class Module:
    """Base class: subclasses create their ``Value`` parameters (and sub-modules) in ``__init__`` and
    define ``forward``; calling the module calls ``forward`` (PyTorch's convention).

    Assigning a parameter or a sub-module to a public attribute labels every parameter below it by
    where it sits (``L0.N1.w0``: layer 0, neuron 1, weight 0), so the labels are unique within the
    model and every node of a drawing can be told apart.
    """

    training: bool = True  # train() / eval() set it on the module and all sub-modules

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def forward(self, *args: Any) -> Any:
        """What the module computes; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if not name.startswith("_") and any(True for _ in _members(name, value)):
            self.label_parameters()

    # -- structure: one walker over the public attributes --------------------------------------------

    def _named_members(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Member]]:
        """``(path, member)`` for every sub-module, parameter (``Value``) and list of parameters,
        in attribute assignment order, depth first (a module before what it holds). Attributes
        whose name starts with ``_`` are private and skipped. Everything below is built on this."""
        for name, attr in vars(self).items():
            if name.startswith("_"):
                continue
            for path, member in _members(prefix + name, attr):
                yield path, member
                if recurse and isinstance(member, Module):
                    yield from member._named_members(path + ".")

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute paths (``"layers.0"``), in assignment order."""
        return ((path, m) for path, m in self._named_members(recurse=False) if isinstance(m, Module))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first."""
        yield self
        yield from (m for _, m in self._named_members() if isinstance(m, Module))

    def named_parameter_groups(self, prefix: str = "") -> Iterator[tuple[str, list[Value], bool]]:
        """``(path, values, is_single)`` per parameter attribute: a ``Value`` attribute is a group of
        one (``is_single``), a list of ``Value``s one group. These are the ``state_dict`` entries."""
        for path, member in self._named_members(prefix):
            if isinstance(member, Value):
                yield path, [member], True
            elif isinstance(member, list):
                yield path, member, False

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """``(name, parameter)`` pairs: ``"layers.0.neurons.0.w.1"``, ``"layers.0.neurons.0.b"``, ..."""
        for path, values, is_single in self.named_parameter_groups():
            if is_single:
                yield path, values[0]
            else:
                for i, value in enumerate(values):
                    yield f"{path}.{i}", value

    def parameters(self) -> list[Value]:
        """Every parameter, in a stable order (the order of ``named_parameters``)."""
        return [v for _, values, _ in self.named_parameter_groups() for v in values]

    def label_parameters(self, prefix: str = "") -> None:
        """Label every parameter by its place: ``layers.0.neurons.1.w.0`` becomes ``L0.N1.w0``
        (see :func:`short_label`). Done automatically when attributes are assigned; call it again
        after putting new parameters inside a sub-module by hand."""
        for path, value in self.named_parameters():
            value.label = prefix + short_label(path)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (leaves accumulate gradients across ``backward``)."""
        for p in self.parameters():
            p.grad = 0.0

    def train(self, mode: bool = True) -> Module:
        """Switch to training mode (``Dropout`` active), or evaluation mode with ``mode=False``."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode: ``Dropout`` becomes the identity."""
        return self.train(False)

    # -- state --------------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, list[float]]:
        """A new plain dict ``{path: [floats]}`` with a copy of every parameter's value."""
        return {path: [v.data for v in values] for path, values, _ in self.named_parameter_groups()}

    def load_state_dict(self, state: Mapping[str, Sequence[float]]) -> None:
        """Copy ``state`` (as made by ``state_dict``) into the parameters.

        Everything is checked first (same keys, same lengths, finite real numbers); on any mismatch
        ``StateDictError`` lists the problems and no parameter has changed.
        """
        if not isinstance(state, Mapping):
            raise StateDictError(
                f"load_state_dict expects a dict of lists of floats, got {type(state).__name__}"
            )
        groups = {path: values for path, values, _ in self.named_parameter_groups()}
        problems = []
        missing = [k for k in groups if k not in state]
        unexpected = [str(k) for k in state if k not in groups]
        if missing:
            problems.append(f"missing keys: {_short_list(missing)}")
        if unexpected:
            problems.append(f"unexpected keys: {_short_list(unexpected)}")
        converted: dict[str, list[float]] = {}
        for path, values in groups.items():
            if path in state:
                converted[path], problem = _as_floats(state[path], len(values))
                if problem:
                    problems.append(f"{path!r}: {problem}")
        if problems:
            raise StateDictError(
                f"state dict does not fit this {type(self).__name__} (model unchanged): "
                + "; ".join(problems)
            )
        for path, values in groups.items():  # every number was converted and checked: assign
            for value, number in zip(values, converted[path]):
                value.data = number

    # -- construction from a saved file -----------------------------------------------------------

    def config(self) -> dict[str, Any] | None:
        """The constructor arguments that rebuild this module's architecture, as JSON-ready data
        (``nn.save`` stores it so ``nn.load`` can rebuild the model); ``None`` if it cannot be
        rebuilt that way (then load weights into a model you build: ``nn.load(path, model=m)``)."""
        return None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """A fresh module built from ``config()`` output (weights are loaded separately)."""
        return cls(**config)

    # -- printing -----------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of ``repr`` (sizes and options)."""
        return ""

    def _repr_children(self) -> bool:
        return True

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = list(self.named_children()) if self._repr_children() else []
        if not children:
            return head + ")"
        body = "\n".join(f"({name}): {child!r}" for name, child in children)
        return f"{head}\n{textwrap.indent(body, '  ')}\n)"


# Modules that nn.load may build from a file, by class name. Only these are ever instantiated from
# a file's contents (never arbitrary code, unlike pickle); add your own with @register_module.
MODULE_TYPES: dict[str, type[Module]] = {}


def register_module(cls: type[Module]) -> type[Module]:
    """Class decorator: let ``nn.load`` rebuild this module type from its ``config()``."""
    MODULE_TYPES[cls.__name__] = cls
    return cls


def module_spec(module: Module) -> dict[str, Any] | None:
    """``{"type": class name, "config": ...}`` describing how to rebuild ``module``, or ``None``."""
    name = type(module).__name__
    if MODULE_TYPES.get(name) is not type(module):
        return None
    config = module.config()
    return None if config is None else {"type": name, "config": config}


def build_module(spec: Mapping[str, Any]) -> Module:
    """The module described by ``module_spec`` output; ``ValueError`` for an unknown type or a bad
    config."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
        raise ValueError(f"a module spec must be {{'type': name, 'config': {{...}}}}, got {spec!r:.80}")
    cls = MODULE_TYPES.get(spec["type"])
    if cls is None:
        known = ", ".join(sorted(MODULE_TYPES))
        raise ValueError(f"unknown module type {spec['type']!r}; known types: {known}")
    config = spec.get("config")
    if not isinstance(config, Mapping):
        raise ValueError(f"{spec['type']}: config must be a dict, got {type(config).__name__}")
    try:
        return cls.from_config(config)
    except (TypeError, KeyError) as error:  # unexpected or missing constructor arguments
        raise ValueError(f"cannot build {spec['type']} from config {dict(config)!r:.200}: {error}") from error


def _members(name: str, attr: object) -> Iterator[tuple[str, Member]]:
    """What one attribute holds: a ``Module`` or a ``Value`` (itself), a list of ``Value``s (one
    group), a list of ``Module``s (each as ``name.i``); nothing for anything else."""
    if isinstance(attr, (Module, Value)):
        yield name, attr
    elif isinstance(attr, (list, tuple)) and attr:
        if all(isinstance(v, Value) for v in attr):
            yield name, list(attr)
        elif all(isinstance(m, Module) for m in attr):
            for i, module in enumerate(attr):
                yield f"{name}.{i}", module


def short_label(path: str) -> str:
    """A parameter's label from its path: a list index joins the name before it and the standard
    lists get one letter (``layers.0.neurons.1.w.0`` -> ``L0.N1.w0``, ``gamma.3`` -> ``gamma3``)."""
    parts: list[str] = []
    for part in path.split("."):
        if part.isdigit() and parts:
            parts[-1] += part
        else:
            parts.append(SHORT_NAMES.get(part, part))
    return ".".join(parts)


def _as_floats(numbers: object, expected_length: int) -> tuple[list[float], str]:
    """``numbers`` as ``expected_length`` finite floats, and a description of what is wrong ("" if
    nothing is): a list of the wrong length, a non-number, ``nan``, ``inf``, an int beyond float range."""
    if isinstance(numbers, (str, bytes, Mapping)) or not isinstance(numbers, Sequence):
        return [], f"expected a list of {expected_length} floats, got {type(numbers).__name__}"
    if len(numbers) != expected_length:
        return [], f"expected {expected_length} values, got {len(numbers)}"
    floats = []
    for i, x in enumerate(numbers):
        if isinstance(x, bool) or not is_real_number(x):
            return [], f"item {i} is {type(x).__name__} {x!r:.40}, expected a float"
        number = to_float(x)
        if not math.isfinite(number):
            return [], f"item {i} is {x!r:.40}, expected a finite float"
        floats.append(number)
    return floats, ""


def _short_list(items: list[str], limit: int = 5) -> str:
    shown = ", ".join(repr(x) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_input(x: object, nin: int, where: str) -> None:
    """``ValueError`` (expected vs got) unless ``x`` is a sequence (list, tuple, array) of ``nin``
    inputs; ``TypeError`` if it is not a sequence at all."""
    if isinstance(x, (Value, str, bytes, Mapping)) or not (hasattr(x, "__len__") and hasattr(x, "__iter__")):
        hint = ""
        if nin == 1 and (isinstance(x, Value) or is_real_number(x)):
            hint = f"; wrap a single input in a list: {where}([x])"
        raise TypeError(
            f"{where} expects a sequence of {nin} inputs (floats or Values), got {type(x).__name__}{hint}"
        )
    got = len(x)
    if got != nin:
        raise ValueError(f"{where} expects {nin} inputs, got {got}{_batch_hint(x)}")


def input_leaves(x: Sequence[Scalar]) -> list[Value]:
    """The inputs as graph nodes: a ``Value`` stays itself, a number becomes a leaf ``Value``
    labelled by its position (``x0``, ``x1``, ...), one per number, so every neuron that reads it
    shares it (a graph has ``nin`` input nodes) and ``backward()`` gives ``d loss / d x_i``."""
    try:
        return [xi if isinstance(xi, Value) else Value(xi, f"x{i}") for i, xi in enumerate(x)]
    except TypeError as error:
        raise TypeError(f"inputs are numbers or Values: {error}{_batch_hint(x)}") from None


def _batch_hint(x: Any) -> str:
    """A hint when ``x`` looks like a batch (a list of samples) given where one sample belongs."""
    if any(isinstance(xi, Sequence) and not isinstance(xi, str) for xi in x):
        return (
            "; a model takes one sample (a list of numbers) at a time: "
            "for a batch X, call it on each sample, [model(x) for x in X]"
        )
    return ""
