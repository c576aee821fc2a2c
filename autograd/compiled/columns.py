"""A trace's packing plan written out as NumPy code: forward, guards as row masks, backward.

:func:`_write` takes the plan of :mod:`autograd.compiled.packing` (layers as matrix products, the
same op over a layer as one 2-D operation) and writes ``columns(X, S, P, seed)`` (and ``early``, the
guards on inputs alone) as source; :class:`_Writer` holds its lines and the index arrays they use.
The rules' array forms and the decision thresholds are in :mod:`autograd.compiled.arrays`; the
design (guards as masks, kinks, numbers) is in :mod:`autograd.compiled.batch`, which runs the code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    import numpy as np
except ImportError:  # the optional extra: nothing here is called without it
    np = None  # type: ignore[assignment]

from autograd.compiled import codegen, guards
from autograd.compiled.arrays import (
    _ROUNDED_AS_PYTHON,
    HUGE,
    MARGIN,
    MARGIN_ABSOLUTE,
    _kinks,
    _margins,
    _reads,
    _substitute,
    arrays,
)
from autograd.compiled.packing import Param, Plan, Slot, Source, Tensor, Unsupported, Where, plan
from autograd.compiled.trace import Trace


class _Writer:
    """The lines of one trace's columns function, and the index arrays they use."""

    def __init__(self, plan: Plan, late: bool) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.sources: dict[tuple[int, int], str] = {}  # (tensor, operand) -> its variable
        self.grad_state: dict[str, str] = {}  # gradient variable -> "owned" or "shared"
        self.kinks = bool(late) or any(
            t.kind == "affine" or (t.kind == "op" and t.row and _has_kinks(t)) for t in plan.tensors
        )
        self.kink_checks: list[tuple[str, str, bool]] = []  # (x, y, wide): a decision x vs y of an op

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def params_at(self, index: list[int] | list[list[int]]) -> str:
        """A subscript of ``P`` for these positions: a slice (a view) when they are evenly spaced, a
        strided window for a matrix of rows of consecutive positions (a layer's weights, stored
        neuron by neuron), else an index array."""
        flat = np.array(index)
        if flat.ndim == 1 and len(flat) > 1:
            step = int(flat[1] - flat[0])
            if step > 0 and (np.diff(flat) == step).all():
                return f"{flat[0]}:{flat[-1] + 1}:{step}"
        if flat.ndim == 2 and flat.shape[1] > 1 and flat.shape[0] > 1:
            stride = int(flat[1, 0] - flat[0, 0])
            rows_ok = (np.diff(flat[:, 0]) == stride).all() and stride >= flat.shape[1]
            if rows_ok and (flat == flat[:, :1] + np.arange(flat.shape[1])).all():
                start, stop = int(flat[0, 0]), int(flat[-1, 0]) + stride
                if stop <= self.plan.params.width:
                    return f"{start}:{stop}].reshape({flat.shape[0]}, {stride})[:, :{flat.shape[1]}"
        return self.constant(flat)

    def constant(self, value: Any) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    # -- forward ------------------------------------------------------------------------------------

    def slot(self, slot: Where, wide: bool = False) -> str:
        """One node's numbers: ``P[3]``, a literal, ``t5`` or ``t5[:, 2]`` (``wide``: broadcast over
        a consumer's columns)."""
        if isinstance(slot, float):
            return guards.literal(slot)
        if isinstance(slot, Param):
            return f"P[{slot.position}]"
        tensor, column = slot
        if column is None:
            return f"{tensor.name}[:, None]" if wide and tensor.row else tensor.name
        return f"{tensor.name}[:, {column}]" if tensor.row else f"{tensor.name}[{column}]"

    def source(self, source: Source, wide: bool) -> str:
        """An operand as one array: whole, a selection of columns, parameters by index, literals."""
        slots = source.slots
        if not wide:
            return self.slot(slots[0])
        if all(isinstance(s, float) for s in slots):
            return guards.literal(slots[0]) if len(set(slots)) == 1 else self.constant(np.array(slots))
        if all(isinstance(s, Param) for s in slots):
            return f"P[{self.params_at([s.position for s in slots])}]"  # type: ignore[union-attr]
        tensors = {s.tensor for s in slots if isinstance(s, Slot)}
        if len(tensors) == 1 and all(isinstance(s, Slot) for s in slots):
            tensor = next(iter(tensors))
            columns = [s.column for s in slots]  # type: ignore[union-attr]
            if columns[0] is None:
                return self.slot(slots[0], wide=True)
            if columns == list(range(tensor.width)):
                return tensor.name
            index = self.constant(np.array(columns))
            return f"{tensor.name}[:, {index}]" if tensor.row else f"{tensor.name}[{index}]"
        if any(isinstance(s, Slot) and s.tensor.row for s in slots):
            parts = ", ".join(f"broadcast_to({self.slot(s)}, (n,))" for s in slots)
            return f"stack([{parts}], axis=1)"
        return f"array([{', '.join(self.slot(s) for s in slots)}])"

    def operand(self, tensor: Tensor, k: int, wide: bool) -> str:
        """The operand's array, kept in a variable when it is made (selected, gathered)."""
        text = self.source(tensor.operands[k], wide)
        if text.isidentifier() or not any(c in text for c in "[("):
            return text
        name = f"a{tensor.index}_{k}"
        self.emit(f"{name} = {text}")
        self.sources[(tensor.index, k)] = name
        return name

    def forward(self, tensor: Tensor, leaf: Callable[[Tensor], str]) -> None:
        wide = tensor.wide
        if tensor.kind == "leaf":
            self.emit(f"{tensor.name} = {leaf(tensor)}")
        elif tensor.kind == "op":
            arguments = [self.operand(tensor, k, wide) for k in range(len(tensor.operands))]
            rule = codegen.rule(tensor.op)  # type: ignore[arg-type]
            value = arrays(rule.forward.format(*arguments))
            if wide and not any(_spans(source) for source in tensor.operands):
                value = f"broadcast_to({value}, {'(n, ' if tensor.row else '('}{tensor.width}))"
            self.emit(f"{tensor.name} = {value}")
            tensor.arguments = arguments  # type: ignore[attr-defined]
            op_name = tensor.op.name if tensor.op is not None else ""
            if self.kinks and tensor.row and op_name not in _ROUNDED_AS_PYTHON:
                size = f"abs({tensor.name}).max(axis=1)" if wide else f"abs({tensor.name})"
                self.emit(f"scale = maximum(scale, {size})  # NumPy's {op_name} may differ in the last bit")
            if tensor.row:  # the decisions inside its rules that read a row's numbers
                names = ["a", "b", "c", "out"]
                texts = [rule.forward, *[d.template for d in rule.derivatives]]
                row = {n for n, src in zip(names, tensor.operands) if _varies(src)} | {"out"}
                padded = dict(zip(names, [*arguments, *[""] * (3 - len(arguments)), tensor.name]))
                pairs = {frozenset(pair): pair for text in texts for pair in _kinks(text.format(*names))}
                for pair in pairs.values():  # x vs y and y vs x: one check
                    if any(_reads(side) & row for side in pair):
                        x, y = (_substitute(side, padded) for side in pair)
                        self.kink_checks.append((x, y, tensor.wide))
        elif tensor.kind == "affine":
            self.affine_forward(tensor)

    def affine_forward(self, tensor: Tensor) -> None:
        v = self.operand(tensor, 0, True)
        if not v.isidentifier():
            self.emit(f"v{tensor.index} = {v}")
            v = f"v{tensor.index}"
        coefficients = tensor.coefficients
        if isinstance(coefficients[0][0], Param):
            index = [[c.position for c in row] for row in coefficients]  # type: ignore[union-attr]
            weights = f"P[{self.params_at(index if tensor.wide else index[0])}]"
        else:
            rows = [list(row) for row in coefficients]
            weights = self.constant(np.array(rows if tensor.wide else rows[0], dtype=float))
        self.emit(f"w{tensor.index} = {weights}")
        product = f"{v} @ w{tensor.index}.T" if tensor.wide else f"{v} @ w{tensor.index}"
        if len(tensor.operands) > 1:
            product += f" + {self.operand(tensor, 1, tensor.wide)}"
        self.emit(f"{tensor.name} = {product}")
        tensor.arguments = [v]  # type: ignore[attr-defined]
        if self.kinks:  # how large its terms can be (an upper bound): their sum's rounding is relative to it
            size = "X_size" if v == "X" else f"abs({v}).max(axis=1)"
            largest = f"{size} * abs(w{tensor.index}).max()"
            self.emit(f"scale = maximum(scale, {largest} * {len(tensor.coefficients[0])})")

    # -- backward -----------------------------------------------------------------------------------

    def add(self, tensor: Tensor, term: str, columns: str | None = None, unique: bool = True) -> None:
        """``g_tensor (+)= term``, into ``columns`` only when given."""
        g = f"g_{tensor.name}"
        state = self.grad_state.get(g)
        if columns is None:
            if state is None:
                self.emit(f"{g} = {term}")
                self.grad_state[g] = "shared" if term.isidentifier() else "owned"
            else:
                self.emit(f"{g} += {term}" if state == "owned" else f"{g} = {g} + {term}")
                self.grad_state[g] = "owned"
            return
        if state is None:
            self.emit(f"{g} = zeros_like({tensor.name})")
        elif state == "shared":
            self.emit(f"{g} = {g}.copy()")
        self.grad_state[g] = "owned"
        where = f"[:, {columns}]" if tensor.row else f"[{columns}]"
        if unique:
            self.emit(f"{g}{where} += {term}")
        else:
            target = f"(slice(None), {columns})" if tensor.row else columns
            self.emit(f"add_at({g}, {target}, {term})")

    def send(self, source: Source, term: str, row: bool, wide: bool) -> None:
        """Add ``term`` (shaped as the consumer: rows if ``row``, columns if ``wide``) to the
        gradients of the source's slots."""
        slots = source.slots
        if not wide:
            self.send_one(slots[0], term, row)
            return
        if all(isinstance(s, float) for s in slots):
            return
        if all(isinstance(s, Param) for s in slots):
            index = [s.position for s in slots]  # type: ignore[union-attr]
            summed = f"({term}).sum(axis=0)" if row else term
            self.add(self.plan.params, summed, self.params_at(index), len(set(index)) == len(index))
            return
        tensors = {s.tensor for s in slots if isinstance(s, Slot)}
        if len(tensors) == 1 and all(isinstance(s, Slot) for s in slots):
            tensor = next(iter(tensors))
            if not tensor.needs_grad:
                return
            columns = [s.column for s in slots]  # type: ignore[union-attr]
            if row and not tensor.row:
                term = f"({term}).sum(axis=0)"
            if columns[0] is None:
                self.add(tensor, f"({term}).sum(axis=-1)")
            elif columns == list(range(tensor.width)):
                self.add(tensor, term)
            else:
                self.add(tensor, term, self.constant(np.array(columns)), len(set(columns)) == len(columns))
            return
        if not any(isinstance(s, Param) or (isinstance(s, Slot) and s.tensor.needs_grad) for s in slots):
            return
        name = self.temporary(term)
        for k, s in enumerate(slots):
            self.send_one(s, f"{name}[:, {k}]" if row else f"{name}[{k}]", row)

    def send_one(self, slot: Where, term: str, row: bool) -> None:
        """Add ``term`` (one column over the rows if ``row``, else one number) to one slot."""
        if isinstance(slot, float):
            return
        summed = f"({term}).sum()" if row else term
        if isinstance(slot, Param):
            self.add(self.plan.params, summed, str(slot.position))
            return
        tensor, column = slot
        if not tensor.needs_grad:
            return
        value = term if tensor.row else summed
        if column is None:
            self.add(tensor, value)
        else:
            self.add(tensor, value, str(column))

    def temporary(self, term: str) -> str:
        if term.isidentifier():
            return term
        name = f"d{len(self.lines)}"
        self.emit(f"{name} = {term}")
        return name

    def backward(self, tensor: Tensor) -> None:
        g = f"g_{tensor.name}"
        if g not in self.grad_state:
            return  # no gradient reaches it
        if tensor.kind == "op":
            self.op_backward(tensor, g)
        elif tensor.kind == "affine":
            self.affine_backward(tensor, g)

    def op_backward(self, tensor: Tensor, g: str) -> None:
        op = tensor.op
        assert op is not None
        rule = codegen.rule(op)
        arguments = [*tensor.arguments, *[""] * (3 - len(tensor.arguments)), tensor.name]  # type: ignore[attr-defined]
        for k, source in enumerate(tensor.operands):
            if k not in op.differentiated or not _needs(source):
                continue
            template = rule.derivatives[k].template
            factor = _folded(template.format(*arguments))
            if factor.strip("()") in ("1", "1.0"):
                term = g
            elif factor.strip("()") in ("-1", "-1.0"):
                term = f"-{g}"
            else:
                term = f"({arrays(factor)}) * {g}"
            self.send(source, term, tensor.row, tensor.wide)

    def affine_backward(self, tensor: Tensor, g: str) -> None:
        v, w = tensor.arguments[0], f"w{tensor.index}"  # type: ignore[attr-defined]
        variables = tensor.operands[0]
        if _needs(variables):
            self.send(variables, f"{g} @ {w}" if tensor.wide else f"outer({g}, {w})", True, True)
        first = tensor.coefficients[0][0]
        if isinstance(first, Param):
            index = [[c.position for c in row] for row in tensor.coefficients]  # type: ignore[union-attr]
            flat = [j for row in index for j in row]
            term = f"{g}.T @ {v}" if tensor.wide else f"{g} @ {v}"
            at = self.params_at(index if tensor.wide else index[0])
            self.add(self.plan.params, term, at, len(set(flat)) == len(flat))
        if len(tensor.operands) > 1:
            self.send(tensor.operands[1], g, True, tensor.wide)


