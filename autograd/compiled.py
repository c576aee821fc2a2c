"""Compiled replay: trace a function once, write its graph out as straight-line Python, run that.

The eager engine builds a graph of ``Value`` objects on every call and walks it backwards. When the
same function is evaluated again and again on new numbers (a training loop), the graph is the same
every time; only the numbers change. ``compile(fn)`` records the graph once and writes it out as a
plain Python function over floats: one line per node for the forward pass, then one line per
chain-rule step for the backward pass::

    >>> from autograd.compiled import compile
    >>> f = compile(lambda x, y: (x * y + 3) ** 2 + 1)
    >>> f.value_and_grad(2.0, 3.0)   # f, then [df/dx, df/dy]
    (82.0, [54.0, 36.0])
    >>> print(f.source)  # doctest: +ELLIPSIS
    def value_and_grad(x, y, params, seed, grads):
        # forward: one line per node
        v1 = x * y  # *
        v2 = v1 + 3.0  # +
        v3 = power(v2, 2.0)  # **
        v4 = v3 + 1.0  # +
        # backward: one line per chain-rule step; g_n is d(output)/d(n)
        g_v4 = seed
        g_v3 = g_v4  # +: d/da = 1
        g_v2 = 2.0 * power(v2, 1.0) * g_v3  # **: d/da = ...
        g_v1 = g_v2  # +: d/da = 1
        g_x = y * g_v1  # *: d/da = b
        g_y = x * g_v1  # *: d/db = a
        return v4, (g_x, g_y), ()
    <BLANKLINE>

Every expression comes from the op table (:mod:`autograd.ops`): an op's ``forward_source`` for its
forward line and its ``derivative_sources`` for the local derivatives, with ``a``, ``b`` and ``out``
replaced by variable names, or by the numbers of constants (an expression over constants only is
evaluated once, at generation time). The chain-rule steps run in the eager engine's order, so the
replay gives the same floats as ``grad()``.

**Parameters.** A model's weights are not inputs: they are leaf ``Value``s the function reads.
Declare them with ``params=`` (a list, a ``{name: Value}`` mapping, or a module); their current
``.data`` is read at every call, and ``backward()`` accumulates into their ``.grad`` like eager
``loss.backward()``. Two ways to train::

    # the whole batch as one graph (the data baked in as constants)
    step = compile(lambda: loss_of(model, X, y), params=model)
    loss = step.backward()                                # p.grad += d loss / d p

    # one sample as the graph, replayed in a generated loop over rows of inputs
    sample = compile(lambda x0, x1, y: (1 - y * model([x0, x1])).relu(), params=model)
    loss = sample.batch_backward(rows, weight=1 / len(rows))   # the mean over the rows

The second compiles batch-size times less code, works for any batch (mini-batches, new data) and
runs at least as fast. Size matters for the first: CPython compiles about 10 us per generated line,
so micrograd's moons step (100 points, 69,000 nodes, 189,000 lines) takes ~2-3 s to compile and
~400 MB of memory while compiling; one sample of it (1,000 nodes) takes ~0.05 s.

**What a trace cannot replay.** The generated code is the graph recorded at one call, so it is
right only while the function builds the *same graph* for the new numbers. Three things freeze:

* a Python branch on a number (``if x.data > 0: ...``): the branch taken during the trace is replayed
  for every input;
* a number taken out of the graph (``x.data``, ``x.detach()``, ``Value(x.data)``, a value computed
  under ``no_grad``): it is baked in as the constant it was during the trace;
* randomness and state (dropout masks, counters): replayed as recorded.

Ops whose *derivative* is piecewise (``relu``, ``abs``, ``leaky_relu``) are fine: their rules test
the runtime value (``step(a)``, ``sign(a)``). The guards: a function of inputs is traced twice (the
second time at nudged inputs; parameters are not nudged) and refused with :class:`TraceError` if the
graphs differ;
``verify(*inputs)`` re-traces at the given inputs and parameters and checks the graph and the numbers
against the eager engine; ``compile(fn, check=True)`` verifies every call (eager speed: for
debugging), ``check=100`` every 100th call (a spot check for training loops, where parameters change
under the trace). Inside ``detect_anomaly()`` every call is verified too, so a ``nan`` or ``inf`` is
reported by the eager engine, naming its op. A leaf ``Value`` the function reads that is neither an
input nor a declared parameter is refused (it is usually a forgotten parameter).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import keyword
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from autograd.engine import Value, backpropagate, is_real_number, topological_order
from autograd.modes import enable_grad, grad_mode
from autograd.ops import FLOAT_FUNCTIONS, INPUT_NAMES, Op

__all__ = ["Compiled", "TraceError", "compile", "trace"]

Floats = float | tuple[float, ...]


def _namespace() -> dict[str, Any]:
    """What the generated code runs in: the op table's IEEE-754 float functions, ``inf``, ``nan``."""
    return {**FLOAT_FUNCTIONS, "inf": math.inf, "nan": math.nan}


