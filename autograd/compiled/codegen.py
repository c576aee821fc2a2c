"""Code generation: a :class:`~autograd.compiled.trace.Trace` written out as straight-line Python.

Forward: one line per node, the op's ``forward_source`` from the table with ``a``, ``b``, ``c``
replaced by variable names (or by the literal of a node that cannot change: its traced number).
Guards: one line per decision the traced code made (see :mod:`autograd.compiled.guards`); if one
fails, the function returns ``None`` and the caller tries another trace. Backward: one line per
chain-rule step, ``g_child (+)= local * g_node``, in exactly the order of ``Value.backward()``
(nodes newest first, each node's inputs in argument order), so the sums are the same floats.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autograd import rules
from autograd.compiled.guards import GUARD_FUNCTIONS, Expression, failure, leaves, literal, render
from autograd.compiled.trace import Trace
from autograd.engine import Value
from autograd.ops import FLOAT_FUNCTIONS, INPUT_NAMES, Op


def namespace() -> dict[str, Any]:
    """What generated code runs in: the op table's IEEE-754 functions, ``inf``, ``nan``, the
    guards' helpers."""
    return {**FLOAT_FUNCTIONS, **GUARD_FUNCTIONS, "inf": float("inf"), "nan": float("nan")}


def define(source: str, name: str) -> Callable[..., Any]:
    """Compile generated source and return the function it defines (bound apart from the namespace,
    so a user op's function registered under the same name is not shadowed)."""
    defined: dict[str, Any] = {}
    exec(builtins.compile(source, f"<chainrule compiled {name}>", "exec"), namespace(), defined)
    function: Callable[..., Any] = defined[name]
    return function


# -- the op table as source templates --------------------------------------------------------------

_FIELDS = {name: str(k) for k, name in enumerate((*INPUT_NAMES, "out"))}  # a -> {0}, ..., out -> {3}
_OUT = len(INPUT_NAMES)


class _Derivative(NamedTuple):
    template: str  # "{1}", "(1 - {3} * {3})": the factor before "* g"
    reads: tuple[int, ...]  # the input positions it reads
    reads_out: bool
    evaluate: Callable[..., float]  # the same rule on floats, for rules over constants only
    comment: str  # "  # *: d/da = b"
    constant: tuple[str, str | None] | None = None  # (sign, factor) of a rule that reads nothing ("1")


class _Rule(NamedTuple):
    forward: str
    derivatives: tuple[_Derivative, ...]


_rules: dict[Op, _Rule] = {}


def rule(op: Op) -> _Rule:
    """The templates for ``op``, made once from its ``forward_source`` and ``derivative_sources``."""
    found = _rules.get(op)
    if found is None:
        derivatives = []
        for position, (source, human) in enumerate(zip(op.derivative_sources, op.derivatives)):
            text, reads, body = rules.template(source, _FIELDS)
            arguments = ", ".join(f"{x}=0.0" for x in _FIELDS)
            evaluate = eval(f"lambda {arguments}: {source}", namespace())
            derivatives.append(
                _Derivative(
                    text if rules.is_factor(body) else f"({text})",
                    tuple(k for k, name in enumerate(INPUT_NAMES) if name in reads),
                    "out" in reads,
                    evaluate,
                    f"  # {op.name}: d/d{INPUT_NAMES[position]} = {human}",
                    None if reads else _signed(evaluate()),
                )
            )
        found = _rules[op] = _Rule(rules.template(op.forward_source, _FIELDS)[0], tuple(derivatives))
    return found


def _fold(expression: str) -> str:
    """``expression`` with its constant sub-expressions evaluated, as a factor of ``* g``."""
    tree = rules.fold(expression, namespace(), literal)
    text = ast.unparse(tree)
    return text if rules.is_factor(tree.body) else f"({text})"


# -- names ------------------------------------------------------------------------------------------

RESERVED = frozenset(
    {"params", "seed", "grads", "rows", "row", "total", "misses", "results", "ok", "inf", "nan"}
    | {"type", "int", "round", "format", "str", "repr", "abs", "True", "False", "None"}  # used by guards
)