def _folded(factor: str) -> str:
    """A local derivative over constants only (``divide(1, 4.0)``), evaluated now; else as it is."""
    try:
        value = eval(factor, codegen.namespace())
    except Exception:
        return factor  # it reads arrays
    return guards.literal(float(value)) if isinstance(value, (int, float)) else factor


def _spans(source: Source) -> bool:
    """True if the operand has one column per member (not one number or column for all)."""
    slots = source.slots
    if all(isinstance(s, float) for s in slots):
        return len(set(slots)) > 1
    return not (isinstance(slots[0], Slot) and slots[0].column is None and len(set(slots)) == 1)


def _needs(source: Source) -> bool:
    return any(isinstance(s, Param) or (isinstance(s, Slot) and s.tensor.needs_grad) for s in source.slots)


def _varies(source: Source) -> bool:
    return any(isinstance(s, Slot) and s.tensor.row for s in source.slots)


def _has_kinks(tensor: Tensor) -> bool:
    rule = codegen.rule(tensor.op)  # type: ignore[arg-type]
    texts = [rule.forward, *[d.template for d in rule.derivatives]]
    names = [chr(ord("a") + k) for k in range(3)] + ["out"]
    return any(_kinks(text.format(*names)) for text in texts)


def _placeholder(
    node: Any, name_of: Callable[[guards.Expression], str]
) -> Callable[[guards.Expression], str]:
    """``name_of``, with ``node`` written ``__v__`` (to see which guards differ only in that node)."""

    def name(expression: guards.Expression) -> str:
        return "__v__" if expression[0] == "node" and expression[1] is node else name_of(expression)

    return name


