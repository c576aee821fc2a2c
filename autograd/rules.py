"""A rule of the op table (``"b * a ** (b - 1)"``), parsed once, in the forms the engine runs.

A rule is a Python expression over the inputs ``a``, ``b``, ``c`` and the output ``out``. From it:

* :func:`ieee_form`: the float form: ``/`` and ``**`` become IEEE-754 ``divide`` and ``power``,
  so ``1 / a`` at ``a = 0`` is ``inf``, never ``ZeroDivisionError``;
* :func:`graph_form`: the ``create_graph`` form, where inputs may be ``Value`` nodes: every
  comparison, ``and``/``or``/``not`` and ``x if test else y`` becomes a node (``==``, ``>``,
  ``>=``, ``select``) when it depends on a ``Value``, so a piecewise decision is part of the graph
  (a compiled replay evaluates it again) instead of a number frozen at the time it was built;
* :func:`names_read`: which of ``a``, ``b``, ``c``, ``out`` and which functions a rule reads;
* :func:`template` and :func:`fold`: the compiled replay's forms (the rule with its inputs as
  format fields; the rule with its constant sub-expressions evaluated).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

VARIABLES = ("a", "b", "c", "out")
_NO_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


def parse(rule: str) -> ast.Expression:
    """The rule's tree; ``ValueError`` (not ``SyntaxError``) naming the rule if it does not parse."""
    try:
        return ast.parse(rule, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"rule {rule!r} is not a Python expression: {error.msg}") from None


