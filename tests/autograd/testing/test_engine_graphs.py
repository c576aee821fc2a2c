"""The random graphs the engine checker draws: only the engine's forms, every argument inside its
op's domain, and printed as code that rebuilds the same graph."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, topological_order
from autograd.testing import ChainruleAdapter, Expression, Step, domains_for
from autograd.testing.engine_graphs import as_code, engine_expressions, node_texts, reference, run_engine
from autograd.testing.engines import Form, discover_forms

CHAINRULE = ChainruleAdapter()
ALL_FORMS = frozenset(form for form, error in discover_forms(CHAINRULE).items() if error is None)
# what micrograd 0.1.0 has: + - * / with numbers on either side, x ** number, -x, relu
MICRO_FORMS = frozenset(
    [Form(op, at) for op in "+-*/" for at in (None, 0, 1)] + [Form("**", 1), Form("neg"), Form("relu")]
)


def drawn_forms(expression: Expression) -> set[Form]:
    forms = set()
    for step in expression.steps:
        constant_at = next((i for i, a in enumerate(step.args) if isinstance(a, float)), None)
        forms.add(Form(step.op, constant_at))
    return forms


@given(engine_expressions(MICRO_FORMS, max_ops=5), st.lists(st.floats(-30, 30), min_size=2, max_size=2))
def test_graphs_use_only_the_engines_forms_and_stay_in_each_domain(
    expression: Expression, point: list[float]
) -> None:
    assert drawn_forms(expression) <= MICRO_FORMS  # the plumbing too: no tanh, no sqrt
    values = expression.node_values(point[: expression.n_inputs])
    assert all(math.isfinite(v) for v in values)
    for step in expression.steps:
        if step.drawn:
            for arg, domain in zip(step.args, domains_for(step.op)):
                assert domain.is_safe(values[arg] if isinstance(arg, int) else arg), (str(expression), step)


@given(engine_expressions(frozenset([Form("+"), Form("*"), Form("+", 1), Form("*", 1), Form("exp")])))
def test_an_op_whose_domain_cannot_be_reached_is_not_drawn(expression: Expression) -> None:
    assert "exp" not in expression.op_names  # exp needs a bounded argument: x / y or tanh


@given(engine_expressions(ALL_FORMS, max_ops=5), st.lists(st.floats(-2, 2), min_size=2, max_size=2))
def test_the_printed_code_rebuilds_the_same_graph(expression: Expression, point: list[float]) -> None:
    point = point[: expression.n_inputs]
    namespace: dict[str, object] = {"Value": Value}
    exec(as_code(expression, point, CHAINRULE), namespace)
    y = namespace["y"]
    assert isinstance(y, Value)
    built = run_engine(CHAINRULE, expression, point)
    assert y.data == built[-1].data or (math.isnan(y.data) and math.isnan(built[-1].data))
    assert len(topological_order(y)) == len(topological_order(built[-1]))  # same nodes: reuse kept


def test_a_reused_node_gets_a_name_and_precedence_is_kept() -> None:
    expression = Expression(
        1, (Step("*", (0, 0)), Step("neg", (1,)), Step("tanh", (1,)), Step("*", (2, 3)), Step("+", (4, 1)))
    )
    code = as_code(expression, [0.5], CHAINRULE, then=["y.backward()"])
    assert code.splitlines() == [
        "x0 = Value(0.5)",
        "t1 = x0 * x0",
        "y = ((-t1) * t1.tanh()) + t1",
        "y.backward()",
    ]
    texts, sources = node_texts(expression, CHAINRULE)
    assert texts[1] == "t1" and sources[1] == "t1 = x0 * x0"


def test_reference_gives_every_nodes_value_and_gradient() -> None:
    expression = Expression(2, (Step("*", (0, 1)), Step("+", (2, 3.0))))
    ref = reference(expression, [2.0, 5.0])
    assert ref.values == [2.0, 5.0, 10.0, 13.0]
    assert ref.grads == [5.0, 2.0, 1.0, 1.0]
    assert ref.scale == 13.0
