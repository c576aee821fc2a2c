"""Optimizer steps against hand-computed updates; state_dict resume; gradient clipping."""

import json
import math

import pytest

from autograd import Value
from nn import MLP, StateDictError
from nn.optim import SGD, Adam, OptimizerStateError, RMSprop, clip_grad_norm


def run(optimizer_cls, grads: list[float], start: float = 1.0, **options):  # type: ignore[no-untyped-def]
    """Step an optimizer over one parameter with the given gradient sequence; the values after each."""
    p = Value(start)
    optimizer = optimizer_cls([p], **options)
    trajectory = []
    for g in grads:
        optimizer.zero_grad()
        p.grad = g
        optimizer.step()
        trajectory.append(p.data)
    return trajectory


def test_sgd_is_p_minus_lr_g() -> None:
    assert run(SGD, [0.5, -2.0], lr=0.1) == pytest.approx([0.95, 1.15])


def test_sgd_momentum_by_hand() -> None:
    # v1 = g1 = 1.0, p1 = 1 - 0.1 * 1.0 = 0.9
    # v2 = 0.9 * 1.0 + 0.5 = 1.4, p2 = 0.9 - 0.1 * 1.4 = 0.76
    # v3 = 0.9 * 1.4 - 1.0 = 0.26, p3 = 0.76 - 0.026 = 0.734
    assert run(SGD, [1.0, 0.5, -1.0], lr=0.1, momentum=0.9) == pytest.approx([0.9, 0.76, 0.734])


def test_sgd_weight_decay_adds_decay_times_p_to_the_gradient() -> None:
    # g = 0 + 0.5 * 2.0 = 1.0, p = 2 - 0.1 * 1 = 1.9
    assert run(SGD, [0.0], start=2.0, lr=0.1, weight_decay=0.5) == pytest.approx([1.9])


def test_adam_bias_correction_by_hand() -> None:
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    # step 1, g = 2: m = 0.2, v = 0.004; m^ = 0.2 / 0.1 = 2, v^ = 0.004 / 0.001 = 4
    # -> p = 1 - 0.1 * 2 / (2 + eps): the first step is lr * sign(g), whatever |g|
    p1 = 1.0 - lr * 2.0 / (2.0 + eps)
    # step 2, g = -1: m = 0.9 * 0.2 - 0.1 = 0.08, v = 0.999 * 0.004 + 0.001 = 0.004996
    m2, v2 = b1 * 0.2 + (1 - b1) * -1.0, b2 * 0.004 + (1 - b2) * 1.0
    m_hat, v_hat = m2 / (1 - b1**2), v2 / (1 - b2**2)
    p2 = p1 - lr * m_hat / (math.sqrt(v_hat) + eps)
    assert m2 == pytest.approx(0.08) and v2 == pytest.approx(0.004996)
    assert run(Adam, [2.0, -1.0], lr=lr, betas=(b1, b2), eps=eps) == pytest.approx([p1, p2], rel=1e-12)


def test_adam_first_step_size_is_lr_regardless_of_gradient_scale() -> None:
    for g in (1e-3, 1.0, 1e6):
        assert run(Adam, [g], lr=0.01)[0] == pytest.approx(0.99, rel=1e-6)


def test_rmsprop_by_hand() -> None:
    # v = 0.1 * 9 = 0.9, p = 1 - 0.01 * 3 / (sqrt(0.9) + eps)
    expected = 1.0 - 0.01 * 3.0 / (math.sqrt(0.9) + 1e-8)
    assert run(RMSprop, [3.0], lr=0.01, alpha=0.9) == pytest.approx([expected], rel=1e-12)
    # with momentum the scaled steps accumulate: b2 = 0.5 * b1 + step2
    v2 = 0.9 * 0.9 + 0.1 * 1.0
    b1 = 3.0 / (math.sqrt(0.9) + 1e-8)
    b2 = 0.5 * b1 + 1.0 / (math.sqrt(v2) + 1e-8)
    trajectory = run(RMSprop, [3.0, 1.0], lr=0.01, alpha=0.9, momentum=0.5)
    assert trajectory == pytest.approx([1 - 0.01 * b1, 1 - 0.01 * b1 - 0.01 * b2], rel=1e-12)


@pytest.mark.parametrize("optimizer_cls", [SGD, Adam, RMSprop])
def test_updates_record_no_graph(optimizer_cls) -> None:  # type: ignore[no-untyped-def]
    model = MLP(2, [3, 1], seed=0)
    optimizer = optimizer_cls(model.parameters(), lr=0.1)
    model([1.0, 2.0]).backward()  # type: ignore[union-attr]
    optimizer.step()
    assert all(p.is_leaf and p.children == () and type(p.data) is float for p in model.parameters())