def names_read(rule: str) -> tuple[set[str], set[str]]:
    """``(variables, functions)``: the names a rule reads as values and the names it calls."""
    variables, functions = set(), set()
    for node in ast.walk(parse(rule)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            functions.add(node.func.id)
        elif isinstance(node, ast.Name):
            variables.add(node.id)
    return variables - functions, functions


class _IEEEArithmetic(ast.NodeTransformer):
    """Rewrites ``x / y`` to ``divide(x, y)`` and ``x ** y`` to ``power(x, y)``."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = {ast.Div: "divide", ast.Pow: "power"}.get(type(node.op))
        if name is None:
            return node
        return ast.copy_location(_call(name, node.left, node.right), node)


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _unparse(tree: ast.AST) -> str:
    return ast.unparse(ast.fix_missing_locations(tree))


def ieee_form(rule: str) -> str:
    """The float form of a rule: the same expression with IEEE-754 ``/`` and ``**``."""
    return _unparse(_IEEEArithmetic().visit(parse(rule)))


# comparison -> (graph function, operands swapped): a < b is b > a
_COMPARISONS: dict[type, tuple[str, bool]] = {
    ast.Eq: ("equal", False),
    ast.Gt: ("greater", False),
    ast.GtE: ("greater_equal", False),
    ast.Lt: ("greater", True),
    ast.LtE: ("greater_equal", True),
}


class _PiecewiseAsNodes(ast.NodeTransformer):
    """Rewrites every decision in a rule so that it is a node when it depends on a ``Value``.

    ``x if t else y`` becomes::

        (x if _t1 else y) if is_number(_t1 := t) else select_branches(_t1, lambda: x, lambda: y)

    A test on plain numbers (a constant exponent) still picks one branch in Python, so only that
    branch is built; a test on a ``Value`` builds both (a replay may need either) and a ``select``
    node between them. ``and``,
    ``or`` and ``not`` become such conditionals, comparisons become ``equal(x, y)`` and the like
    (a bool on numbers, a 0/1 node on ``Value``s).
    """

    def __init__(self) -> None:
        self.tests = 0

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        return self._decide(node.test, node.body, node.orelse)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        return self._combine(node.op, node.values)

    def _combine(self, operator: ast.boolop, values: list[ast.expr]) -> ast.expr:
        result = values[-1]
        for value in reversed(values[:-1]):
            if isinstance(operator, ast.And):
                result = self._decide(value, result, ast.Constant(0.0))
            else:
                result = self._decide(value, ast.Constant(1.0), result)
        return result

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return self._decide(node.operand, ast.Constant(0.0), ast.Constant(1.0))
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        tests: list[ast.expr] = []
        left = node.left
        for operator, right in zip(node.ops, node.comparators):
            if isinstance(operator, ast.NotEq):
                equal = _call("equal", left, right)
                tests.append(self._decide(equal, ast.Constant(0.0), ast.Constant(1.0)))
            elif type(operator) in _COMPARISONS:
                name, swapped = _COMPARISONS[type(operator)]
                tests.append(_call(name, *((right, left) if swapped else (left, right))))
            else:
                raise ValueError(f"a rule compares numbers only: {ast.unparse(node)!r}")
            left = right
        return self._combine(ast.And(), tests)

    def _decide(self, test: ast.expr, body: ast.expr, orelse: ast.expr) -> ast.expr:
        self.tests += 1
        name = f"_test{self.tests}"
        in_python = ast.IfExp(ast.Name(name, ast.Load()), body, orelse)
        named = ast.NamedExpr(ast.Name(name, ast.Store()), test)
        branches = [ast.Lambda(_NO_ARGUMENTS, branch) for branch in (body, orelse)]
        as_node = _call("select_branches", ast.Name(name, ast.Load()), *branches)
        return ast.IfExp(_call("is_number", named), in_python, as_node)


def graph_form(rule: str) -> str:
    """The ``create_graph`` form of a rule (see :class:`_PiecewiseAsNodes`), from its IEEE form."""
    return _unparse(_PiecewiseAsNodes().visit(parse(ieee_form(rule))))


# -- the compiled replay's forms ---------------------------------------------------------------------


def template(rule: str, fields: dict[str, str]) -> tuple[str, set[str], ast.expr]:
    """The rule as a ``str.format`` template (``fields`` maps ``a`` to ``"0"``, ...: ``"{0} * {1}"``),
    the variables it reads, and its tree."""
    tree = parse(rule)
    reads = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in fields:
            reads.add(node.id)
            node.id = f"__{node.id}__"
    text = ast.unparse(tree).replace("{", "{{").replace("}", "}}")
    for name, field in fields.items():
        text = text.replace(f"__{name}__", "{" + field + "}")
    return text, reads, tree.body


def is_factor(node: ast.expr) -> bool:
    """True if ``node * g`` means ``(node) * g`` (``*`` groups from the left: the engine's order)."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mult)
    return isinstance(node, (ast.Name, ast.Constant, ast.Call, ast.UnaryOp))


def fold(rule: str, namespace: dict[str, Any], literal: Callable[[float], str]) -> ast.Expression:
    """The rule with each sub-expression whose operands are all numbers evaluated (in ``namespace``)
    and written back with ``literal``: ``2.0 - 1`` becomes ``1.0``; a decided ``x if test else y``
    keeps only its branch."""
    return _Folder(namespace, literal).visit(parse(rule))  # type: ignore[no-any-return]


class _Folder(ast.NodeTransformer):
    def __init__(self, namespace: dict[str, Any], literal: Callable[[float], str]) -> None:
        self.namespace, self.literal = namespace, literal

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if isinstance(node, ast.IfExp):
            test = _decided(node.test)
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
        elif isinstance(node, (ast.Compare, ast.BoolOp)):
            operands = [node.left, *node.comparators] if isinstance(node, ast.Compare) else node.values
        else:
            return node
        if all(_number(x) is not None for x in operands):
            code = compile(ast.fix_missing_locations(ast.Expression(node)), "<fold>", "eval")
            value = eval(code, dict(self.namespace))
            if isinstance(value, (int, float)):  # bools included
                return parse(self.literal(float(value))).body
        return node


def _decided(node: ast.expr) -> ast.expr | bool:
    """A condition with its constant parts decided: ``True``/``False`` when they settle it."""
    number = _number(node)
    if number is not None:
        return bool(number)
    if not isinstance(node, ast.BoolOp):
        return node
    settles = isinstance(node.op, ast.Or)  # an operand with this truth value decides an or / an and
    rest = []
    for value in node.values:
        truth = _decided(value)
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
