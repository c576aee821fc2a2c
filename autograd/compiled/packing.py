"""Packing: one trace's scalar graph regrouped into a few whole-array operations over the rows.

The batch replay (:mod:`autograd.compiled.batch`) runs one trace over many rows at once: every
scalar node that varies with the row becomes a column of numbers, one per row. Done node by node,
that is one array operation per node. This module finds the structure that makes far fewer:

* **Affine forms.** A neuron is a chain ``z = w_n x_n + (... + (w_1 x_1 + b))`` of ``mul_add``
  nodes (or ``+`` and ``*`` written by hand) whose intermediate sums nobody else reads: it is
  ``z = sum_i w_i x_i + b`` with weights ``w`` that are the same on every row. Neurons that read the
  same inputs ``x`` in the same order are one layer: ``Z = X W^T + b``, one matrix product. Its
  backward is two more: ``dX = dZ W`` and ``dW = dZ^T X`` (summed over the rows).
* **Groups.** Nodes of the same op whose inputs come from the same arrays (``tanh`` of every neuron
  of a layer, ``z_j - m`` for every score) are one elementwise operation over a 2-D array, one
  column per node.

What is left (a serial chain, a lone node) stays one column per node. Parameters are one vector
``P``; weights are read from it by index, and their gradients added back by index. Nothing here
needs NumPy: it is a plan, and :mod:`autograd.compiled.batch` writes it out as array code.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import NamedTuple

from autograd.compiled import guards
from autograd.compiled.trace import Trace
from autograd.engine import Value
from autograd.ops import Op


class Unsupported(Exception):
    """The trace has something the batch replay does not vectorize (its rows go row by row)."""


class Tensor:
    """An array of the plan: one column per member node (``width``), over the rows if ``row``.

    ``kind``: ``"inputs"`` (the input columns), ``"params"`` (the parameter vector ``P``), ``"leaf"`` (a
    number read from the graph, computed from its expression), ``"op"`` (one op over every member),
    ``"affine"`` (a layer: ``V W^T + b``). Its shape: ``(B, width)``, ``(B,)`` when it has one member
    (``wide`` False), ``(width,)`` or ``()`` when it does not vary with the rows."""

    def __init__(self, index: int, kind: str, row: bool, op: Op | None = None) -> None:
        self.index, self.kind, self.row, self.op = index, kind, row, op
        self.members: list[Value] = []
        self.operands: list[Source] = []  # op: one per input of the op; affine: [V, bias or None]
        self.coefficients: tuple[tuple[Where, ...], ...] = ()  # affine: per member, per input of V
        self.after: list[Slot] = []  # leaf: the slots its expression reads
        self.needs_grad = False
        self.width = 0

    @property
    def wide(self) -> bool:
        return self.kind in ("inputs", "params") or self.width > 1

    @property
    def name(self) -> str:
        return {"inputs": "X", "params": "P"}.get(self.kind, f"t{self.index}")

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name} x{self.width}{' rows' if self.row else ''}>"


class Slot(NamedTuple):
    """Where a node's numbers are: a tensor, and its column (``None``: the tensor is that one node)."""

    tensor: Tensor
    column: int | None


class Param(NamedTuple):
    """A parameter's slot: its position in ``P``."""

    position: int


Where = Slot | float | Param  # a node's numbers: a tensor's column, a constant, or a parameter


class Source(NamedTuple):
    """One operand of a tensor, one entry per member: where its numbers are."""

    slots: tuple[Where, ...]


class Form(NamedTuple):
    """``sum_i coefficient_i * variable_i + bias``: coefficients and bias are parameters or constants."""

    terms: tuple[tuple[Value | float, Value], ...]  # (coefficient, variable)
    bias: Value | None


class Plan(NamedTuple):
    tensors: list[Tensor]  # in the order they are computed
    home: dict[Value, Where]
    output: Slot | None  # the one output, if gradients can be taken (one output that varies)
    outputs: list[Where]
    inputs: Tensor
    params: Tensor


ONE = 1.0  # the coefficient of a term of a plain running sum


def _sums(other: Form | None, analysis: _Analysis) -> bool:
    """True if ``other`` is a sum a row value may join with coefficient 1: ``sum()``'s start (0) or
    a running sum of terms with constant coefficients."""
    if other is None:
        return False
    if not other.terms:
        return other.bias is None
    return all(analysis.kind(c) == "C" for c, _ in other.terms)


def _consumers(trace: Trace) -> dict[Value, int]:
    """How many times each node is read: by other nodes, as the output, by a guard or a leaf."""
    count: dict[Value, int] = {}
    for node in trace.order:
        for child in node.children:
            count[child] = count.get(child, 0) + 1
    extra = [e for g in trace.guards for e in guards.leaves(g.test)]
    extra += [e for x in trace.leaf_expressions.values() for e in guards.leaves(x)]
    for node in [*trace.outputs, *(e[1] for e in extra if e[0] == "node")]:
        count[node] = count.get(node, 0) + 2  # never absorbed into a consumer's form
    return count


