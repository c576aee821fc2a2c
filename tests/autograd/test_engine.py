"""Graph semantics of ``Value``: what a node records, the chain rule over reuse and fan-in, the
backward policy (leaves accumulate, interior nodes hold this pass's values), depth without
recursion, and memory that frees itself (no reference cycles)."""

from __future__ import annotations

import gc
import inspect
import math
import sys
from collections.abc import Callable

import pytest

from autograd import OPS, Constant, Op, Value, apply, detect_anomaly, grad, maximum, topological_order


def test_a_leaf_records_its_number_and_nothing_else() -> None:
    x = Value(2, "x")
    assert x.data == 2.0 and type(x.data) is float
    assert x.grad == 0.0
    assert x.label == "x"
    assert x.op == ""
    assert x.children == ()
    assert x.is_leaf
    assert not x.is_constant


def test_data_grad_and_label_are_writable() -> None:
    x = Value(1.0)
    x.data, x.grad, x.label = 5.0, 2.0, "w"
    assert (x.data, x.grad, x.label) == (5.0, 2.0, "w")
    assert (x * 2).data == 10.0  # ops read the current data


def test_value_has_slots_and_no_instance_dict() -> None:
    x = Value(1.0)
    assert not hasattr(x, "__dict__")
    with pytest.raises(AttributeError):
        x.anything_else = 1  # type: ignore[attr-defined]


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2.0, "x")) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"


def test_children_are_the_inputs_in_argument_order() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    assert (a - b).children == (a, b)
    assert (b - a).children == (b, a)
    assert (a / b).children == (a, b)
    assert (a**b).children == (a, b)
    assert a.tanh().children == (a,)


def test_reusing_a_node_keeps_both_uses() -> None:
    a = Value(3.0, "a")
    s = a + a
    assert s.children == (a, a)
    assert s.children[0] is a and s.children[1] is a
    s.backward()
    assert a.grad == 2.0


def test_numbers_enter_as_constant_leaves() -> None:
    x = Value(2.0)
    for out, position in ((x + 3, 1), (3 + x, 0), (2**x, 0), (x**2, 1)):
        constant = out.children[position]
        assert isinstance(constant, Constant) and constant.is_constant and constant.is_leaf
        assert out.children[1 - position] is x


def test_unary_plus_is_the_same_value() -> None:
    x = Value(2.0)
    assert +x is x


def test_cube_by_repeated_multiplication() -> None:
    x = Value(3.0)
    y = x * x * x
    y.backward()
    assert y.data == 27.0
    assert x.grad == 27.0  # 3 x^2


def test_square_by_self_multiplication() -> None:
    x = Value(-1.5)
    (x * x).backward()
    assert x.grad == -3.0


def test_interior_nodes_hold_their_gradient_after_backward() -> None:
    # f = (xy + 3)^2 + 1 as g(h(k(m(x, y)))): dg/dh = 1, dg/dk = 2k, dg/dm = 2k
    x, y = Value(2.0, "x"), Value(3.0, "y")
    m = x * y
    k = m + 3
    h = k**2
    g = h + 1
    g.backward()
    assert (g.grad, h.grad, k.grad, m.grad) == (1.0, 1.0, 18.0, 18.0)
    assert (x.grad, y.grad) == (54.0, 36.0)


def test_backward_twice_doubles_leaves_only() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    hidden = x * w
    out = hidden.tanh()
    out.backward()
    first = {node: node.grad for node in (x, w, hidden, out)}
    out.backward()
    assert x.grad == 2 * first[x] and w.grad == 2 * first[w]
    assert hidden.grad == first[hidden]  # this pass's value, not the sum of two passes
    assert out.grad == 1.0


def test_backward_seed_scales_every_gradient() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(3.0)
    assert x.grad == 12.0
    assert y.grad == 3.0


def test_backward_from_a_leaf_accumulates_the_seed() -> None:
    x = Value(2.0)
    x.backward()
    x.backward(2.5)
    assert x.grad == 3.5


def test_leaves_accumulate_across_different_outputs() -> None:
    x = Value(2.0)
    (x * 3).backward()
    (x * x).backward()
    assert x.grad == 3.0 + 4.0


def test_backward_through_a_subgraph_only_touches_that_subgraph() -> None:
    x, y = Value(1.0), Value(2.0)
    inner = x * 5
    outer = inner + y
    inner.backward()
    assert x.grad == 5.0
    assert y.grad == 0.0 and outer.grad == 0.0


def test_grad_leaves_every_dot_grad_untouched() -> None:
    x = Value(2.0)
    y = (x * x).exp()
    assert grad(y, [x]) == [pytest.approx(4 * math.exp(4))]
    assert x.grad == 0.0 and y.grad == 0.0


