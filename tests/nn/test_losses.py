"""Every loss against its closed form, value and gradient, plus stability and input checks."""

import math

import pytest

from autograd import Value, gradcheck
from nn.losses import binary_cross_entropy, cross_entropy, hinge, mse


def values(*numbers: float) -> list[Value]:
    return [Value(x) for x in numbers]


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_mse_value_and_gradient() -> None:
    p = values(1.0, 3.0)
    loss = mse(p, [0.0, 1.0])
    loss.backward()
    assert loss.data == pytest.approx((1.0 + 4.0) / 2)  # 1/N sum (p - t)^2
    assert [x.grad for x in p] == pytest.approx([1.0, 2.0])  # 2 (p - t) / N


def test_mse_averages_over_every_output_of_multi_output_samples() -> None:
    p = [values(1.0, 2.0), values(0.0, -1.0)]
    loss = mse(p, [[0.0, 0.0], [0.0, 1.0]])
    loss.backward()
    assert loss.data == pytest.approx((1 + 4 + 0 + 4) / 4)
    assert p[1][1].grad == pytest.approx(2 * (-1.0 - 1.0) / 4)


def test_mse_sum_reduction_and_a_single_sample() -> None:
    assert mse(values(1.0, 3.0), [0.0, 1.0], reduction="sum").data == pytest.approx(5.0)
    assert mse(Value(2.0), 0.5).data == pytest.approx(2.25)


def test_binary_cross_entropy_on_probabilities() -> None:
    p = values(0.8, 0.3)
    loss = binary_cross_entropy(p, [1, 0])
    loss.backward()
    assert loss.data == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-12)
    # dL/dp = (p - t) / (p (1 - p) N)
    assert p[0].grad == pytest.approx((0.8 - 1) / (0.8 * 0.2 * 2), rel=1e-12)
    assert p[1].grad == pytest.approx((0.3 - 0) / (0.3 * 0.7 * 2), rel=1e-12)


def test_binary_cross_entropy_of_a_certain_wrong_answer_is_clamped_at_100() -> None:
    assert binary_cross_entropy(values(0.0), [1]).data == pytest.approx(100.0)
    assert binary_cross_entropy(values(1.0), [0]).data == pytest.approx(100.0)
    assert binary_cross_entropy(values(1.0), [1]).data == 0.0


def test_binary_cross_entropy_from_logits_value_and_gradient() -> None:
    z_numbers, targets = [-2.0, 0.0, 3.0], [1.0, 0.5, 0.0]
    z = values(*z_numbers)
    loss = binary_cross_entropy(z, targets, from_logits=True)
    loss.backward()
    expected = [
        -(t * math.log(sigmoid(x)) + (1 - t) * math.log(1 - sigmoid(x))) for x, t in zip(z_numbers, targets)
    ]
    assert loss.data == pytest.approx(sum(expected) / 3, rel=1e-12)
    # dL/dz = (sigmoid(z) - t) / N, exactly 0 at z = 0 with t = 1/2
    assert [x.grad for x in z] == pytest.approx(
        [(sigmoid(x) - t) / 3 for x, t in zip(z_numbers, targets)], rel=1e-12, abs=1e-300
    )
    assert z[1].grad == 0.0


def test_binary_cross_entropy_from_logits_is_stable_at_huge_logits() -> None:
    z = values(1000.0, -1000.0, 1000.0)
    loss = binary_cross_entropy(z, [0, 1, 1], reduction="sum", from_logits=True)
    loss.backward()
    assert loss.data == pytest.approx(2000.0)
    assert [x.grad for x in z] == pytest.approx([1.0, -1.0, 0.0])


def test_binary_cross_entropy_rejects_targets_outside_0_1() -> None:
    with pytest.raises(ValueError, match=r"target 1 is -1.0; targets must be in \[0, 1\]"):
        binary_cross_entropy(values(0.5, 0.5), [1, -1])


def test_cross_entropy_value_and_gradient() -> None:
    z = values(1.0, 2.0, 3.0)
    loss = cross_entropy(z, 0)
    loss.backward()
    exps = [math.exp(x) for x in (1.0, 2.0, 3.0)]
    softmax = [e / sum(exps) for e in exps]
    assert loss.data == pytest.approx(math.log(sum(exps)) - 1.0, rel=1e-12)
    assert [x.grad for x in z] == pytest.approx([softmax[0] - 1, softmax[1], softmax[2]], rel=1e-12)


def test_cross_entropy_averages_a_batch() -> None:
    batch = [values(0.0, 0.0), values(5.0, -5.0)]
    loss = cross_entropy(batch, [1, 0])
    loss.backward()
    assert loss.data == pytest.approx((math.log(2) + math.log(1 + math.exp(-10))) / 2, rel=1e-12)
    assert batch[0][1].grad == pytest.approx((0.5 - 1) / 2)


def test_cross_entropy_is_stable_at_huge_logits() -> None:
    z = values(1000.0, 1000.0, -1000.0)
    loss = cross_entropy(z, 0)
    loss.backward()
    assert loss.data == pytest.approx(math.log(2.0), rel=1e-12)
    assert [x.grad for x in z] == pytest.approx([-0.5, 0.5, 0.0], abs=1e-15)
    assert cross_entropy(values(-1000.0, 1000.0), 0).data == pytest.approx(2000.0)