@pytest.mark.parametrize(
    ("optimizer_cls", "options"),
    [(SGD, {"lr": 0.1, "momentum": 0.9}), (Adam, {"lr": 0.05}), (RMSprop, {"lr": 0.01, "momentum": 0.5})],
)
def test_state_dict_resumes_training_exactly(optimizer_cls, options) -> None:  # type: ignore[no-untyped-def]
    grads = [0.5, -1.0, 2.0, 0.25, -0.75]
    straight = run(optimizer_cls, grads, **options)

    p = Value(1.0)
    first = optimizer_cls([p], **options)
    for g in grads[:3]:
        p.grad = g
        first.step()
    saved = json.loads(json.dumps(first.state_dict()))  # survives JSON

    q = Value(p.data)
    resumed = optimizer_cls([q], lr=123.0)
    resumed.load_state_dict(saved)
    assert resumed.lr == options["lr"] and resumed.step_count == 3
    for g in grads[3:]:
        q.grad = g
        resumed.step()
    assert q.data == straight[-1]


def test_load_state_dict_rejects_a_mismatch_and_changes_nothing() -> None:
    params = [Value(1.0), Value(2.0)]
    adam = Adam(params, lr=0.1)
    before = adam.state_dict()
    with pytest.raises(OptimizerStateError, match="saved from 'SGD', not 'Adam'"):
        adam.load_state_dict(SGD(params, lr=0.1).state_dict())
    wrong_length = Adam([Value(1.0)], lr=0.5).state_dict()
    with pytest.raises(OptimizerStateError, match="buffer 'm' needs 2 values"):
        adam.load_state_dict(wrong_length)
    assert adam.state_dict() == before


def test_bad_parameters_and_hyperparameters() -> None:
    model = MLP(2, [1])
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        SGD(model, lr=0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([])
    with pytest.raises(ValueError, match="more than once"):
        SGD([model.parameters()[0]] * 2, lr=0.1)
    with pytest.raises(ValueError, match=r"lr must be a finite number in \[0.0, inf\), got -1.0"):
        SGD(model.parameters(), lr=-1)
    with pytest.raises(ValueError, match="momentum"):
        SGD(model.parameters(), lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match="parameter 1 is float"):
        Adam([Value(1.0), 2.0])  # type: ignore[list-item]


def test_zero_grad() -> None:
    p = Value(1.0)
    p.grad = 3.0
    SGD([p], lr=0.1).zero_grad()
    assert p.grad == 0.0


def test_clip_grad_norm_rescales_to_max_norm() -> None:
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert clip_grad_norm([a, b], max_norm=1.0) == 5.0  # the norm before clipping
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8))
    assert clip_grad_norm([a, b], max_norm=10.0) == pytest.approx(1.0)  # below: untouched
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8))
    a.grad = math.inf
    assert clip_grad_norm([a, b], max_norm=1.0) == math.inf
    assert b.grad == pytest.approx(0.8)


# -- hyperparameters are checked wherever they are set ---------------------------------------------

BAD_HYPERPARAMETERS = [
    (SGD, {"lr": -1.0}, ValueError, r"lr must be a finite number in \[0.0, inf\)"),
    (SGD, {"lr": math.nan}, ValueError, "lr must be a finite number"),
    (SGD, {"lr": math.inf}, ValueError, "lr must be a finite number"),
    (SGD, {"lr": 10**400}, ValueError, "lr must be a finite number.*got inf"),  # not OverflowError
    (SGD, {"lr": "fast"}, TypeError, "lr must be a number, got str"),
    (SGD, {"lr": 0.1, "weight_decay": 10**400}, ValueError, "weight_decay"),
    (Adam, {"eps": -1e-8}, ValueError, "eps must be a finite number"),
    (Adam, {"eps": None}, TypeError, "eps must be a number, got NoneType"),
    (Adam, {"betas": (2, 3)}, ValueError, r"betas\[0\] must be a finite number in \[0.0, 1.0\)"),
    (Adam, {"betas": (0.9, 1.0)}, ValueError, r"betas\[1\]"),
    (Adam, {"betas": (0.9,)}, TypeError, r"betas must be a pair"),
    (Adam, {"betas": "ab"}, TypeError, r"betas must be a pair"),
    (RMSprop, {"alpha": 1.0}, ValueError, "alpha"),
    (RMSprop, {"momentum": -0.5}, ValueError, "momentum"),
]


@pytest.mark.parametrize(("optimizer_cls", "options", "error", "message"), BAD_HYPERPARAMETERS)
def test_constructors_check_every_hyperparameter(optimizer_cls, options, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=message):
        optimizer_cls([Value(1.0)], **{"lr": 0.1, **options})


def test_a_hyperparameter_set_later_is_checked_too() -> None:
    optimizer = Adam([Value(1.0)], lr=0.1)
    optimizer.lr = 0.05  # what a schedule does
    assert optimizer.lr == 0.05
    for bad in (math.nan, -0.1, "0.1"):
        with pytest.raises((TypeError, ValueError), match="lr must be"):
            optimizer.lr = bad  # type: ignore[assignment]
    with pytest.raises(ValueError, match="betas"):
        optimizer.betas = (1.5, 0.9)
    assert optimizer.lr == 0.05 and optimizer.betas == (0.9, 0.999)


