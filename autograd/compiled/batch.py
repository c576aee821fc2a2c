"""Batch replay over columns: one trace run once over many rows, as NumPy array operations.

Every row of a batch that a trace covers runs the same graph (that is what its guards check), so
the graph can run once over arrays with one element per row, as ``jax.vmap`` does for a traced
function. :mod:`autograd.compiled.packing` regroups the graph first (a layer of neurons is one
matrix product, the same op over a layer one 2-D operation); this module writes that plan out as
NumPy code, forward then backward:

* an op's forward and derivatives are its rules from the op table, in array form (``a if t else
  b`` is ``where(t, a, b)``; ``max(a, 0.0)`` is ``maximum``), IEEE-754 as the scalar functions
  (``log(0) = -inf``, ``1/0 = inf``, no exception);
* a layer ``Z = V W^T + b`` has the backward ``dV = dZ W``, ``dW = dZ^T V``, ``db = sum_rows dZ``;
* a parameter's gradient is the sum over rows of its terms.

**Guards become row masks.** A trace's guards (its decisions on numbers) are tested on every row
at once, over arrays; the rows where one fails are left to the next trace, a new trace, or the
row-by-row replay. Only guards that cannot raise in Python (``+ - *``, ``abs``, comparisons) are
vectorized; a trace with another one (or with an op that has no array form here) runs row by row.

**Kinks.** The same holds inside an op: relu, abs, max, clamp, a comparison decide on their input,
and a sum in another order can land on the other side of the kink (``1e-17`` instead of eager's
exact 0). A row where any such input is within ``1e-9`` of its kink, relative to the size of the
terms of the matrix products before it, is replayed row by row.

**Numbers.** The sums run in NumPy's order (matrix products, pairwise sums), so values and
gradients equal the row-by-row replay (which is eager's, bit for bit) to rounding: within about
``1e-12`` of the sum of the magnitudes of the summed terms. A batch with numbers near the float
range (an input, a parameter or a sum beyond 1e250, or one not finite) is replayed row by row:
there, the order of a sum decides whether it overflows. ``Compiled.columns = False`` gives the
row-by-row replay. NumPy is optional (``pip install "chainrule[fast]"``); without it, rows run
one by one.
"""

from __future__ import annotations

import ast
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

try:
    import numpy as np
except ImportError:  # the optional extra: the per-row replay is used
    np = None  # type: ignore[assignment]


from autograd.compiled import codegen, guards
from autograd.compiled.packing import Param, Plan, Slot, Source, Tensor, Unsupported, Where, plan
from autograd.compiled.trace import Trace

AVAILABLE = np is not None

