"""softmax, log_softmax, logsumexp and argmax: values and gradients against closed forms, and
stability at huge logits."""

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autograd import Value, gradcheck
from nn.functional import argmax, log_softmax, logsumexp, softmax


def closed_form_softmax(z: list[float]) -> list[float]:
    exps = [math.exp(x) for x in z]
    return [e / sum(exps) for e in exps]


def test_softmax_matches_the_formula_and_sums_to_one() -> None:
    z = [1.0, 2.0, -0.5]
    out = softmax([Value(x) for x in z])
    assert [o.data for o in out] == pytest.approx(closed_form_softmax(z), rel=1e-12)
    assert sum(o.data for o in out) == pytest.approx(1.0, rel=1e-12)


def test_softmax_gradient_is_s_i_times_delta_minus_s_j() -> None:
    z = [Value(0.3), Value(-1.2), Value(2.0)]
    out = softmax(z)
    out[0].backward()
    s = [o.data for o in out]
    expected = [s[0] * ((1.0 if j == 0 else 0.0) - s[j]) for j in range(3)]
    assert [x.grad for x in z] == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_softmax_is_stable_at_huge_logits() -> None:
    z = [Value(1000.0), Value(1000.0), Value(-1000.0)]
    out = softmax(z)
    assert [o.data for o in out] == [0.5, 0.5, 0.0]
    (out[0] * 2 + out[2]).backward()
    grads = [x.grad for x in z]
    assert all(math.isfinite(g) for g in grads)
    # d(2 s0 + s2)/dz_j = 2 s0 (delta_0j - s_j) + s2 (delta_2j - s_j), with s = (1/2, 1/2, 0)
    assert grads == pytest.approx([0.5, -0.5, 0.0], abs=1e-15)


def test_log_softmax_and_logsumexp_are_stable_at_huge_logits() -> None:
    z = [Value(1000.0), Value(1000.0), Value(-1000.0)]
    assert logsumexp(z).data == pytest.approx(1000.0 + math.log(2.0), rel=1e-15)
    out = log_softmax(z)
    assert [o.data for o in out] == pytest.approx(
        [-math.log(2.0), -math.log(2.0), -2000.0 - math.log(2.0)], rel=1e-12
    )


def test_log_softmax_gradient_is_delta_minus_softmax() -> None:
    z = [Value(0.5), Value(-0.25), Value(1.5)]
    log_softmax(z)[2].backward()
    s = closed_form_softmax([0.5, -0.25, 1.5])
    assert [x.grad for x in z] == pytest.approx([-s[0], -s[1], 1.0 - s[2]], rel=1e-12)


def test_logsumexp_passes_gradcheck() -> None:
    assert gradcheck(lambda a, b, c: logsumexp([a, b, c]), [0.1, -2.0, 3.0])


def test_the_shift_is_a_pairwise_tree_of_maximum() -> None:
    """10 scores: levels of 5, 2 (+ one carried), 1 (+ one carried), 1 ``maximum`` nodes, the
    exact max at the root; a serial chain would be 9 deep (the batch replay: one op per level)."""
    z = [Value(v) for v in [0.3, -1.0, 2.5, 0.0, 2.5, -7.0, 1.0, 0.2, 0.1, -0.4]]
    m = logsumexp(z).children[1]  # log(sum e^(z - m)) + m
    assert m.op == "maximum" and m.data == 2.5
    height: dict[Value, int] = {}  # the level of each maximum node: 1 + its inputs' deepest level

    def level(node: Value) -> int:
        if node.op != "maximum":
            return 0
        if node not in height:
            height[node] = 1 + max(level(c) for c in node.children)
        return height[node]

    assert level(m) == 4
    levels = [list(height.values()).count(k) for k in (1, 2, 3, 4)]
    assert levels == [5, 2, 1, 1]


@given(st.lists(st.floats(-30, 30) | st.sampled_from([0.0, 1.5]), min_size=1, max_size=9))
@example([-30.0, 1e-10])  # the former chain m + relu(z - m) rounded: m = 9.99982e-11, not the max
def test_the_tree_shift_gives_the_closed_form(z: list[float]) -> None:
    """Value bit-for-bit ``m + log sum e^(z - m)`` with the float max; gradients softmax (ties too)."""
    x = [Value(v) for v in z]
    out = logsumexp(x)
    top = max(z)
    assert out.data == math.log(sum(math.exp(v - top) for v in z)) + top
    out.backward()
    assert [v.grad for v in x] == pytest.approx(closed_form_softmax(z), rel=1e-12, abs=1e-15)


def test_plain_numbers_are_accepted() -> None:
    assert [o.data for o in softmax([0.0, 0.0])] == [0.5, 0.5]


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=6), st.floats(-100, 100))
def test_softmax_ignores_a_common_shift(z: list[float], shift: float) -> None:
    a = [o.data for o in softmax(z)]
    b = [o.data for o in softmax([x + shift for x in z])]
    assert b == pytest.approx(a, rel=1e-6, abs=1e-12)
    assert sum(a) == pytest.approx(1.0, rel=1e-12)


def test_argmax_picks_the_first_largest() -> None:
    assert argmax([Value(1.0), Value(3.0), Value(3.0)]) == 1
    assert argmax([0.2, -1.0]) == 0


@pytest.mark.parametrize("function", [softmax, log_softmax, logsumexp, argmax])
def test_empty_and_scalar_inputs_are_rejected(function) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="empty"):
        function([])
    with pytest.raises(TypeError, match="sequence"):
        function(Value(1.0))