# Names the generated code uses itself; a label equal to one of them gets a suffix.
_RESERVED = frozenset({"params", "seed", "grads", "rows", "total", "_", "inf", "nan"})

#: Above this many nodes, interior gradients share a few recycled variables (g0, g1, ...) instead
#: of one name per node: CPython compiles a function with 100,000 distinct locals ~30% slower.
READABLE_NODES = 5000


class TraceError(ValueError):
    """The function cannot be replayed from one trace: its graph depends on its data or on chance,
    or it reads a leaf ``Value`` that is neither an input nor a declared parameter."""


# -- the op table, as source templates -------------------------------------------------------------

_FIELDS = {name: str(k) for k, name in enumerate((*INPUT_NAMES, "out"))}  # a -> {0}, b -> {1}, out -> {2}


class _Derivative(NamedTuple):
    """One local derivative of an op, ready to be written into a chain-rule line."""

    template: str  # "{1}", "(1 - {2} * {2})": the factor before "* g", fields {0}=a {1}=b {2}=out
    reads: tuple[int, ...]  # the input positions it reads (0 for a, 1 for b)
    reads_out: bool
    evaluate: Callable[..., float]  # the same rule on floats, for folding constants
    comment: str  # "  # *: d/da = b"


class _Rule(NamedTuple):
    forward: str  # "{0} * {1}"
    derivatives: tuple[_Derivative, ...]


def _template(expression: str) -> tuple[str, set[str], ast.expr]:
    """``expression`` with ``a``, ``b``, ``out`` as format fields, the names it reads, its tree."""
    tree = ast.parse(expression, mode="eval")
    reads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _FIELDS:
            reads.add(node.id)
            node.id = f"__{node.id}__"
    text = ast.unparse(tree).replace("{", "{{").replace("}", "}}")
    for name, field in _FIELDS.items():
        text = text.replace(f"__{name}__", "{" + field + "}")
    return text, reads, tree.body


def _is_factor(node: ast.expr) -> bool:
    """True if ``node * g`` means ``(node) * g``: a name, number, call, unary minus or product
    (``*`` groups from the left, so ``b * a * g`` is ``(b * a) * g``, the engine's order)."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mult)
    return isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.UnaryOp))


_rules: dict[Op, _Rule] = {}


def _rule(op: Op) -> _Rule:
    """The templates for ``op``, made once from its ``forward_source`` and ``derivative_sources``."""
    rule = _rules.get(op)
    if rule is None:
        derivatives = []
        for position, (source, human) in enumerate(zip(op.derivative_sources, op.derivatives)):
            text, reads, body = _template(source)
            derivatives.append(
                _Derivative(
                    text if _is_factor(body) else f"({text})",
                    tuple(k for k, name in enumerate(INPUT_NAMES) if name in reads),
                    "out" in reads,
                    eval(f"lambda {', '.join(f'{x}=0.0' for x in _FIELDS)}: {source}", _namespace()),
                    f"  # {op.name}: d/d{INPUT_NAMES[position]} = {human}",
                )
            )
        rule = _rules[op] = _Rule(_template(op.forward_source)[0], tuple(derivatives))
    return rule


def _literal(x: float) -> str:
    """A float as source that reads back exactly (``repr``), parenthesized when negative."""
    if x != x:
        return "nan"
    if x in (math.inf, -math.inf):
        return "inf" if x > 0 else "(-inf)"
    text = repr(x)
    return f"({text})" if text[0] == "-" else text


class _Folder(ast.NodeTransformer):
    """Evaluates each sub-expression whose operands are all numbers (``2.0 - 1`` becomes ``1.0``,
    ``0.0 if 2.0 == 0 else x`` becomes ``x``)."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if isinstance(node, ast.IfExp):
            test = _test(node.test)
            if isinstance(test, bool):
                return node.body if test else node.orelse
            node.test = test
            return node
        if isinstance(node, ast.BinOp):
            operands: list[ast.expr] = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            operands = [node.operand]
        elif isinstance(node, ast.Call) and not node.keywords:
            operands = node.args
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.BoolOp):
            operands = node.values
        else:
            return node
        if all(_number(x) is not None for x in operands):
            code = builtins.compile(ast.fix_missing_locations(ast.Expression(node)), "<fold>", "eval")
            value = eval(code, _namespace())
            if isinstance(value, (int, float)):  # bools included
                return ast.parse(_literal(float(value)), mode="eval").body
        return node


def _test(node: ast.expr) -> ast.expr | bool:
    """A condition with its constant parts decided: ``True``/``False`` when the constants settle
    it (``v == 0 and 0.0`` is always false), else the condition without them."""
    number = _number(node)
    if number is not None:
        return bool(number)
    if not isinstance(node, ast.BoolOp):
        return node
    settles = isinstance(node.op, ast.Or)  # an operand with this truth value decides an or / an and
    rest = []
    for value in node.values:
        truth = _test(value)
        if truth is settles:
            return settles
        if not isinstance(truth, bool):
            rest.append(truth)
    if not rest:
        return not settles
    return rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)