#: Fewer rows than this are replayed row by row (an array operation has a fixed cost of about a
#: microsecond; a scalar line of the row-by-row replay about 20 ns).
MIN_ROWS = 32


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # e^t only for t <= 0, as numerics.sigmoid
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x: Any) -> Any:
    return np.where(np.isnan(x), x, np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


def _nan_unless(x: Any, fine: Any, y: Any) -> Any:
    return np.where(fine, y, np.nan)


def _clear(x: Any, y: Any, size: Any) -> Any:
    """Where ``x`` vs ``y`` is decided beyond rounding: ``|x - y| > MARGIN (|x| + |y| + size)``, or
    one of them is infinite (no rounding moves a finite number onto an infinity)."""
    return (np.abs(x - y) > MARGIN * (np.abs(x) + np.abs(y) + size)) | np.isinf(x) | np.isinf(y)


def _clear_of_zero(x: Any, size: Any) -> Any:
    """``_clear(x, 0, size)`` in fewer operations: ``|x| > MARGIN (|x| + size)``."""
    return np.abs(x) > (MARGIN / (1 - MARGIN)) * size


def _each_row(test: Any) -> Any:
    """A test over several columns holds on a row when it holds in each of them."""
    return test.all(axis=1) if np.ndim(test) == 2 else test


def _array_functions() -> dict[str, Any]:
    """The scalar rules' functions over arrays, each with the scalar function's special values."""
    finite = np.isfinite
    return {
        "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "tanh": np.tanh, "sigmoid": _sigmoid,
        "softplus": _softplus, "divide": np.divide, "power": np.power, "abs": np.abs,
        "sin": lambda x: _nan_unless(x, finite(x), np.sin(x)),
        "cos": lambda x: _nan_unless(x, finite(x), np.cos(x)),
        "tan": lambda x: _nan_unless(x, finite(x), np.tan(x)),
        "sinh": np.sinh, "cosh": np.cosh, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
        "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh, "log1p": np.log1p,
        "expm1": np.expm1, "log2": np.log2, "log10": np.log10,
        "erf": np.vectorize(math.erf, otypes=[float]),
        "step": lambda x: np.where(x > 0, 1.0, 0.0),
        "sign": lambda x: np.where(x > 0, 1.0, np.where(x < 0, -1.0, 0.0)),
        "max": np.maximum, "maximum": np.maximum, "minimum": np.minimum,
        "clamp": lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
        "where": np.where, "logical_and": np.logical_and, "logical_or": np.logical_or,
        "logical_not": np.logical_not, "inf": np.inf, "nan": np.nan, "zeros_like": np.zeros_like,
        "full": np.full, "zeros": np.zeros, "outer": np.outer, "add_at": np.add.at, "stack": np.stack,
        "array": np.array, "ones": np.ones, "broadcast_to": np.broadcast_to,
        "each_row": _each_row, "clear": _clear, "clear_of_zero": _clear_of_zero,
    }  # fmt: skip


_FUNCTIONS = frozenset(
    {"exp", "log", "sqrt", "tanh", "sigmoid", "softplus", "divide", "power", "abs", "sin", "cos", "tan",
     "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10",
     "erf", "step", "sign", "max", "maximum", "minimum", "clamp"}
)  # fmt: skip


class _ToArrays(ast.NodeTransformer):
    """A scalar expression as its array form; :class:`Unsupported` for anything else."""

    def __init__(self, guard: bool) -> None:
        extra = {"clear", "clear_of_zero"}
        self.functions, self.guard = ({"abs"} | extra if guard else _FUNCTIONS | extra), guard

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return _call("where", [self.visit(node.test), self.visit(node.body), self.visit(node.orelse)])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        values = [self.visit(v) for v in node.values]
        result = values[0]
        for value in values[1:]:
            result = _call(name, [result, value])
        return result  # type: ignore[no-any-return]

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _call("logical_not", [operand])
        return ast.UnaryOp(node.op, operand)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
            raise Unsupported("identity or membership test")
        operands = [self.visit(node.left), *[self.visit(c) for c in node.comparators]]
        pairs = [ast.Compare(a, [op], [b]) for a, op, b in zip(operands, node.ops, operands[1:])]
        result: ast.expr = pairs[0]
        for pair in pairs[1:]:
            result = _call("logical_and", [result, pair])
        return result

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        allowed = (ast.Add, ast.Sub, ast.Mult) if self.guard else (ast.Add, ast.Sub, ast.Mult, ast.MatMult)
        if not isinstance(node.op, allowed):
            raise Unsupported("an operator that could raise in Python")  # 1/0 raises there, not here
        return ast.BinOp(self.visit(node.left), node.op, self.visit(node.right))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions or node.keywords:
            raise Unsupported(ast.unparse(node.func))
        return _call(node.func.id, [self.visit(a) for a in node.args])

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        raise Unsupported("lambda")


def _call(name: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), args, [])


def arrays(expression: str, guard: bool = False) -> str:
    """A scalar expression in its array form (``guard``: only what cannot raise in Python)."""
    tree = ast.parse(expression.strip(), mode="eval")
    return ast.unparse(ast.fix_missing_locations(_ToArrays(guard).visit(tree)))


# -- writing a plan out as NumPy code -------------------------------------------------------------------


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