class Names:
    """Unique, valid variable names: a label when it is an identifier, else ``v1``, ``v2``, ..."""

    def __init__(self, taken: Sequence[str] = ()) -> None:
        self.taken: set[str] = set(RESERVED) | set(FLOAT_FUNCTIONS) | set(GUARD_FUNCTIONS) | set(taken)
        self.suffix: dict[str, int] = {}

    def take(self, base: str) -> str:
        if not (base.isascii() and base.isidentifier()) or keyword.iskeyword(base):
            base = re.sub(r"\W", "_", base, flags=re.ASCII)
            if not base or base[0].isdigit() or keyword.iskeyword(base):
                base = "v_" + base
        name = base
        while name in self.taken:
            k = self.suffix.get(base, 0) + 1
            self.suffix[base] = k
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


# -- the program ------------------------------------------------------------------------------------


class Program(NamedTuple):
    """The generated code of one trace, in pieces that its functions share."""

    arguments: tuple[str, ...]  # the function's inputs, in order
    params: str  # unpack the parameters' data
    forward: str  # one line per node
    early: tuple[tuple[str, str], ...]  # guards on inputs and parameters only: (test, source line)
    guards: tuple[tuple[str, str], ...]  # guards on computed nodes: (test, source line)
    backward: str  # one line per chain-rule step
    grads: str  # unpack the parameters' gradient accumulators
    output: str
    input_grads: str
    param_grads: str

    def value_and_grad(self) -> str:
        """``value_and_grad(inputs..., params, seed, grads)``: ``(value, input grads, param grads)``,
        or ``None`` when a guard fails."""
        return (
            f"def value_and_grad({', '.join((*self.arguments, 'params', 'seed', 'grads'))}):\n"
            + self.params
            + _checks(self.early, "    ", "return None")
            + self.forward
            + _checks(self.guards, "    ", "return None")
            + self.backward.replace("\n", "\n" + self.grads, 1)
            + f"    return {self.output}, {self.input_grads}, {self.param_grads}\n"
        )

    def forward_only(self) -> str:
        """``forward(inputs..., params)``: the value, or ``None`` when a guard fails."""
        return (
            f"def forward({', '.join((*self.arguments, 'params'))}):\n"
            + self.params
            + _checks(self.early, "    ", "return None")
            + self.forward
            + _checks(self.guards, "    ", "return None")
            + f"    return {self.output}\n"
        )

    def row(self, indent: str, backward: bool, last: bool = False) -> str:
        """One row's replay inside the batch loop: ``continue`` when done, fall through when a
        guard fails (to the next trace). ``last``: nothing follows a trace without guards."""
        if self.early:
            return _ok(self.early, indent) + f"{indent}if ok:\n" + self._row_body(indent + "    ", backward)
        return self._row_body(indent, backward, last)

    def _row_body(self, indent: str, backward: bool, last: bool = False) -> str:
        done = f"total += {self.output}" if backward else f"results.append({self.output})"
        finish = _indent(self.backward, indent) if backward else ""
        if not self.guards:
            return (
                _indent(self.forward, indent)
                + finish
                + f"{indent}{done}\n"
                + ("" if last else f"{indent}continue\n")
            )
        inner = indent + "    "
        return (
            _indent(self.forward, indent)
            + _ok(self.guards, indent)
            + f"{indent}if ok:\n"
            + (_indent(self.backward, inner) if backward else "")
            + f"{inner}{done}\n{inner}continue\n"
        )


def _checks(guards: Sequence[tuple[str, str]], indent: str, fail: str) -> str:
    """``guards`` as ``if not test: <fail>`` lines in a ``try`` (a test that raises fails)."""
    if not guards:
        return ""
    lines = [f"{indent}# guards: what Python saw while tracing; if one fails, this trace does not apply"]
    lines.append(f"{indent}try:")
    for fails, where in guards:
        lines += [f"{indent}    if {fails}:  # {where}", f"{indent}        {fail}"]
    lines += [f"{indent}except Exception:", f"{indent}    {fail}"]
    return "\n".join(lines) + "\n"