def _number(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Name) and node.id in ("inf", "nan"):
        return float(node.id)
    return None


def _fold(expression: str) -> str:
    """``expression`` with its constant sub-expressions evaluated, as a factor of ``* g``."""
    tree = _Folder().visit(ast.parse(expression, mode="eval"))
    text = ast.unparse(tree)
    return text if _is_factor(tree.body) else f"({text})"


# -- tracing ---------------------------------------------------------------------------------------

# What a node is in the generated code. LEAF: a leaf Value that is not declared (refused if fn
# reads it from outside; a number when fn made it itself, e.g. Value(2.0)).
_INPUT, _PARAM, _CONSTANT, _LEAF, _OP = range(5)


class _Trace:
    """One recorded graph: every node in topological order (each after its children), with its
    kind, its children's positions, and whether any input or parameter reaches it."""

    def __init__(self, outputs: list[Value], inputs: Sequence[Value], params: Sequence[Value]) -> None:
        self.outputs = outputs
        self.inputs = list(inputs)
        self.params = list(params)
        self.order = order = topological_order(outputs)
        self.index = index = {node: i for i, node in enumerate(order)}
        role = dict.fromkeys(inputs, _INPUT)
        role.update(dict.fromkeys(params, _PARAM))
        kind: list[int] = []
        needs_grad: list[bool] = []
        children: list[tuple[int, ...]] = []
        for node in order:
            if node.children:
                positions = tuple([index[child] for child in node.children])
                needs = False
                for c in positions:
                    needs = needs or needs_grad[c]
                children.append(positions)
                # an op on constants only is itself a constant (its traced value)
                kind.append(_OP if needs else _CONSTANT)
                needs_grad.append(needs)
            else:
                children.append(())
                declared = role.get(node)
                if declared is None:
                    kind.append(_CONSTANT if node.is_constant else _LEAF)
                    needs_grad.append(False)
                else:
                    kind.append(declared)
                    needs_grad.append(True)
        self.kind, self.needs_grad, self.children = kind, needs_grad, children

    def undeclared_leaves(self) -> list[int]:
        """Positions of leaf ``Value``s that are neither inputs, parameters nor ``Constant``s."""
        return [i for i, k in enumerate(self.kind) if k == _LEAF]


# -- code generation -------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*\Z", re.ASCII)


class _Names:
    """Unique, valid variable names: a label when it is an identifier, else ``v1``, ``v2``, ..."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.taken: set[str] = set(_RESERVED) | set(FLOAT_FUNCTIONS)
        self.taken.update(taken)
        self.suffix: dict[str, int] = {}

    def take(self, base: str) -> str:
        if base not in self.taken and _IDENTIFIER.match(base) and not keyword.iskeyword(base):
            self.taken.add(base)  # the common case: a fresh valid name
            return base
        if not _IDENTIFIER.match(base) or keyword.iskeyword(base):
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


class _Program(NamedTuple):
    """The generated code, in pieces that three functions share."""

    forward: str  # the forward lines: also the structure that the guards compare
    backward: str  # the chain-rule lines
    params: str  # after "def ...(...):", unpack the parameters' data
    grads: str  # unpack the parameters' gradient accumulators
    returns: str  # the output(s)
    input_grads: str  # a tuple display of the inputs' gradients
    param_grads: str  # ... and of the parameters'
    input_names: tuple[str, ...]

    def value_and_grad(self) -> str:
        """``value_and_grad(inputs..., params, seed, grads) -> (value, input grads, param grads)``."""
        return (
            f"def value_and_grad({', '.join((*self.input_names, 'params', 'seed', 'grads'))}):\n"
            + self.params
            + self.forward
            + self.backward.replace("\n", "\n" + self.grads, 1)  # after the backward comment
            + f"    return {self.returns}, {self.input_grads}, {self.param_grads}\n"
        )

    def forward_only(self) -> str:
        """``forward(inputs..., params) -> value``: for ``__call__``."""
        signature = ", ".join((*self.input_names, "params"))
        return f"def forward({signature}):\n{self.params}{self.forward}    return {self.returns}\n"

    def batch(self) -> str:
        """``batch(rows, params, seed, grads) -> (sum of values, param grads)``: the forward and
        backward lines in a loop over rows of inputs, the parameters' gradients accumulating."""
        names = ", ".join(self.input_names) + ("," if len(self.input_names) == 1 else "")
        body = (self.forward + self.backward).replace("\n    ", "\n        ")
        return (
            "def batch(rows, params, seed, grads):\n"
            + self.params
            + self.grads
            + "    total = 0.0\n"
            + f"    for {names or '_'} in rows:\n"
            + "    "
            + body
            + f"        total += {self.returns}\n"
            + f"    return total, {self.param_grads}\n"
        )