def vectorize(
    trace: Trace, columns: dict[int, int], static: dict[int, type], backward: bool = True
) -> Callable[..., Any] | None:
    """``run(X, S, P, seed) -> (mask, sum of values, param grads)`` for one trace, or ``None`` when
    it cannot be vectorized. ``X``: the inputs that are not static, as columns of one array;
    ``S``: each static input's column; ``P``: the parameters. ``mask``: ``None`` when the trace's
    guards hold on every row (then the values and gradients are there), else the rows where they
    hold (and nothing else: call again with those rows)."""
    if np is None:
        return None
    try:
        source, constants = _write(trace, columns, static, backward)
    except (Unsupported, SyntaxError, KeyError, IndexError):
        return None
    namespace = {**_array_functions(), **constants}
    defined: dict[str, Any] = {}
    exec(compile(source, "<chainrule compiled columns>", "exec"), namespace, defined)
    function: Callable[..., Any] = defined["columns"]
    function.source = source  # type: ignore[attr-defined]
    function.early = defined["early"]  # type: ignore[attr-defined]
    return function


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


#: A decision on a computed number holds over columns only where the number is clear of the threshold
#: by this much (relative to the size of the terms before it, and absolute): the arrays compute it with
#: sums in another order than the scalar replay, so a row within rounding of the threshold is replayed
#: row by row, as eager decides. A sum of n terms in another order is off by at most about
#: n * 1.1e-16 of the sum of their sizes: far below 1e-9 for any layer of fewer than a million inputs.
MARGIN, MARGIN_ABSOLUTE = 1e-9, 1e-12


#: Ops whose NumPy form rounds exactly as the scalar replay does (IEEE-754 basic operations): the
#: others (exp, tanh, ...) may differ in the last bit, relative to their result's size.
_ROUNDED_AS_PYTHON = frozenset(
    {"+", "-", "*", "/", "neg", "abs", "sqrt", "relu", "leaky_relu", "mul_add", "maximum", "minimum", "clamp",
     "step", "sign", "==", ">", ">=", "select"}
)  # fmt: skip

_KINK_FUNCTIONS = {"step": 1, "sign": 1, "abs": 1, "max": 2, "maximum": 2, "minimum": 2, "clamp": 3}


def _kinks(expression: str) -> list[tuple[str, str]]:
    """The decisions inside an op's rule, as pairs ``(x, y)`` it compares: ``a > 0`` in an ``if``,
    ``step(a)`` (a vs 0), ``max(a, b)``, ``clamp(a, lo, hi)`` (a vs lo, a vs hi)."""
    found = []
    for node in ast.walk(ast.parse(expression.strip(), mode="eval")):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            found += [(ast.unparse(a), ast.unparse(b)) for a, b in itertools.pairwise(operands)]
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _KINK_FUNCTIONS
        ):
            args = [ast.unparse(a) for a in node.args]
            if _KINK_FUNCTIONS[node.func.id] == 1:
                found.append((args[0], "0.0"))
            else:
                found += [(args[0], other) for other in args[1:]]
    return [(x, y) for x, y in found if not {x, y} & {"inf", "-inf", "(-inf)", "nan"}]


def _varies(source: Source) -> bool:
    return any(isinstance(s, Slot) and s.tensor.row for s in source.slots)


def _reads(expression: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(expression, mode="eval")) if isinstance(n, ast.Name)}


