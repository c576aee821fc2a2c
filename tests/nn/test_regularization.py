"""L1 and L2 penalties in the seeds' form: values and gradients against the formulas."""

import pytest

from autograd import Value
from nn.regularization import l1_penalty, l2_penalty


def test_l2_is_lambda_over_2n_sum_of_squares() -> None:
    w = [Value(1.0), Value(-2.0), Value(0.5)]
    penalty = l2_penalty(w, lam=0.3, n=10)
    penalty.backward()
    assert penalty.data == pytest.approx(0.3 / 20 * (1 + 4 + 0.25))
    assert [p.grad for p in w] == pytest.approx([0.03 * 1.0, 0.03 * -2.0, 0.03 * 0.5])  # lam/n * w


def test_l1_is_lambda_over_n_sum_of_absolute_values() -> None:
    w = [Value(1.0), Value(-2.0), Value(0.0)]
    penalty = l1_penalty(w, lam=0.3, n=10)
    penalty.backward()
    assert penalty.data == pytest.approx(0.03 * 3.0)
    assert [p.grad for p in w] == pytest.approx([0.03, -0.03, 0.0])  # lam/n * sign(w)


def test_micrograds_regularizer_is_l2_with_lambda_0_02_and_n_100() -> None:
    w = [Value(0.4), Value(-1.5)]
    assert l2_penalty(w, lam=0.02, n=100).data == pytest.approx(1e-4 * (0.16 + 2.25))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="lam must be >= 0"):
        l2_penalty([Value(1.0)], lam=-1.0)
    with pytest.raises(ValueError, match="number of training samples"):
        l1_penalty([Value(1.0)], lam=1.0, n=0)
    assert l2_penalty([], lam=1.0).data == 0.0