def _forward(trace: _Trace, input_names: Sequence[str], param_names: Sequence[str]) -> tuple[list[str], str]:
    """What each node is called in the code (a variable, or a constant's literal) and the forward
    lines: ``v3 = v1 * w  # *``."""
    names = _Names((*input_names, *param_names))
    declared = dict(zip(trace.inputs, input_names))
    declared.update(zip(trace.params, param_names))
    kind, children = trace.kind, trace.children
    ref: list[str] = []
    lines = ["    # forward: one line per node"]
    count = 0
    for i, node in enumerate(trace.order):
        k = kind[i]
        if k == _OP:
            count += 1
            name = names.take(node.label or f"v{count}")
            ref.append(name)
            op = node._op
            assert op is not None
            rule = _rules.get(op) or _rule(op)
            lines.append(f"    {name} = {rule.forward.format(*[ref[c] for c in children[i]])}  # {op.name}")
        elif k in (_INPUT, _PARAM):
            ref.append(declared[node])
        else:
            ref.append(_literal(node.data))
    return ref, "\n".join(lines) + "\n"


def _generate(
    trace: _Trace, input_names: Sequence[str], param_names: Sequence[str], single: bool
) -> _Program:
    """The generated code for ``trace``: forward lines, chain-rule lines, and what frames them."""
    ref, forward = _forward(trace, input_names, param_names)
    kind, children, needs_grad, order = trace.kind, trace.children, trace.needs_grad, trace.order
    n = len(order)
    readable = n <= READABLE_NODES
    names = _Names(ref)
    grad: list[str] = [""] * n
    free: list[str] = []  # recycled gradient variables (large graphs only)
    registers = 0
    lines = ["    # backward: one line per chain-rule step; g_n is d(output)/d(n)"]
    if not readable:
        lines.append("    # (a large graph: interior gradients reuse variables g0, g1, ... once used up)")
    for node in trace.inputs:
        i = trace.index.get(node)
        if i is not None:
            grad[i] = names.take("g_" + ref[i])
    param_grads = [names.take("g_" + name) for name in param_names]
    for node, name in zip(trace.params, param_grads):
        i = trace.index.get(node)
        if i is not None:
            grad[i] = name
    grads_header = ""
    if param_grads:
        grads_header = (
            "    # the parameters' gradients start from grads and accumulate (leaves accumulate)\n"
            + _unpack(param_grads, "grads")
            + "\n"
        )
    assigned = [k == _PARAM for k in kind]

    def new_grad(i: int) -> str:
        nonlocal registers
        if readable:
            return names.take("g_" + ref[i])
        if free:
            return free.pop()
        registers += 1
        return names.take(f"g{registers - 1}")

    for j, node in enumerate(trace.outputs):
        i = trace.index[node]
        if needs_grad[i]:
            seed = "seed" if single else f"seed[{j}]"
            if assigned[i]:
                lines.append(f"    {grad[i]} += {seed}")
            else:
                grad[i] = grad[i] or new_grad(i)
                lines.append(f"    {grad[i]} = {seed}")
                assigned[i] = True

    constant = [k in (_CONSTANT, _LEAF) for k in kind]
    for i in range(n - 1, -1, -1):
        if not needs_grad[i] or kind[i] != _OP:
            continue
        op = order[i]._op
        assert op is not None
        positions = children[i]
        args = [ref[c] for c in positions]
        args += [""] * (len(INPUT_NAMES) - len(args))  # a unary op has no b
        args.append(ref[i])
        g_node = grad[i]
        for derivative, c in zip((_rules.get(op) or _rule(op)).derivatives, positions):
            if not needs_grad[c]:
                continue  # a constant: nothing to differentiate with respect to
            constant_reads = [p for p in derivative.reads if constant[positions[p]]]
            if not derivative.reads_out and len(constant_reads) == len(derivative.reads):
                # the rule reads only constants: evaluate it now
                numbers = [0.0] * len(INPUT_NAMES)
                for p in derivative.reads:
                    numbers[p] = order[positions[p]].data
                local = derivative.evaluate(*numbers)
                if local == 1.0:
                    sign, term = "+", g_node
                elif local == -1.0:
                    sign, term = "-", g_node
                else:
                    sign, term = "+", f"{_literal(local)} * {g_node}"
            else:
                factor = derivative.template.format(*args)
                if constant_reads:
                    factor = _fold(factor)
                sign, term = "+", f"{factor} * {g_node}"
            if assigned[c]:
                lines.append(f"    {grad[c]} {sign}= {term}{derivative.comment}")
            else:
                if not grad[c]:
                    grad[c] = new_grad(c)
                assigned[c] = True
                value = term if sign == "+" else f"-{term}"
                lines.append(f"    {grad[c]} = {value}{derivative.comment}")
        if not readable:
            free.append(g_node)  # d(output)/d(node) is used up: its variable is free again

    returns = _returns(trace, ref, single)
    input_grads = []
    for node in trace.inputs:
        i = trace.index.get(node)
        input_grads.append(grad[i] if i is not None and assigned[i] else "0.0")
    return _Program(
        forward,
        "\n".join(lines) + "\n",
        _unpack_params(param_names),
        grads_header,
        returns,
        _tuple(input_grads),
        _tuple(param_grads),
        tuple(input_names),
    )