class _Analysis:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.params = {p: j for j, p in enumerate(trace.params)}
        self.row: dict[Value, bool] = {}
        inputs = set(trace.inputs)
        for node in trace.order:
            if node in inputs:
                self.row[node] = True
            elif node in trace.leaf_expressions:
                self.row[node] = any(
                    e[0] == "number" or self.row.get(e[1], False)
                    for e in guards.leaves(trace.leaf_expressions[node])
                )
            else:
                self.row[node] = any(self.row[c] for c in node.children)
        self.consumers = _consumers(trace)
        self.forms: dict[Value, Form] = {}
        self.absorbed: set[Value] = set()

    def fixed(self, node: Value) -> bool:
        """A parameter or a constant: the same number on every row, read from ``P`` or written out."""
        return node in self.params or not self.trace.varies.get(node, False)

    def kind(self, node: Value | float) -> str:
        return "P" if isinstance(node, Value) and node in self.params else "C"

    def term(self, a: Value, b: Value) -> tuple[Value, Value] | None:
        if self.fixed(a) and self.row[b]:
            return a, b
        if self.fixed(b) and self.row[a]:
            return b, a
        return None

    def part(self, node: Value) -> Form | None:
        """``node`` as a form a consumer may absorb (read by it alone), or a bias."""
        form = self.forms.get(node)
        if form is not None and self.consumers.get(node, 0) == 1:
            return form
        if self.fixed(node) and node not in self.params and node.data == 0.0:
            return Form((), None)  # sum() starts from 0
        if self.fixed(node):
            return Form((), node)
        return None

    def form(self, node: Value) -> Form | None:
        """The affine form of ``node``, if its op and inputs make one."""
        if not self.row.get(node, False) or node in self.trace.leaf_expressions or not node.children:
            return None
        name, children = node._op.name, node.children  # type: ignore[union-attr]
        parts: list[Form | None]
        merged: list[Value] = []  # children whose own forms this one takes in
        if name in ("mul_add", "*"):
            term = self.term(children[0], children[1])
            parts = [None if term is None else Form((term,), None)]
            if name == "mul_add":  # the running sum first: the terms in the order they were added
                parts.insert(0, self.part(children[2]))
                merged.append(children[2])
        elif name == "+":
            parts = [self.part(children[0]), self.part(children[1])]
            for k in (0, 1):  # a running sum of row values (sum(...) over a layer): coefficients 1
                if parts[k] is None and self.row[children[k]] and _sums(parts[1 - k], self):
                    parts[k] = Form(((ONE, children[k]),), None)
            merged += children[:2]
        else:
            return None
        if any(p is None for p in parts):
            return None
        terms = tuple(t for p in parts for t in p.terms)  # type: ignore[union-attr]
        biases = [p.bias for p in parts if p is not None and p.bias is not None]
        kinds = {self.kind(p.terms[0][0]) for p in parts if p is not None and p.terms}  # each is one kind
        if not terms or len(biases) > 1 or len(kinds) > 1:
            return None
        for child in merged:
            if child in self.forms and self.consumers.get(child, 0) == 1:
                self.absorbed.add(child)
        return Form(terms, biases[0] if biases else None)