def _ok(guards: Sequence[tuple[str, str]], indent: str) -> str:
    """``ok = not (fails_1 or fails_2 ...)``, False if a test raises."""
    tests = f"\n{indent}        or ".join(f"{fails}  # {where}" for fails, where in guards)
    return (
        f"{indent}try:\n{indent}    ok = not (\n{indent}        {tests}\n{indent}    )\n"
        f"{indent}except Exception:\n{indent}    ok = False\n"
    )


def _indent(lines: str, indent: str) -> str:
    return "".join(indent + line[4:] + "\n" for line in lines.splitlines())


def batch_source(programs: Sequence[Program], backward: bool = True) -> str:
    """The loop over rows for every trace at once: each row is replayed by the first trace whose
    guards it passes (rows stay in order); a row that passes none goes to ``misses``.

    ``batch(rows, params, seed, grads, misses) -> (sum of values, param grads)``, or with
    ``backward=False``, ``batch_forward(rows, params, results, misses)`` appending each value
    (``None`` for a miss)."""
    first = programs[0]
    names = ", ".join(first.arguments) + ("," if len(first.arguments) == 1 else "")
    head = (
        "def batch(rows, params, seed, grads, misses):\n"
        if backward
        else ("def batch_forward(rows, params, results, misses):\n")
    )
    source = (
        head + first.params + (first.grads if backward else "") + ("    total = 0.0\n" if backward else "")
    )
    source += "    for row in rows:\n" + (f"        {names} = row\n" if first.arguments else "")
    if len(programs) == 1 and not first.early and not first.guards:  # straight-line: no dispatch
        source += first.row("        ", backward, last=True)
        return source + (f"    return total, {first.param_grads}\n" if backward else "")
    for k, program in enumerate(programs):
        source += f"        # trace {k}\n" + program.row("        ", backward)
    source += "        misses.append(row)\n"
    if not backward:
        return source + "        results.append(None)\n"
    return source + f"    return total, {first.param_grads}\n"


def generate(trace: Trace, arguments: Sequence[str], param_names: Sequence[str]) -> Program:
    """The generated code for ``trace``; ``arguments`` names every positional input."""
    values = [k for k in range(len(arguments)) if k not in {n.expression[1] for n in trace.numbers}]
    declared: dict[Value, str] = {node: arguments[k] for node, k in zip(trace.inputs, values)}
    declared.update(zip(trace.params, param_names))
    names = Names([*arguments, *param_names])
    ref: dict[Value, str] = {}

    def name_of(expression: Expression) -> str:
        return ref[expression[1]] if expression[0] == "node" else arguments[expression[1]]

    lines = ["    # forward: one line per node"]
    count = 0
    for node in trace.order:
        if node in declared:
            ref[node] = declared[node]
        elif not trace.varies.get(node, False):
            ref[node] = literal(trace.constants[node])
        elif node in trace.leaf_expressions:
            count += 1
            ref[node] = names.take(node.label or f"c{count}")
            source = render(trace.leaf_expressions[node], name_of)
            lines.append(f"    {ref[node]} = {source}  # a number read from the graph, used as a constant")
        else:
            count += 1
            ref[node] = names.take(node.label or f"v{count}")
            op: Op = node._op  # type: ignore[assignment]
            forward = rule(op).forward.format(*[ref[c] for c in node.children])
            lines.append(f"    {ref[node]} = {forward}  # {op.name}")
    inputs = set(declared)
    early: list[tuple[str, str]] = []
    guards: list[tuple[str, str]] = []
    for guard in trace.guards:
        test = (failure(guard.test, name_of), guard.where)
        reads = [e[1] for e in leaves(guard.test) if e[0] == "node"]
        (early if all(node in inputs for node in reads) else guards).append(test)
    backward, grad_of, param_grads = _backward(trace, ref, names, param_names)
    grads = ""
    if param_names:
        grads = "    # the parameters' gradients start from grads and accumulate (leaves accumulate)\n"
        grads += _unpack(param_grads, "grads")
    input_grads = [grad_of.get(node, "0.0") for node in trace.inputs]
    params = ""
    if param_names:
        params = "    # parameters: their current .data, read at every call\n" + _unpack(
            param_names, "params"
        )
    return Program(
        tuple(arguments),
        params,
        "\n".join(lines) + "\n",
        tuple(early),
        tuple(guards),
        backward,
        grads,
        ref[trace.output] if trace.output is not None else _tuple([ref[v] for v in trace.outputs]),
        _tuple(input_grads),
        _tuple(param_grads),
    )