def _returns(trace: _Trace, ref: list[str], single: bool) -> str:
    """The output(s) as an expression: ``v4`` or ``(v2, v4)``."""
    outputs = [ref[trace.index[v]] for v in trace.outputs]
    return outputs[0] if single else _tuple(outputs)


def _structure_change(
    program: _Program, trace: _Trace, single: bool, names: tuple[list[str], list[str]]
) -> str:
    """How the graph in ``trace`` differs from the compiled one ("" if it does not)."""
    ref, forward = _forward(trace, *names)
    if forward != program.forward:
        return _first_difference(program.forward, forward)
    returns = _returns(trace, ref, single)
    if returns != program.returns:
        return f"the outputs: compiled {program.returns}, now {returns}"
    return ""


def _tuple(items: Sequence[str]) -> str:
    """A tuple display, ``(a, b)`` or ``(a,)``, wrapped over lines of at most ~100 characters."""
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
    """``a, b, c = source`` (wrapped over lines when long)."""
    if len(names) == 1:
        return f"    {names[0]}, = {source}"
    text = f"    {', '.join(names)} = {source}"
    return text if len(text) <= 100 else f"    {_tuple(names)} = {source}"


def _unpack_params(param_names: Sequence[str]) -> str:
    if not param_names:
        return ""
    return (
        "    # parameters: their current .data, read at every call\n" + _unpack(param_names, "params") + "\n"
    )


# -- the compiled function -------------------------------------------------------------------------


def _params_of(params: object) -> tuple[list[Value], list[str]]:
    """Parameters and their names, from a list of Values, a mapping name -> Value, or a module
    (anything with ``named_parameters()`` or ``parameters()``)."""
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
                f"params[{i}] ({_describe(p)}) is the result of an op ({p.op!r}), not a leaf: "
                "parameters are leaf Values such as a model's weights"
            )
        if p in seen:
            raise ValueError(f"params[{i}] ({_describe(p)}) is listed twice")
        seen.add(p)
        values.append(p)
        labels.append(str(name) or p.label or f"p{i}")
    return values, labels


def _describe(node: Value) -> str:
    label = f"label={node.label!r}, " if node.label else ""
    return f"Value({label}data={node.data!r})"


def _signature_of(fn: Callable[..., Any]) -> tuple[list[str], int | None]:
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


def _as_float(x: object, where: str) -> float:
    if type(x) is float:
        return x
    if isinstance(x, Value) or not is_real_number(x):
        hint = " (pass its number: v.data)" if isinstance(x, Value) else ""
        raise TypeError(f"{where} must be a real number (int or float), got {type(x).__name__}{hint}")
    return float(x)  # type: ignore[arg-type]


def _nudge(x: float) -> float:
    """The input for the second trace: same sign, another magnitude."""
    return 1.25 * x if x != 0.0 else 0.125


def _first_difference(expected: str, got: str) -> str:
    old, new = expected.splitlines(), got.splitlines()
    for k, (a, b) in enumerate(zip(old, new)):
        if a != b:
            return f"node {k}: compiled `{a.strip()}`, now `{b.strip()}`"
    return f"compiled {len(old) - 1} op nodes, now {len(new) - 1}"


def _close(expected: float, got: float, rtol: float) -> bool:
    return (
        expected == got or (expected != expected and got != got) or math.isclose(expected, got, rel_tol=rtol)
    )