def test_a_node_reused_on_many_paths_gets_the_sum_of_all_paths() -> None:
    x = Value(0.5)
    a = x * x  # 2x
    b = a * x  # x^3 via a: contributes through a and directly
    c = a + b + x  # d/dx = 2x + 3x^2 + 1
    c.backward()
    assert x.grad == pytest.approx(2 * 0.5 + 3 * 0.25 + 1)


def test_hundred_thousand_way_fan_in() -> None:
    x = Value(1.0, "x")
    total = x * 0.0
    for i in range(1, 100_000):
        total = total + x * float(i)  # x reaches the output on 100,000 paths
    total.backward()
    assert total.data == float(sum(range(100_000)))
    assert x.grad == float(sum(range(100_000)))


def test_million_node_chain_backward_needs_no_recursion() -> None:
    x, step, scale = Value(0.5, "x"), Value(1e-6, "step"), Value(1.0, "scale")
    y = x
    for _ in range(500_000):
        y = y * scale + step  # two nodes per round: 1,000,000 in a chain
    limit = sys.getrecursionlimit()
    y.backward()
    assert sys.getrecursionlimit() == limit
    assert y.data == pytest.approx(0.5 + 0.5)
    assert x.grad == 1.0
    assert step.grad == 500_000.0
    del y  # freeing a deep chain must not overflow the C stack either


@pytest.mark.parametrize("traversal", ["topological_order", "grad", "create_graph", "backward"])
def test_deep_chains_work_in_every_traversal(traversal: str) -> None:
    x = Value(0.0, "x")
    y = x
    for _ in range(20_000):  # 20x Python's recursion limit
        y = y.sin()
    if traversal == "topological_order":
        order = topological_order(y)
        assert len(order) == 20_001 and order[0] is x and order[-1] is y
    elif traversal == "grad":
        assert grad(y, [x]) == [1.0]  # sin'(0) = 1, all the way down
    elif traversal == "create_graph":
        [dy] = grad(y, [x], create_graph=True)
        assert dy.data == 1.0
    else:
        y.backward()
        assert x.grad == 1.0


def test_topological_order_lists_each_node_once_inputs_first() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len(set(map(id, order))) == 5
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        assert all(position[id(child)] < position[id(node)] for child in node.children)
    assert [node.label for node in topological_order(e)] == [node.label for node in order]


def test_detach_makes_a_new_leaf_that_blocks_gradients() -> None:
    x = Value(3.0, "x")
    y = x * x
    z = y.detach()
    assert z is not y and z.is_leaf and z.children == ()
    assert z.data == y.data and z.label == y.label
    (z * x).backward()
    assert x.grad == 9.0  # through the direct use of x only


# -- memory -------------------------------------------------------------------------------------


def _live_values() -> int:
    return sum(isinstance(obj, Value) for obj in gc.get_objects())


@pytest.mark.parametrize("what", ["forward", "backward", "grad", "create_graph"])
def test_dropping_the_output_frees_the_graph_without_the_garbage_collector(what: str) -> None:
    gc.collect()
    gc.disable()  # anything in a reference cycle would now stay alive
    try:
        before = _live_values()
        x, w = Value(0.5, "x"), Value(-1.5, "w")
        out = x
        for _ in range(200):
            out = (out * w + 1.0).tanh() + x.exp() / 2
        if what == "backward":
            out.backward()
        elif what == "grad":
            grad(out, [x, w])
        elif what == "create_graph":
            [dx] = grad(out, [x], create_graph=True)
            grad(dx, [x])
            del dx
        assert _live_values() > before + 1000
        del out
        assert _live_values() == before + 2  # x and w
        assert gc.collect() == 0  # nothing was left for the collector to find
    finally:
        gc.enable()


# -- Python's number protocol ----------------------------------------------------------------------


def test_float_and_item_return_the_number() -> None:
    x = Value(2.5)
    assert float(x) == x.item() == 2.5
    assert type(float(x)) is float and type(x.item()) is float
    y = x * 2
    assert float(y) == 5.0 and y.children  # reading the number does not change the graph
    assert math.exp(Value(1.0)) == math.e  # a plain number: outside the graph (use v.exp())


def test_format_formats_the_number() -> None:
    loss = Value(0.123456, "loss")
    assert f"{loss:.3f}" == "0.123" and format(loss, "e") == "1.234560e-01"
    assert f"{loss:>8.2f}" == "    0.12"
    assert f"{loss}" == repr(loss)  # no spec: the repr, with label and grad


@pytest.mark.parametrize("number", [0.0, 1.0, -2.0, math.nan])
def test_bool_raises_type_error_whatever_the_number(number: float) -> None:
    with pytest.raises(TypeError, match=r"no truth value.*v\.data"):
        bool(Value(number))
    with pytest.raises(TypeError):
        if Value(number):
            pass


def test_equality_is_identity_and_values_are_hashable() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and (a == b) is False  # same number, different nodes
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1
    assert a in [b, a] and b not in [a]