def _write(
    trace: Trace, columns: dict[int, int], static: dict[int, type], backward: bool = True
) -> tuple[str, dict[str, Any]]:
    the_plan = plan(trace, columns)
    inputs = set(trace.inputs) | set(trace.params)
    early = [g for g in trace.guards if all(e[0] != "node" or e[1] in inputs for e in guards.leaves(g.test))]
    late = [g for g in trace.guards if g not in early]
    writer = _Writer(the_plan, bool(late))
    home = the_plan.home

    def name_of(expression: guards.Expression) -> str:
        if expression[0] == "node":
            return writer.slot(home[expression[1]])
        k = expression[1]
        return f"s{k}" if k in static else f"X[:, {columns[k]}]"

    def leaf(tensor: Tensor) -> str:
        return arrays(guards.render(trace.leaf_expressions[tensor.members[0]], name_of), guard=True)

    def tests_of(tests: list[guards.Guard]) -> list[tuple[str, str]]:
        """Each test as ``(fails, scale)``: guards that differ only in which column of one array
        they read (``-inf < z_j < inf`` for every score) become one test over those columns."""
        grouped: dict[tuple[str, int], list[int]] = {}
        found: list[tuple[str, str]] = []
        for guard in tests:
            nodes = {e[1] for e in guards.leaves(guard.test) if e[0] == "node"}
            slot = home.get(next(iter(nodes))) if len(nodes) == 1 else None
            if isinstance(slot, Slot) and slot.column is not None and slot.tensor.row:
                template = guards.failure(guard.test, _placeholder(next(iter(nodes)), name_of))
                key = (template, slot.tensor.index)
                if key not in grouped:
                    grouped[key] = []
                    found.append((f"__group__{len(grouped) - 1}", ""))
                grouped[key].append(slot.column)
                continue
            found.append((guards.failure(guard.test, name_of), "scale"))
        keys = list(grouped)
        result = []
        for fails, size in found:
            if fails.startswith("__group__"):
                template, index = keys[int(fails.removeprefix("__group__"))]
                tensor = next(t for t in the_plan.tensors if t.index == index)
                columns_read = grouped[(template, index)]
                picked = writer.constant(np.array(columns_read))
                fails = template.replace("__v__", f"{tensor.name}[:, {picked}]")
                size = "scale[:, None]"
            for k, kind in static.items():
                fails = fails.replace(f"type(s{k}) is {kind.__name__}", "True")
            result.append((fails, size))
        return result

    def every(test: str, size: str) -> str:
        return f"each_row({test})" if size.endswith("None]") else test

    def mask(tests: list[guards.Guard], computed: bool) -> None:
        if not tests and not (computed and writer.kinks):
            return
        writer.emit("ok = ones(n, dtype=bool)")
        if computed:
            writer.emit("sure = ones(n, dtype=bool)")
        for fails, size in tests_of(tests):
            writer.emit(f"ok &= {every(f'logical_not({arrays(fails, guard=True)})', size)}")
            for margin in _margins(fails, size) if computed else []:
                writer.emit(f"sure &= {every(arrays(margin, guard=True), size)}")
        at_zero = [x for x, y, wide in writer.kink_checks if y == "0.0" and not wide]
        if computed and at_zero:  # every decision x vs 0 at once
            writer.emit(f"near = stack([{', '.join(f'broadcast_to({x}, (n,))' for x in at_zero)}], axis=1)")
            writer.emit(f"sure &= (abs(near) > {MARGIN} * (abs(near) + scale[:, None])).all(axis=1)")
        for x, y, wide in writer.kink_checks if computed else []:
            if y == "0.0" and not wide:
                continue
            size = "scale[:, None]" if wide else "scale"
            test = f"clear_of_zero({x}, {size})" if y in ("0", "0.0") else f"clear({x}, {y}, {size})"
            writer.emit(f"sure &= {every(arrays(test), size)}")
        if computed:  # terms near the float range: the order of a sum decides whether it overflows
            writer.emit(f"sure &= scale < {HUGE}")
        writer.emit("if not ok.all():" if not computed else "if not (ok & sure).all():")
        fail = "ok & sure, logical_not(sure), None" if computed else "ok, None, None"
        writer.emit(f"    return {fail}")

    writer.emit("n = len(X)")
    if writer.kinks:
        writer.emit("X_size = abs(X).max(axis=1) if X.shape[1] else zeros(n)")
    for k in static:
        writer.emit(f"s{k} = S[{k}]")
    start = len(writer.lines)
    mask(early, False)
    checks = writer.lines[start:]
    del writer.lines[start:]
    if writer.kinks:
        writer.emit(f"scale = full(n, {MARGIN_ABSOLUTE / MARGIN})  # the size of the reordered sums' terms")
    for tensor in the_plan.tensors:
        writer.forward(tensor, leaf)
    mask(late, True)
    if not backward:  # every output's value on every row
        values = [f"broadcast_to({writer.slot(o)}, (n,))" for o in the_plan.outputs]
        stacked = values[0] if len(values) == 1 else f"stack([{', '.join(values)}], axis=1)"
        writer.emit(f"return None, {stacked}, True")
    else:
        _write_backward(writer, the_plan)
    source = "def columns(X, S, P, seed):\n" + "\n".join(writer.lines) + "\n"
    head = ["    n = len(X)", *[f"    s{k} = S[{k}]" for k in static]]
    body = [line.replace("return ok, None, None", "return ok") for line in checks]
    source += "\n\ndef early(X, S, P):\n" + "\n".join(head + body) + "\n    return None\n"
    return source, writer.constants


def _write_backward(writer: _Writer, the_plan: Plan) -> None:
    """The sum of the output's values, and the backward lines: the gradient of that sum."""
    if the_plan.output is None:
        raise Unsupported("gradients need one output that varies with the rows")
    writer.emit(f"value = ({writer.slot(the_plan.output)}).sum()")
    writer.emit("g_P = zeros_like(P)")
    writer.grad_state["g_P"] = "owned"
    out_tensor, column = the_plan.output
    if out_tensor.needs_grad:
        if column is None:
            writer.emit(f"g_{out_tensor.name} = full(n, seed)")
        else:
            writer.emit(f"g_{out_tensor.name} = zeros_like({out_tensor.name})")
            writer.emit(f"g_{out_tensor.name}[:, {column}] = seed")
        writer.grad_state[f"g_{out_tensor.name}"] = "owned"
        for tensor in reversed(the_plan.tensors):
            writer.backward(tensor)
    writer.emit(
        "return None, value, g_P"
    )  # (rows where the guards hold or None, value or unsure rows, grads)
