"""Learning-rate schedules: the formulas, micrograd's linear decay, and resuming."""

import math

import pytest

from autograd import Value
from nn.optim import SGD
from nn.schedules import ExponentialDecay, LinearDecay, StepDecay


def lrs(schedule, steps: int) -> list[float]:  # type: ignore[no-untyped-def]
    """The learning rate used at steps 0 .. steps-1."""
    used = []
    for _ in range(steps):
        used.append(schedule.optimizer.lr)
        schedule.optimizer.step()
        schedule.step()
    return used


def sgd(lr: float) -> SGD:
    return SGD([Value(0.0)], lr=lr)


def test_linear_decay_is_micrograds_schedule() -> None:
    used = lrs(LinearDecay(sgd(1.0), end_lr=0.1, total_steps=100), 102)
    assert used[:100] == pytest.approx([1.0 - 0.9 * k / 100 for k in range(100)], rel=1e-12)
    assert used[100:] == pytest.approx([0.1, 0.1])  # then holds


def test_step_decay() -> None:
    assert lrs(StepDecay(sgd(0.8), step_size=2, gamma=0.5), 5) == pytest.approx([0.8, 0.8, 0.4, 0.4, 0.2])


def test_exponential_decay() -> None:
    assert lrs(ExponentialDecay(sgd(1.0), gamma=0.9), 3) == pytest.approx([1.0, 0.9, 0.81])


def test_state_dict_resumes_the_schedule() -> None:
    first = LinearDecay(sgd(1.0), end_lr=0.0, total_steps=10)
    lrs(first, 4)
    second = LinearDecay(sgd(5.0), end_lr=0.0, total_steps=10)
    second.load_state_dict(first.state_dict())
    assert second.optimizer.lr == pytest.approx(0.6)
    assert lrs(second, 2) == pytest.approx([0.6, 0.5])
    with pytest.raises(ValueError, match="not a StepDecay state"):
        StepDecay(sgd(1.0), 2).load_state_dict(first.state_dict())


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="drives an Optimizer"):
        StepDecay(0.1, 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        StepDecay(sgd(1.0), 0)
    with pytest.raises(ValueError, match="total_steps"):
        LinearDecay(sgd(1.0), 0.1, 2.5)  # type: ignore[arg-type]


def test_schedule_settings_are_checked_like_hyperparameters() -> None:
    optimizer = SGD([Value(1.0)], lr=1.0)
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        ExponentialDecay(optimizer, gamma=10**400)  # was a bare OverflowError
    with pytest.raises(ValueError, match="end_lr must be a finite number"):
        LinearDecay(optimizer, end_lr=math.inf, total_steps=10)


def test_a_growing_schedule_reaches_inf_as_a_clear_error() -> None:
    schedule = ExponentialDecay(SGD([Value(1.0)], lr=1.0), gamma=2.0)
    schedule.steps = 1100  # 2.0 ** 1101 overflows: once a bare OverflowError
    with pytest.raises(ValueError, match=r"lr must be a finite number in \[0.0, inf\), got inf"):
        schedule.step()


@pytest.mark.parametrize(
    "base_lr", [math.nan, math.inf, -1.0, 10**400, "0.1"], ids=["nan", "inf", "-1", "10**400", "str"]
)
def test_a_bad_schedule_state_changes_nothing(base_lr: object) -> None:
    optimizer = SGD([Value(1.0)], lr=1.0)
    schedule = ExponentialDecay(optimizer, gamma=0.5)
    schedule.step()
    before = (schedule.state_dict(), optimizer.lr)
    state = {**schedule.state_dict(), "base_lr": base_lr}
    with pytest.raises(ValueError, match="ExponentialDecay state: base_lr must be"):
        schedule.load_state_dict(state)
    assert (schedule.state_dict(), optimizer.lr) == before