def _backward(
    trace: Trace, ref: dict[Value, str], names: Names, param_names: Sequence[str]
) -> tuple[str, dict[Value, str], list[str]]:
    """The chain-rule lines, the gradient variable of each input, and the parameters' ones."""
    param_grads = [names.take("g_" + name) for name in param_names]
    grad_of: dict[Value, str] = dict(zip(trace.params, param_grads))
    lines = ["    # backward: one line per chain-rule step; g_n is d(output)/d(n)"]
    emit, needs = lines.append, trace.needs_grad

    output = trace.output
    if output is not None and needs.get(output, False):
        if output in grad_of:  # the output is a parameter
            emit(f"    {grad_of[output]} += seed")
        else:
            grad_of[output] = names.take("g_" + ref[output])
            emit(f"    {grad_of[output]} = seed")
    for node in trace.backward_order:
        g = grad_of.get(node)
        if g is None:
            continue  # reached only through decisions (step, ==): no gradient flows into it
        op: Op = node._op  # type: ignore[assignment]
        children = node.children
        arguments: list[str] | None = None
        for position, (derivative, child) in enumerate(zip(rule(op).derivatives, children)):
            # as backward(): no term for an input the op gives no gradient (step, ==, a constant)
            if position not in op.differentiated or not needs.get(child, False):
                continue
            sign, factor = derivative.constant or ("+", None)
            if derivative.constant is None:
                if arguments is None:
                    arguments = [ref[c] for c in children]
                    arguments += [""] * (_OUT - len(arguments)) + [ref[node]]
                sign, factor = _local(derivative, children, arguments, trace.constants)
            term = g if factor is None else f"{factor} * {g}"
            target = grad_of.get(child)
            if target is not None:
                emit(f"    {target} {sign}= {term}{derivative.comment}")
            else:
                target = grad_of[child] = names.take("g_" + ref[child])
                emit(f"    {target} = {'-' if sign == '-' else ''}{term}{derivative.comment}")
    return "\n".join(lines) + "\n", grad_of, param_grads


def _local(
    derivative: _Derivative, children: tuple[Value, ...], arguments: list[str], constants: dict[Value, float]
) -> tuple[str, str | None]:
    """``(sign, factor)`` of one chain-rule term; ``factor`` None for a local derivative of ±1."""
    fixed = [p for p in derivative.reads if children[p] in constants]
    if not derivative.reads_out and len(fixed) == len(derivative.reads):
        numbers = [0.0] * (_OUT + 1)
        for p in derivative.reads:
            numbers[p] = constants[children[p]]
        return _signed(derivative.evaluate(*numbers))  # a rule over constants only: evaluated now
    factor = derivative.template.format(*arguments)
    return "+", _fold(factor) if fixed else factor


def _signed(local: float) -> tuple[str, str | None]:
    """A local derivative known now, as ``(sign, factor)``: ``±1`` is a sign, not a factor."""
    if local == 1.0:
        return "+", None
    if local == -1.0:
        return "-", None
    return "+", literal(local)


def _tuple(items: Sequence[str]) -> str:
    """A tuple display, ``(a, b)`` or ``(a,)``, wrapped over lines when long."""
    if len(items) == 1:
        return f"({items[0]},)"
    text = f"({', '.join(items)})"
    if len(text) <= 80:
        return text
    rows, row = [], ""
    for item in items:
        if row and len(row) + len(item) > 90:
            rows.append(row)
            row = ""
        row += f"{item}, "
    rows.append(row)
    return "(\n" + "".join(f"        {row.rstrip()}\n" for row in rows) + "    )"


def _unpack(names: Sequence[str], source: str) -> str:
    """``a, b, c = source`` (wrapped when long)."""
    if len(names) == 1:
        return f"    {names[0]}, = {source}\n"
    text = f"    {', '.join(names)} = {source}"
    return (text if len(text) <= 100 else f"    {_tuple(names)} = {source}") + "\n"