class Compiled:
    """A function traced once and replayed as generated straight-line Python over floats.

    Call it with numbers, one per input of ``fn``. Attributes: ``source`` (the generated
    ``value_and_grad``), ``params`` and ``param_names``, ``input_names``, ``n_inputs``,
    ``n_outputs``, ``n_nodes``, and ``compile_seconds`` (tracing, code generation and CPython's
    compile). The trace happens at the first call (or at ``example``); every later call must build
    the same graph (see the module docstring for what that excludes and how it is guarded).
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        params: object = None,
        *,
        example: Sequence[float] | None = None,
        check: bool | int = False,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile() takes a function, got {type(fn).__name__}")
        self.fn = fn
        self.params, labels = _params_of(params)
        names = _Names()
        self.param_names = [names.take(label) for label in labels]
        if not isinstance(check, int) or check < 0:
            raise TypeError(f"check must be True, False or a number of calls n >= 1, got {check!r}")
        self.check = int(check)  # verify every check-th call (0: never)
        self._calls = 0
        self.input_names: list[str] = []
        self.n_inputs = -1  # until traced
        self.n_outputs = 0
        self.n_nodes = 0
        self.compile_seconds = 0.0
        self._program: _Program | None = None
        self._single = True
        self._value_and_grad: Callable[..., Any] = _not_traced
        self._forward: Callable[..., Any] | None = None
        self._batch_fn: Callable[..., Any] | None = None
        if example is not None:
            self._trace([_as_float(x, f"example[{i}]") for i, x in enumerate(example)])

    # -- tracing ---------------------------------------------------------------------------------------

    def _record(self, numbers: Sequence[float]) -> tuple[_Trace, bool]:
        """Call ``fn`` on fresh leaf Values, recording the graph (even inside ``no_grad``)."""
        inputs = [Value(x, name) for x, name in zip(numbers, self.input_names)]
        with enable_grad():
            result = self.fn(*inputs)
        if isinstance(result, Value):
            return _Trace([result], inputs, self.params), True
        if isinstance(result, (list, tuple)) and result and all(isinstance(v, Value) for v in result):
            return _Trace(list(result), inputs, self.params), False
        what = type(result).__name__
        if isinstance(result, (list, tuple)):
            bad = [type(v).__name__ for v in result if not isinstance(v, Value)]
            what = f"a {what} holding a {bad[0]}" if bad else f"an empty {what}"
        raise TypeError(
            f"the compiled function must return a Value or a non-empty list/tuple of Values, got "
            f"{what} (a plain number has no graph to differentiate)"
        )

    def _trace(self, numbers: list[float]) -> None:
        start = time.perf_counter()
        wanted, _ = _signature_of(self.fn)
        if len(wanted) < len(numbers):
            wanted = [f"x{i}" for i in range(len(numbers))]
        taken = _Names(self.param_names)
        self.input_names = [taken.take(name) for name in wanted[: len(numbers)]]
        names = (self.input_names, self.param_names)
        trace, single = self._record(numbers)
        program = _generate(trace, *names, single)
        leaves = trace.undeclared_leaves()
        if numbers or leaves:
            # Trace again at nudged inputs: the graph must not change (else it depends on the data or
            # on chance), and a leaf found at the same place both times is one fn reads from outside.
            try:
                second, second_single = self._record([_nudge(x) for x in numbers])
            except Exception:  # fn cannot run there (its own checks): probe at the same inputs
                second, second_single = self._record(numbers)
            change = _structure_change(program, second, second_single, names)
            if change:
                raise TraceError(
                    "the function built a different graph when called again"
                    + (" at other inputs" if numbers else "")
                    + ", so no single trace can stand for it (a Python branch on a value, a number "
                    "taken out with .data/detach(), or randomness such as dropout); first "
                    f"difference at {change}"
                )
            captured = [trace.order[i] for i in leaves if second.order[i] is trace.order[i]]
            if captured:
                shown = ", ".join(_describe(v) for v in captured[:3])
                more = f" and {len(captured) - 3} more" if len(captured) > 3 else ""
                raise TraceError(
                    f"the function reads {len(captured)} leaf Value(s) that are neither inputs nor "
                    f"declared parameters: {shown}{more}. Pass model weights as params=... so "
                    "that their current values are read and their gradients computed; for a fixed "
                    "number use a float (v.data) instead of the Value"
                )
            del second
        self.n_outputs, self.n_nodes = len(trace.outputs), len(trace.order)
        del trace  # the graph is no longer needed
        self._value_and_grad = _define(program.value_and_grad(), "value_and_grad")
        self._forward = self._batch_fn = None
        self._program = program
        self._single = single
        self.n_inputs = len(numbers)
        self.compile_seconds = time.perf_counter() - start

    def _program_or_trace(self) -> _Program:
        if self._program is None:
            if _signature_of(self.fn)[1] != 0:
                raise RuntimeError(
                    "not traced yet: call the compiled function once, or pass example=(...) to "
                    "compile() to trace it right away"
                )
            self._trace([])
        assert self._program is not None
        return self._program

    @property
    def source(self) -> str:
        """The generated ``value_and_grad``: forward lines, then one line per chain-rule step."""
        return self._program_or_trace().value_and_grad()

    @property
    def forward_source(self) -> str:
        """The generated forward pass alone (what ``f(*inputs)`` runs)."""
        return self._program_or_trace().forward_only()

    @property
    def batch_source(self) -> str:
        """The generated loop over rows (what ``batch_value_and_grad`` and ``batch_backward`` run)."""
        return self._program_or_trace().batch()

    # -- calling ---------------------------------------------------------------------------------------

    def _numbers(self, inputs: Sequence[object]) -> list[float]:
        """The inputs as floats, checked (and traced on the first call)."""
        if self._program is None:
            numbers = [_as_float(x, f"input {i}") for i, x in enumerate(inputs)]
            arity = _signature_of(self.fn)[1]
            if arity is not None and arity != len(numbers):
                raise ValueError(f"the compiled function takes {_count(arity, 'input')}, got {len(numbers)}")
            self._trace(numbers)
            return numbers
        if len(inputs) != self.n_inputs:
            raise ValueError(
                f"the compiled function takes {_count(self.n_inputs, 'input')} "
                f"({', '.join(self.input_names) or 'none'}), got {len(inputs)}"
            )
        numbers = [
            x if type(x) is float else _as_float(x, f"input {i} ({self.input_names[i]})")
            for i, x in enumerate(inputs)
        ]
        if self.check:
            self._calls += 1
            if self._calls % self.check == 0:
                self.verify(*numbers)
        elif grad_mode.get().check_anomaly:
            self.verify(*numbers)  # the eager engine names the op that makes a nan or inf
        return numbers

    def _param_data(self) -> list[float]:
        return [p.data for p in self.params]

    def __call__(self, *inputs: float) -> Floats:
        """The output: a float, or a tuple of floats when ``fn`` returns several Values."""
        numbers = self._numbers(inputs)
        if self._forward is None:
            self._forward = _define(self.forward_source, "forward")
        result: Floats = self._forward(*numbers, self._param_data())
        return result

    def value_and_grad(
        self, *inputs: float, seed: float | Sequence[float] | None = None
    ) -> tuple[Floats, list[float]]:
        """``(value, grads)``: the output and its derivative w.r.t. each input, then each param.

        With several outputs, ``seed`` gives one weight per output and the grads are those of
        ``sum_k seed[k] * output[k]`` (a vector-Jacobian product); :meth:`jacobian` gives them all.
        """
        numbers = self._numbers(inputs)
        zeros = [0.0] * len(self.params)
        value, input_grads, param_grads = self._value_and_grad(
            *numbers, self._param_data(), self._seed(seed), zeros
        )
        return value, [*input_grads, *param_grads]

    def backward(self, *inputs: float, gradient: float | Sequence[float] | None = None) -> Floats:
        """Forward and backward in one go: ``p.grad += d(output)/dp * gradient`` for every declared
        parameter (leaves accumulate, as after eager ``output.backward()``). Returns the output."""
        numbers = self._numbers(inputs)
        params = self.params
        value, _, grads = self._value_and_grad(
            *numbers, self._param_data(), self._seed(gradient), [p.grad for p in params]
        )
        for p, g in zip(params, grads):
            p.grad = g
        result: Floats = value
        return result

    def jacobian(self, *inputs: float) -> list[list[float]]:
        """One row per output: its derivative w.r.t. each input, then each param."""
        self._numbers(inputs)
        if self._single:
            return [self.value_and_grad(*inputs)[1]]
        one_hot = [tuple(float(j == k) for j in range(self.n_outputs)) for k in range(self.n_outputs)]
        return [self.value_and_grad(*inputs, seed=seed)[1] for seed in one_hot]

    def batch_value_and_grad(
        self, rows: Iterable[Sequence[float]], weight: float = 1.0
    ) -> tuple[float, list[float]]:
        """``(weight * sum_i f(row_i), d/dp of that for each param)``: one replay per row of inputs,
        the parameters' gradients summed as they go. ``weight=1/len(rows)`` gives the mean."""
        return self._batch(rows, weight, [0.0] * len(self.params))

    def batch_backward(self, rows: Iterable[Sequence[float]], weight: float = 1.0) -> float:
        """Like :meth:`batch_value_and_grad`, accumulating into each parameter's ``.grad`` (as
        eager ``backward()`` of the weighted sum would); returns ``weight * sum_i f(row_i)``."""
        total, grads = self._batch(rows, weight, [p.grad for p in self.params])
        for p, g in zip(self.params, grads):
            p.grad = g
        return total

    def _batch(
        self, rows: Iterable[Sequence[float]], weight: float, grads: Sequence[float]
    ) -> tuple[float, list[float]]:
        seed = _as_float(weight, "weight")
        checked: list[Sequence[float]] = []
        trust = not self.check and not grad_mode.get().check_anomaly  # rows of floats go straight in
        for k, row in enumerate(rows):
            if isinstance(row, (str, bytes, Value)) or not isinstance(row, Sequence):
                raise TypeError(
                    f"rows[{k}] must be a sequence of inputs (one per input), got {type(row).__name__}"
                )
            fast = trust and self._program is not None and len(row) == self.n_inputs
            if fast and all(type(x) is float for x in row):
                checked.append(row)
            else:
                checked.append(self._numbers(row))  # checks it (and traces at the first row)
        if self._program is None:
            return 0.0, list(grads)  # no rows
        if not self._single:
            raise ValueError(f"batch_* sums one output over the rows; the function returns {self.n_outputs}")
        if self._batch_fn is None:
            self._batch_fn = _define(self.batch_source, "batch")
        total, grads = self._batch_fn(checked, self._param_data(), seed, grads)
        return seed * total, list(grads)

    def _seed(self, seed: float | Sequence[float] | None) -> Any:
        if self._single:
            return 1.0 if seed is None else _as_float(seed, "seed")
        if seed is None:
            raise ValueError(
                f"the function returns {self.n_outputs} outputs: pass seed=(...) with one weight per "
                "output (the gradient is that of their weighted sum), or use jacobian()"
            )
        if isinstance(seed, (str, bytes)) or not isinstance(seed, Sequence):
            raise TypeError(f"seed must be a sequence of {self.n_outputs} numbers, got {type(seed).__name__}")
        if len(seed) != self.n_outputs:
            raise ValueError(f"seed needs one number per output: expected {self.n_outputs}, got {len(seed)}")
        return tuple(_as_float(s, f"seed[{k}]") for k, s in enumerate(seed))

    # -- the guard -------------------------------------------------------------------------------------

    def verify(self, *inputs: float, rtol: float = 1e-12) -> bool:
        """Re-trace ``fn`` eagerly at ``inputs`` and the current parameters, and check that it builds
        the graph that was compiled and that the replay gives the eager engine's outputs and
        gradients (to ``rtol``). Returns ``True``; raises :class:`TraceError` naming the first
        difference otherwise."""
        if self._program is None:
            self._numbers(inputs)  # the first call traces
        program = self._program_or_trace()
        if len(inputs) != self.n_inputs:
            raise ValueError(
                f"verify: the compiled function takes {_count(self.n_inputs, 'input')}, got {len(inputs)}"
            )
        numbers = [_as_float(x, f"input {i}") for i, x in enumerate(inputs)]
        trace, single = self._record(numbers)
        change = _structure_change(program, trace, single, (self.input_names, self.param_names))
        if change:
            raise TraceError(
                "the function builds a different graph at these inputs than the one compiled (a "
                "Python branch on a value, a number taken out with .data/detach(), or randomness), "
                f"so the replay would be wrong here; first difference at {change}"
            )
        names = (*self.input_names, *self.param_names)
        zeros = [0.0] * len(self.params)
        for k, output in enumerate(trace.outputs):
            eager = backpropagate(output)
            seed: Any = 1.0 if single else tuple(float(j == k) for j in range(len(trace.outputs)))
            value, input_grads, param_grads = self._value_and_grad(*numbers, self._param_data(), seed, zeros)
            replayed = value if single else value[k]
            if not _close(output.data, replayed, rtol):
                raise TraceError(f"verify: output {k}: eager {output.data!r}, replay {replayed!r}")
            for name, node, g in zip(names, (*trace.inputs, *trace.params), (*input_grads, *param_grads)):
                expected = float(eager.get(node, 0.0))
                if not _close(expected, g, rtol):
                    raise TraceError(f"verify: d(output {k})/d({name}): eager {expected!r}, replay {g!r}")
        return True

    def __repr__(self) -> str:
        name = getattr(self.fn, "__name__", type(self.fn).__name__)
        if self._program is None:
            return f"<compiled {name}: not traced yet>"
        return (
            f"<compiled {name}: {self.n_inputs} inputs, {len(self.params)} params, "
            f"{self.n_outputs} output{'s' * (self.n_outputs != 1)}, {self.n_nodes} nodes>"
        )


