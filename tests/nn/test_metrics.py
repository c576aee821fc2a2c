"""accuracy: argmax for several outputs, a threshold for one output, with 0/1 or -1/+1 labels."""

import pytest

from autograd import Value
from nn.metrics import accuracy, is_correct


def test_one_output_scores_against_signed_or_0_1_labels() -> None:
    assert accuracy([Value(0.3), Value(-2.0), Value(1.0)], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.3, -2.0], [1, 0]) == 1.0


def test_probabilities_use_threshold_one_half() -> None:
    assert accuracy([0.7, 0.2, 0.4], [1, 0, 1], threshold=0.5) == pytest.approx(2 / 3)


def test_several_outputs_use_argmax() -> None:
    assert is_correct([0.1, 2.0, -1.0], 1)
    assert accuracy([[0.1, 2.0], [3.0, 1.0]], [1, 1]) == 0.5


def test_bad_batches() -> None:
    with pytest.raises(ValueError, match="2 outputs but 1 targets"):
        accuracy([1.0, 2.0], [1])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