# -- nodes no gradient reaches: read only by decisions (step, sign, ==, >, >=, select's test) -------

DECISIONS: dict[str, Callable[[Value], Value]] = {
    "step": lambda u: apply(OPS["step"], u),
    "sign": lambda u: apply(OPS["sign"], u),
    "==": lambda u: apply(OPS["=="], u, 0.0),
    ">": lambda u: apply(OPS[">"], u, 0.5),
    ">= (as b)": lambda u: apply(OPS[">="], 0.5, u),
    "select's test": lambda u: apply(OPS["select"], u, 2.0, 3.0),
    "a user op with a flat derivative": lambda u: apply(Op("flat", "step(a) * 2.0", "0"), u),
}


@pytest.mark.parametrize("decide", DECISIONS.values(), ids=DECISIONS.keys())
def test_backward_skips_a_node_read_only_by_a_decision(decide: Callable[[Value], Value]) -> None:
    """``sqrt(w)`` at w = 0 (local derivative inf) feeds only a decision: no gradient reaches it,
    so it passes none to ``w`` (stepping it gave ``0 * inf = nan``)."""
    w = Value(0.0, "w")
    u = w.sqrt()
    decision = decide(u)
    out = decision * w
    out.backward()
    assert w.grad == grad(out, [w])[0] == decision.data
    assert u.grad == 0.0


def test_backward_steps_a_node_a_decision_and_a_gradient_both_read() -> None:
    w = Value(4.0, "w")
    u = w.sqrt()
    out = apply(OPS[">"], u, 1.0) * u  # u is also a factor: the gradient reaches it
    out.backward()
    assert w.grad == grad(out, [w])[0] == 0.25


def test_backward_of_a_decision_gives_zero_not_nan() -> None:
    w = Value(0.0, "w")
    apply(OPS[">"], w.sqrt(), 0.5).backward()  # the root itself is the decision
    assert w.grad == 0.0


def test_a_node_no_gradient_reaches_is_reset_to_zero() -> None:
    w = Value(4.0, "w")
    u = w.sqrt()
    (u * 3.0).backward()
    assert u.grad == 3.0
    w.grad = 0.0
    out = apply(OPS[">"], u, 1.0) * w
    out.backward()
    assert u.grad == 0.0  # this pass's value, shown in drawings
    assert w.grad == 1.0


def test_backward_below_a_decision_in_the_middle_of_the_graph() -> None:
    """Nodes above the first decision, the decision, then reached and unreached nodes below it."""
    w, x = Value(0.0, "w"), Value(3.0, "x")
    u = w.sqrt()  # read only by the decision
    v = (x * x).tanh()  # reached through the select and through the product
    picked = apply(OPS["select"], apply(OPS[">"], u, -1.0), v, x)
    out = (picked * v + w * x).exp() * 0.5
    out.backward()
    assert [w.grad, x.grad] == grad(out, [w, x])
    assert all(math.isfinite(g) for g in (w.grad, x.grad))


def test_detect_anomaly_checks_the_decision_and_not_the_nodes_it_cuts_off() -> None:
    w = Value(0.0, "w")
    with detect_anomaly():
        out = apply(OPS[">"], w.sqrt(), 0.5) * w
        out.backward()  # no nan flows anywhere now
        assert w.grad == 0.0
        x = Value(1.0, "x")
        with pytest.raises(FloatingPointError, match="select"):
            apply(OPS["select"], Value(1.0), x * 2.0, 3.0).backward(math.inf)  # into the branch


def test_backward_of_a_gradient_graph_skips_what_its_decisions_read() -> None:
    """create_graph: d max(sqrt(z), w^2)/dw holds the test sqrt(z) < w^2, which reads sqrt(z) at
    z = 0 (local derivative inf) and nothing else of the gradient does."""
    z, w = Value(0.0, "z"), Value(2.0, "w")
    (dw,) = grad(maximum(z.sqrt(), w * w), [w], create_graph=True)
    dw.backward()
    assert [z.grad, w.grad] == grad(dw, [z, w]) == [0.0, 2.0]


def test_decision_inputs_are_the_inputs_that_get_no_gradient_though_not_constant() -> None:
    flagged = {name: op.decision_inputs for name, op in OPS.items() if op.decision_inputs}
    assert flagged == {"step": (0,), "sign": (0,), "==": (0, 1), ">": (0, 1), ">=": (0, 1), "select": (0,)}
    assert OPS[">"].with_constants((True, False)).decision_inputs == (1,)
    assert OPS["select"].with_constants((True, False, False)).decision_inputs == ()  # a constant test
    for op in OPS.values():  # the generated step says so: backward() reads it, no per-node check
        assert ("return True" in inspect.getsource(op.chain_rule_step)) == bool(op.decision_inputs)