@pytest.mark.parametrize("optimizer_cls", [Adam, RMSprop])
def test_eps_zero_with_a_zero_gradient_takes_no_step(optimizer_cls) -> None:  # type: ignore[no-untyped-def]
    # sqrt(v) + eps = 0 here: no ZeroDivisionError, and no nan either (no gradient, no step)
    assert run(optimizer_cls, [0.0, 0.0, 2.0], lr=0.1, eps=0.0)[:2] == [1.0, 1.0]
    moved = run(optimizer_cls, [0.0, 0.0, 2.0], lr=0.1, eps=0.0)[2]
    assert math.isfinite(moved) and moved < 1.0
    assert run(Adam, [3.0], lr=0.1, eps=0.0) == [pytest.approx(0.9)]  # first step is lr * sign(g)


def test_the_method_instead_of_its_result_gets_a_message_saying_to_call_it() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"got the method parameters itself.*call it, model.parameters\(\)"):
        Adam(model.parameters)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"takes a list of parameters \(e.g. model.parameters\(\)\), got int"):
        SGD(3, lr=0.1)  # type: ignore[arg-type]


def test_a_value_in_data_or_grad_is_refused_before_any_update() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    a.grad = 0.5
    b.grad = Value(0.5)  # e.g. from grad(..., create_graph=True)
    optimizer = SGD([a, b], lr=0.1)
    with pytest.raises(TypeError, match=r"parameter 1 \(b\) has a Value as its .grad.*g.data"):
        optimizer.step()
    assert (a.data, b.data, optimizer.step_count) == (1.0, 2.0, 0)  # nothing moved
    b.grad = 0.5
    b.data = Value(2.0)  # type: ignore[assignment]  # what `b.data -= lr * Value(...)` leaves
    with pytest.raises(TypeError, match=r"parameter 1 \(b\) holds a Value in .data"):
        optimizer.step()
    with pytest.raises(TypeError, match="clip_grad_norm: parameter 1"):
        clip_grad_norm([a, b], max_norm=1.0)


# -- load_state_dict checks everything and changes nothing on any error ----------------------------


def _saved_adam() -> tuple[Adam, dict]:  # type: ignore[type-arg]
    params = [Value(1.0), Value(2.0)]
    adam = Adam(params, lr=0.1)
    for p in params:
        p.grad = 0.5
    adam.step()
    return adam, json.loads(json.dumps(adam.state_dict()))


def _set(path: tuple[str, ...], value: object):  # type: ignore[no-untyped-def]
    def edit(state: dict) -> None:  # type: ignore[type-arg]
        for key in path[:-1]:
            state = state[key]
        state[path[-1]] = value

    return edit


BAD_STATES = {
    "negative lr": (_set(("hyperparameters", "lr"), -1.0), "lr must be a finite number"),
    "string lr": (_set(("hyperparameters", "lr"), "fast"), "lr must be a number, got str"),
    "null eps": (_set(("hyperparameters", "eps"), None), "eps must be a number, got NoneType"),
    "betas out of range": (_set(("hyperparameters", "betas"), [2, 3]), r"betas\[0\]"),
    "huge step count": (_set(("step_count",), 10**400), "step_count must be an int in"),
    "bool step count": (_set(("step_count",), True), "step_count"),
    "huge buffer number": (_set(("state", "m", 1), 10**400), r"buffer 'm' item 1 must be a finite"),
    "inf in a buffer": (_set(("state", "m", 0), math.inf), "buffer 'm' item 0"),
    "nan in a buffer": (_set(("state", "v", 0), math.nan), "buffer 'v' item 0"),
    "negative mean square": (_set(("state", "v", 0), -1.0), r"buffer 'v' item 0 must be .* in \[0.0"),
    "string in a buffer": (_set(("state", "v", 0), "1"), "buffer 'v' item 0 must be a number"),
}


@pytest.mark.parametrize("name", sorted(BAD_STATES))
def test_load_state_dict_refuses_a_bad_state_and_changes_nothing(name: str) -> None:
    edit, message = BAD_STATES[name]
    _, state = _saved_adam()
    edit(state)
    target = Adam([Value(1.0), Value(2.0)], lr=0.5)
    before = target.state_dict()
    with pytest.raises(OptimizerStateError, match=message) as error:
        target.load_state_dict(state)
    assert isinstance(error.value, StateDictError) and isinstance(error.value, ValueError)
    assert target.state_dict() == before


def test_a_loaded_state_steps_without_error() -> None:
    adam, state = _saved_adam()
    target = Adam([Value(1.0), Value(2.0)], lr=0.5)
    target.load_state_dict(state)
    assert target.state_dict() == adam.state_dict() and type(target.betas) is tuple