def _define(source: str, name: str) -> Callable[..., Any]:
    """Compile generated source and return the function it defines."""
    scope = _namespace()
    exec(builtins.compile(source, f"<chainrule compiled {name}>", "exec"), scope)
    function: Callable[..., Any] = scope[name]
    return function


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _not_traced(*args: object) -> Any:
    raise RuntimeError("not traced yet")


def compile(
    fn: Callable[..., Any],
    params: object = None,
    *,
    example: Sequence[float] | None = None,
    check: bool | int = False,
) -> Compiled:
    """Trace ``fn`` once and replay it as generated Python over floats.

    ``fn`` takes one ``Value`` per input and returns a ``Value`` or a list/tuple of them.
    ``params``: the leaf Values ``fn`` reads (a model's weights): a list, a ``{name: Value}``
    mapping or a module; their current ``.data`` is read at every call. The trace happens at the
    first call, or right away at ``example`` (one float per input). ``check=True`` re-traces and
    verifies every call against the eager engine (slow; for debugging), ``check=n`` every n-th.

    ``f(*xs)`` is the value, ``f.value_and_grad(*xs)`` the value and gradients,
    ``f.backward(*xs)`` accumulates into the params' ``.grad``, ``f.batch_backward(rows, weight)``
    does that for a weighted sum over rows, and ``f.source`` is the generated code.
    """
    return Compiled(fn, params, example=example, check=check)


#: Another name for :func:`compile` (which shadows the builtin inside this module's namespace).
trace = compile