def _substitute(expression: str, names: dict[str, str]) -> str:
    """``expression`` with each name replaced by its source (parsed, not text-replaced)."""

    class Replace(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.parse(names[node.id], mode="eval").body if node.id in names else node

    return ast.unparse(Replace().visit(ast.parse(expression, mode="eval")))


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


def _margins(fails: str, size: str = "scale") -> list[str]:
    """For each comparison ``a < b`` in a guard: ``|a - b| > MARGIN (|a| + |b| + scale)``, ``scale``
    the size of the terms of the matrix products before it (at least ``MARGIN_ABSOLUTE / MARGIN``)."""
    found = []
    for node in ast.walk(ast.parse(fails.strip(), mode="eval")):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for a, b in itertools.pairwise(operands):
                x, y = ast.unparse(a), ast.unparse(b)
                if {x, y} & {"inf", "-inf", "(-inf)", "nan"}:
                    continue  # against an infinity: only an infinite number is near it
                found.append(f"clear({x}, {y}, {size})")
    return found


def replay(
    traces: Sequence[Callable[..., Any] | None],
    X: Any,
    S: dict[int, Any],
    params: list[float],
    seed: float,
    values: Any = None,
) -> tuple[float, Any, Any, Any]:
    """The rows some trace covers, over columns: ``(sum of values, param grads, rows left, which of
    them are unsure)``. Each row goes to the first trace whose guards hold there; a row is unsure
    when a trace's decision on a computed number is within rounding of its threshold there (the
    row-by-row replay decides it, as eager does). With ``values`` (an array with a place for each
    row), the traces are forward ones: each row's value(s) are written there instead."""
    P = np.array(params, dtype=float)
    total, grads = 0.0, np.zeros(len(params))
    remaining = np.ones(len(X), dtype=bool)
    unsure = np.zeros(len(X), dtype=bool)
    with np.errstate(all="ignore"):
        for run in traces:
            if run is None or not remaining.any():
                continue
            ok = run.early(X, S, P)  # type: ignore[attr-defined]  # the guards on inputs: which rows this trace may take
            take = remaining if ok is None else remaining & ok
            rows = None if take.all() else np.flatnonzero(take)  # None: every row, no copy
            while rows is None or len(rows):
                part = (X, S) if rows is None else (X[rows], {k: s[rows] for k, s in S.items()})
                mask, doubt, g = run(*part, P, seed)
                if g is not None:  # every row of these: the values and gradients
                    if values is None:
                        total += float(doubt)
                        grads += g
                    else:
                        values[slice(None) if rows is None else rows] = doubt
                    remaining[slice(None) if rows is None else rows] = False
                    break
                rows = np.arange(len(X)) if rows is None else rows
                if doubt is not None:
                    unsure[rows[doubt]] = True
                rows = rows[mask]  # guards failed on some rows: the others, again
    left = np.flatnonzero(remaining)
    return total, grads, left, unsure[left]


def one_row(row: Sequence[Any], static: frozenset[int]) -> tuple[Any, dict[int, Any]]:
    """One row as ``(X, S)`` columns (of length 1)."""
    X = np.array([[float(x) for k, x in enumerate(row) if k not in static]])
    return X, {k: np.array([row[k]], dtype=object if abs(row[k]) > 2**62 else None) for k in static}


def early_holds(function: Callable[..., Any], X: Any, S: dict[int, Any], params: list[float]) -> bool:
    """True if the trace's guards on inputs hold on the one row ``X``, ``S``."""
    with np.errstate(all="ignore"):
        ok = function.early(X, S, np.array(params, dtype=float))  # type: ignore[attr-defined]
    return ok is None or bool(ok[0])


def empty(n: int, k: int) -> Any:
    """A place for each row's value (``k`` of them per row when ``k > 1``)."""
    return np.full((n, k) if k > 1 else n, np.nan)


#: Sums whose inputs or results reach this size are left to the row-by-row replay.
HUGE = 1e250


def moderate(numbers: list[float], *arrays: Any) -> bool:
    """True if every number is finite and below :data:`HUGE` in size: then no order of the sums
    overflows (a result near the float range, or an input there, sends the batch row by row, where
    the order is eager's)."""
    return all(a is None or bool((np.abs(a) < HUGE).all()) for a in (np.array(numbers), *arrays))


def columns_of(
    rows: Sequence[Sequence[Any]], static: frozenset[int]
) -> tuple[Any, dict[int, Any], dict[int, type]] | None:
    """The rows as ``(X, S, kinds)``: the inputs that are not static as one float array (a column
    each), each static input's column and its one type; ``None`` without NumPy or for few rows."""
    if np is None or len(rows) < MIN_ROWS:
        return None
    n = len(rows[0])
    S: dict[int, Any] = {}
    kinds: dict[int, type] = {}
    for k in sorted(static):
        column = [row[k] for row in rows]
        kind = type(column[0])
        if kind not in (int, bool) or any(type(x) is not kind for x in column):
            return None
        kinds[k] = kind
        S[k] = np.array(column)
        if S[k].dtype == object:
            return None  # an int beyond int64: row by row
    kept = [k for k in range(n) if k not in static]
    try:
        X = np.array(rows, dtype=float)  # a static int or bool becomes a float here; its column is S
    except OverflowError:  # an int beyond float range (a static label): row by row
        return None
    if X.shape != (len(rows), n):
        return None
    return (X[:, kept] if static else X), S, kinds
