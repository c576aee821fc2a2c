"""The Python source generated from the op table's rules, and how it is made readable.

Each op's rules become four small functions (``evaluate``, ``local_grads``, ``chain_rule_step``,
``symbolic_local_grads``); the engine's operator methods are generated the same way. Every generated
source is put in ``linecache`` under a readable file name, so ``inspect.getsource``, tracebacks and
pdb show it: ``python -m autograd tanh`` prints what the table generates for ``tanh``.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from typing import Any

from autograd.rules import names_read

#: The ``Value`` method's parameters for an op of 1, 2, 3 inputs.
PARAMETERS = {1: ("self",), 2: ("self", "other"), 3: ("self", "factor", "addend")}

#: The names of an op's inputs in its rules.
INPUT_NAMES = ("a", "b", "c")


def register_source(source: str, filename: str) -> str:
    """Put generated ``source`` in ``linecache`` under ``filename`` (made unique if taken by other
    text), so ``inspect.getsource``, tracebacks and pdb show it; returns the name to compile with."""
    candidate, number = filename, 1
    cache: dict[str, Any] = linecache.cache
    while candidate in cache and cache[candidate][2] != source.splitlines(True):
        number += 1
        candidate = f"{filename[:-1]} #{number}>"
    lines = source.splitlines(True)
    linecache.cache[candidate] = (len(source), None, lines, candidate)  # mtime None: never evicted
    return candidate


def define(source: str, name: str, namespace: dict[str, Any], op: str = "") -> Callable[..., Any]:
    """Compile generated ``source`` defining ``name``, readable in tracebacks and ``getsource``."""
    scope = dict(namespace)
    filename = register_source(source, f"<op {op} {name}>")  # the prefix compiled recognizes
    exec(compile(source, filename, "exec"), scope)
    return scope[name]  # type: ignore[no-any-return]


def evaluate_source(inputs: tuple[str, ...], forward: str) -> str:
    """Source of ``evaluate(a, ...)``: the forward rule on floats."""
    return f"def evaluate({', '.join(inputs)}):\n    return {forward}\n"


def local_grads_source(inputs: tuple[str, ...], derivatives: tuple[str | None, ...]) -> str:
    """Source of ``local_grads(node)``: the local derivatives as floats (``None``: 0.0)."""
    unpack = "".join(f"    {x} = {x}.data\n" for x in inputs)
    return (
        f"def local_grads(node):\n    {', '.join(inputs)}, = node.children\n{unpack}"
        f"    out = node.data\n    return ({', '.join(d or '0.0' for d in derivatives)},)\n"
    )


def reads(rules: tuple[str, ...]) -> set[str]:
    """The inputs and ``out`` that any of ``rules`` reads."""
    return set().union(*(names_read(rule)[0] for rule in rules))


def chain_rule_step_source(
    inputs: tuple[str, ...], derivatives: tuple[str | None, ...], decides: bool = False
) -> str:
    """Source of ``chain_rule_step(node)``: one ``input.grad += local * grad`` line per input that
    gets a gradient (``None``: a constant input, or a derivative that is zero everywhere). An op
    that ``decides`` (a non-constant input gets no gradient: ``step``, ``==``, ``select``'s test)
    returns True, telling ``backward()`` that some nodes below may be reached by no gradient."""
    used = reads(tuple(d for d in derivatives if d is not None))
    lines = ["def chain_rule_step(node):", f"    {', '.join('input_' + x for x in inputs)}, = node.children"]
    lines += [f"    {x} = input_{x}.data" for x in inputs if x in used]
    if "out" in used:
        lines.append("    out = node.data")
    lines.append("    grad = node.grad")
    for x, derivative in zip(inputs, derivatives):
        if derivative is not None:
            term = {"1": "grad", "-1": "-grad"}.get(derivative, f"({derivative}) * grad")
            lines.append(f"    input_{x}.grad += {term}")
    if all(derivative is None for derivative in derivatives):
        lines.append("    # no input gets a gradient")
    if decides:
        lines.append("    return True  # a decision: a node read only here is reached by no gradient")
    return "\n".join(lines) + "\n"


def symbolic_local_grads_source(
    inputs: tuple[str, ...], derivatives: tuple[str | None, ...], constants: tuple[str, ...]
) -> str:
    """Source of ``symbolic_local_grads(node)``: the derivatives (in graph form) built as ``Value``
    graphs (``None``: no gradient), with the ``constants`` inputs read as plain numbers."""
    numbers = "".join(f"    {x} = {x}.data\n" for x in constants)
    return (
        f"def symbolic_local_grads(node):\n    {', '.join(inputs)}, = node.children\n{numbers}"
        f"    out = node\n    return ({', '.join(d or 'None' for d in derivatives)},)\n"
    )


def operator_source(arity: int, reflected: bool, forward: str) -> str:
    """The source of the ``Value`` method for an op of ``arity`` inputs, from its ``forward`` rule.

    For ``*`` it reads::

        def __mul__(self, other):
            if not isinstance(other, Value):
                other = constant(op, other, self)
            a = self.data
            b = other.data
            out = new_node(Value)
            out.data = a * b                      # the forward rule, inlined
            ...                                   # grad 0.0, no label
            out.children = (self, other)          # remembered for the chain rule
            out._op = op

    Inlining the rule saves three Python calls per op; the rule itself still lives only in the table.
    """
    parameters = PARAMETERS[arity]
    inputs = ("other", "self") if reflected else parameters  # the op's inputs a, b, ... in order
    # Defined as `method`, renamed by engine._operator: `def tanh` would shadow the float tanh the rule calls.
    lines = [f"def method({', '.join(parameters)}):", "    node_op = op", *_operand_checks(arity, inputs)]
    lines += [f"    {name} = {node}.data" for name, node in zip(INPUT_NAMES, inputs)]
    lines += [
        "    out = new_node(Value)",
        f"    out.data = {forward}",
        "    out.grad = 0.0",
        '    out.label = ""',
        "    if grad_mode.get() is RECORDING:",
        f"        out.children = ({', '.join(inputs)},)",
        "        out._op = node_op",
        "        out._creation = next_creation()",
        "        return out",
        f"    return unrecorded(out, node_op, ({', '.join(inputs)},))",
    ]
    return "\n".join(lines) + "\n"


def _operand_checks(arity: int, inputs: tuple[str, ...]) -> list[str]:
    """The method's lines that turn a number operand into a Constant and choose the op the node
    records: the op's variant that evaluates no derivative for a constant (a Value subclass, e.g. a
    Constant passed in, is looked up)."""
    lines: list[str] = []
    for name in PARAMETERS[arity][1:]:
        lines += [
            f"    if type({name}) is not Value:",
            f"        if isinstance({name}, Value):",
            "            node_op = None",
            "        else:",
            f"            {name} = constant(op, {name}, self)",
            f"            node_op = {'None' if arity > 2 else 'constant_op'}",
        ]
    if arity > 2:
        lines += ["    if node_op is None:", f"        node_op = op.for_inputs(({', '.join(inputs)},))"]
    elif arity == 2:
        lines = [
            line.replace("node_op = None", f"node_op = op.for_inputs(({', '.join(inputs)},))")
            for line in lines
        ]
    return lines