def plan(trace: Trace, columns: dict[int, int]) -> Plan:
    """The trace's row-varying nodes packed into tensors (raises :class:`Unsupported`).
    ``columns``: each input position's column in ``X`` (every input that is not static)."""
    analysis = _Analysis(trace)
    order = _creation_order(trace)
    for node in order:
        form = analysis.form(node)
        if form is not None:
            analysis.forms[node] = form
    tensors: list[Tensor] = []
    inputs = Tensor(0, "inputs", True)
    params = Tensor(1, "params", False)
    tensors += [inputs, params]
    home: dict[Value, Where] = {}
    for j, p in enumerate(trace.params):
        home[p] = Param(j)
    groups: dict[Hashable, Tensor] = {}

    def new(kind: str, row: bool, op: Op | None = None) -> Tensor:
        tensor = Tensor(len(tensors), kind, row, op)
        tensors.append(tensor)
        return tensor

    def join(key: Hashable, kind: str, row: bool, node: Value, op: Op | None = None) -> None:
        tensor = groups.get(key)
        if tensor is None:
            tensor = groups[key] = new(kind, row, op)
        home[node] = Slot(tensor, len(tensor.members))
        tensor.members.append(node)

    values = [k for k in sorted(columns) if k not in {n.expression[1] for n in trace.numbers}]
    positions = {node: columns[k] for node, k in zip(trace.inputs, values)}
    for node in order:
        if node in home:
            continue
        if node in positions:
            home[node] = Slot(inputs, positions[node])
        elif not trace.varies.get(node, False):
            home[node] = float(node.data)
        elif node in trace.leaf_expressions:
            join(("leaf", node), "leaf", analysis.row[node], node)
        elif node in analysis.absorbed:
            continue
        elif node in analysis.forms and len(analysis.forms[node].terms) > 1:  # one term: the op itself
            form = analysis.forms[node]
            variables = tuple(v for _, v in form.terms)
            join(("affine", variables, analysis.kind(form.terms[0][0])), "affine", True, node)
        elif not node.children:
            raise Unsupported(f"a leaf that is neither input, parameter nor constant: {node!r}")
        else:
            key = ("op", node._op, *[_key(home[c]) for c in node.children])
            join(key, "op", analysis.row[node], node, node._op)
    inputs.width = len(columns)
    params.width = len(trace.params)
    for tensor in tensors[2:]:
        tensor.width = len(tensor.members)
        if tensor.kind == "op":
            tensor.operands = [
                Source(tuple(home[m.children[k]] for m in tensor.members))
                for k in range(len(tensor.members[0].children))
            ]
        elif tensor.kind == "affine":
            forms = [analysis.forms[m] for m in tensor.members]
            tensor.operands = [Source(tuple(home[v] for _, v in forms[0].terms))]
            biases = [f.bias for f in forms]
            if any(b is not None for b in biases):
                tensor.operands.append(Source(tuple(0.0 if b is None else home[b] for b in biases)))
            tensor.coefficients = tuple(
                tuple(home[c] if isinstance(c, Value) else c for c, _ in f.terms) for f in forms
            )
    for node in home:
        slot = home[node]
        if isinstance(slot, Slot) and slot.tensor.kind not in ("inputs", "params") and slot.tensor.width == 1:
            home[node] = Slot(slot.tensor, None)
    _renumber_operands(tensors, home)
    for tensor in tensors:
        if tensor.kind == "leaf":
            reads = [e[1] for e in guards.leaves(trace.leaf_expressions[tensor.members[0]]) if e[0] == "node"]
            tensor.after = [s for s in (home[r] for r in reads) if isinstance(s, Slot)]
    outputs = [home[node] for node in trace.outputs]
    output = outputs[0] if len(outputs) == 1 else None
    if not isinstance(output, Slot) or not output.tensor.row:
        output = None  # gradients need one output that varies with the rows (forward only otherwise)
    ordered = _schedule(tensors)
    _mark_gradients(ordered)
    return Plan(ordered, home, output, outputs, inputs, params)


def _creation_order(trace: Trace) -> list[Value]:
    """The trace's nodes, leaves first, then every op node in the order the function made it: a
    group's members, a layer's neurons and their inputs come in the order the code wrote them."""
    leaves = [node for node in trace.order if node._op is None]
    made = sorted((node for node in trace.order if node._op is not None), key=lambda node: node._creation)
    return leaves + made


def is_param(slot: object) -> bool:
    return isinstance(slot, Param)


def _key(slot: Where) -> Hashable:
    if isinstance(slot, float):
        return "C"
    if isinstance(slot, Param):
        return "P"
    return slot.tensor.index


def _renumber_operands(tensors: list[Tensor], home: dict[Value, Where]) -> None:
    """Operands made before single-member tensors lost their column index: point them at ``None``."""
    for tensor in tensors:
        tensor.operands = [Source(tuple(_single(s) for s in source.slots)) for source in tensor.operands]
        tensor.coefficients = tuple(tuple(_single(s) for s in row) for row in tensor.coefficients)


def _single(slot: Where) -> Where:
    if isinstance(slot, Slot) and slot.tensor.kind not in ("inputs", "params") and slot.tensor.width == 1:
        return Slot(slot.tensor, None)
    return slot


def _reads(tensor: Tensor) -> Iterable[Tensor]:
    for after in tensor.after:
        yield after.tensor
    for source in tensor.operands:
        for slot in source.slots:
            if isinstance(slot, Slot):
                yield slot.tensor


def _schedule(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors in an order where each comes after every tensor it reads (Kahn's algorithm)."""
    waiting = {t.index: len(set(_reads(t)) - {t}) for t in tensors}
    readers: dict[int, list[Tensor]] = {t.index: [] for t in tensors}
    for t in tensors:
        if t in set(_reads(t)):
            raise Unsupported("a group reads itself")
        for source in set(_reads(t)):
            readers[source.index].append(t)
    ready = [t for t in tensors if waiting[t.index] == 0]
    order: list[Tensor] = []
    while ready:
        tensor = ready.pop(0)
        order.append(tensor)
        for reader in readers[tensor.index]:
            waiting[reader.index] -= 1
            if waiting[reader.index] == 0:
                ready.append(reader)
    if len(order) != len(tensors):
        raise Unsupported("the groups depend on each other in a cycle")
    return order


def _mark_gradients(ordered: list[Tensor]) -> None:
    """``needs_grad``: the tensor depends on a parameter (its gradient flows back to ``P``)."""
    for tensor in ordered:
        slots = [s for source in tensor.operands for s in source.slots]
        slots += [c for row in tensor.coefficients for c in row]
        tensor.needs_grad = tensor.kind == "params" or any(
            is_param(s) or (isinstance(s, Slot) and s.tensor.needs_grad) for s in slots
        )