def test_cross_entropy_with_soft_labels() -> None:
    z = values(0.5, -0.5)
    loss = cross_entropy(z, [0.25, 0.75])
    log_s0 = 0.5 - math.log(math.exp(0.5) + math.exp(-0.5))
    log_s1 = -0.5 - math.log(math.exp(0.5) + math.exp(-0.5))
    assert loss.data == pytest.approx(-(0.25 * log_s0 + 0.75 * log_s1), rel=1e-12)


def test_cross_entropy_rejects_a_bad_class_index() -> None:
    with pytest.raises(ValueError, match=r"target 0 is 3; expected a class index 0..2"):
        cross_entropy(values(1.0, 2.0, 3.0), 3)
    with pytest.raises(ValueError, match="class index"):
        cross_entropy(values(1.0, 2.0), True)


def test_hinge_value_and_gradient() -> None:
    s = values(2.0, 0.5, -0.3)
    loss = hinge(s, [1, 1, 1])
    loss.backward()
    assert loss.data == pytest.approx((0.0 + 0.5 + 1.3) / 3)  # max(0, 1 - y s)
    assert [x.grad for x in s] == pytest.approx([0.0, -1 / 3, -1 / 3])
    s = values(-2.0, 0.5)
    hinge(s, [-1, -1], margin=2.0).backward()
    assert [x.grad for x in s] == pytest.approx([0.0, 0.5])  # margin 2: 2 - 2 = 0 (no gradient)


def test_hinge_rejects_0_1_labels_with_a_hint() -> None:
    with pytest.raises(ValueError, match=r"label 1 is 0; labels must be -1 or \+1 \(map 0/1"):
        hinge(values(0.1, 0.2), [1, 0])


@pytest.mark.parametrize(
    ("loss", "targets"),
    [
        (lambda *p: mse(list(p), [0.5, -1.0, 2.0]), None),
        (lambda *p: binary_cross_entropy([x.sigmoid() for x in p], [1, 0, 0.3]), None),
        (lambda *p: binary_cross_entropy(list(p), [1, 0, 0.3], from_logits=True), None),
        (lambda *p: cross_entropy(list(p), 2), None),
        (lambda *p: hinge(list(p), [1, -1, 1]), None),
    ],
    ids=["mse", "bce", "bce_logits", "cross_entropy", "hinge"],
)
def test_gradients_pass_gradcheck(loss, targets) -> None:  # type: ignore[no-untyped-def]
    assert gradcheck(loss, [0.3, -0.7, 1.9])


@pytest.mark.parametrize("loss", [mse, binary_cross_entropy, hinge])
def test_mismatched_or_empty_batches_are_rejected(loss) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        loss(values(0.5, 0.5), [1, 1, 1])
    with pytest.raises(ValueError, match="empty batch"):
        loss([], [])


def test_unknown_reduction_is_rejected() -> None:
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        mse(values(1.0), [1.0], reduction="max")


# -- binary_cross_entropy never hides a diverged run; every error blames the right argument -----


def test_bce_of_a_nan_prediction_is_nan_with_a_nan_gradient() -> None:
    p = Value(math.nan)
    loss = binary_cross_entropy([p], [1])
    loss.backward()
    assert math.isnan(loss.data) and math.isnan(p.grad)  # was 100.0 with gradient 0


def test_bce_still_floors_log_zero_at_minus_100() -> None:
    assert binary_cross_entropy([Value(0.0)], [1]).data == 100.0


@pytest.mark.parametrize(
    "probability", [1.5, -0.1, math.inf, -math.inf, 10**400], ids=["1.5", "-0.1", "inf", "-inf", "10**400"]
)
def test_bce_refuses_a_prediction_outside_zero_one(probability: float) -> None:
    with pytest.raises(
        ValueError, match=r"prediction 0 is .*not a probability in \[0, 1\].*from_logits=True"
    ):
        binary_cross_entropy([Value(probability)], [1])
    assert binary_cross_entropy([Value(probability)], [1], from_logits=True) is not None


@pytest.mark.parametrize("loss", [binary_cross_entropy, hinge])
def test_a_list_where_one_prediction_belongs_is_blamed_on_the_prediction(loss) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError, match=r"prediction 0 is a list of 2 values; expected a Value or a number"):
        loss([[Value(0.1), Value(0.2)]], [1])  # was: "target 0 must be a number, got list"
    with pytest.raises(TypeError, match="prediction 0 is NoneType"):
        loss([None], [1])
    with pytest.raises(TypeError, match="prediction 0 is NoneType"):
        mse([None], [1])


def test_mse_blames_a_nested_prediction_inside_a_sample() -> None:
    with pytest.raises(TypeError, match="mse: prediction 0 is a list of 1 value;"):
        mse([[[Value(1.0)], Value(2.0)]], [[1.0, 2.0]])


def test_a_target_beyond_float_range_is_inf_not_overflow_error() -> None:
    assert mse([Value(0.0)], [10**400]).data == math.inf
