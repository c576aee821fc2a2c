"""``Compiled.batch_call`` over columns against eager, row by row: every row's value(s), forward only
(several outputs, outputs that do not vary with the row, branches and labels, IEEE edge rows)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from tests.autograd.compiled.batch_cases import EDGES, FEW, ROWS, W, mlp, model_rows
from tests.autograd.compiled.batch_check import check_batch_call, rows_over_columns

pytestmark = pytest.mark.usefixtures("small_batches_run_over_columns")


@FEW
@given(st.data())
def test_batch_call_of_an_mlp_with_several_outputs_equals_eager(data: st.DataObject) -> None:
    nin, nout = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    model = mlp(data, nin, nout)
    rows = model_rows(data, nin, 2 * ROWS)
    if data.draw(st.booleans(), label="edges"):
        rows[0] = [data.draw(st.sampled_from(EDGES)) for _ in range(nin)]

    def fn(*xs: Value) -> Any:
        out = model(list(xs))
        return tuple(out) if isinstance(out, list) else out

    f = check_batch_call(fn, model.parameters(), rows)
    assert rows_over_columns(f) in (None, 0, len(rows))  # every row over columns, or none


def test_batch_call_with_branches_and_labels_equals_eager() -> None:
    model = nn.MLP(2, [4, 3], activation="relu", seed=11)

    def fn(x0: Value, x1: Value, label: int) -> Any:
        z = model([x0, x1])
        top = max(z, key=lambda v: v.data)  # a decision on computed numbers
        return (top - z[label], z[label].tanh()) if top.data > 0 else (z[label], top)

    rng = random.Random(11)
    rows = [[rng.uniform(-2, 2), rng.uniform(-2, 2), rng.randrange(3)] for _ in range(3 * ROWS)]
    check_batch_call(fn, model.parameters(), rows, static=[2], max_traces=32)


_V = Value(-1.5, "v")

OUTPUTS = {
    "a_parameter_only_output": lambda x, y: ((W * x).tanh(), W * _V),
    "an_input_as_an_output": lambda x, y: (x, (W * y).exp()),
    "the_same_node_twice": lambda x, y: ((W * x).tanh(),) * 2,
    "a_parameter_itself": lambda x, y: (W, x * _V),
    "three_outputs_behind_a_guard": lambda x, y: (
        (W * x, _V * y, W * x + _V * y) if (W * x).data > 0 else (_V * y, W * x, W * _V)
    ),
}


@pytest.mark.parametrize("case", sorted(OUTPUTS))
def test_batch_call_of_outputs_of_every_kind(case: str) -> None:
    rows = [[k / 3 - 1, k % 2 * 1.0] for k in range(ROWS)]
    check_batch_call(OUTPUTS[case], [W, _V], rows)
