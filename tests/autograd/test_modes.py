"""Grad modes: ``no_grad`` / ``enable_grad`` (context managers and decorators, per thread and per
task) and ``detect_anomaly`` (messages that name the op, its label and its inputs)."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable

import pytest

from autograd import Value, detect_anomaly, enable_grad, grad, is_grad_enabled, no_grad

# -- no_grad --------------------------------------------------------------------------------------


def test_no_grad_records_no_graph() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * 3).exp() + 1
        assert not is_grad_enabled()
    assert y.data == pytest.approx(math.exp(6) + 1)
    assert y.is_leaf and y.children == () and y.op == ""
    assert is_grad_enabled()


def test_results_computed_under_no_grad_are_leaves_for_later_graphs() -> None:
    x = Value(2.0)
    with no_grad():
        frozen = x * x
    out = frozen * x
    out.backward()
    assert x.grad == 4.0  # only through the recorded multiplication
    assert frozen.grad == 2.0


def test_no_grad_nests_and_restores_on_exception() -> None:
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled()
        with pytest.raises(RuntimeError), no_grad():
            raise RuntimeError("boom")
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_enable_grad_records_again_inside_no_grad() -> None:
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * x
        z = x * x
    assert y.children == (x, x) and z.children == ()


def test_no_grad_as_a_decorator() -> None:
    @no_grad()
    def predict(x: Value) -> Value:
        """Inference."""
        assert not is_grad_enabled()
        return x * 2

    y = predict(Value(1.5))
    assert y.data == 3.0 and y.is_leaf
    assert is_grad_enabled()
    assert predict.__name__ == "predict" and predict.__doc__ == "Inference."


def test_bare_no_grad_decorates_too() -> None:
    @no_grad
    def predict(x: Value) -> Value:
        """Inference."""
        assert not is_grad_enabled()
        return x * 2

    y = predict(Value(1.5))
    assert y.data == 3.0 and y.is_leaf
    assert is_grad_enabled() and predict.__name__ == "predict"
    with pytest.raises(TypeError, match="no_grad"):
        no_grad(3)  # type: ignore[arg-type]


def test_a_no_grad_decorated_function_can_recurse() -> None:
    @no_grad()
    def depth(n: int) -> int:
        assert not is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(5) == 5
    assert is_grad_enabled()


def test_one_no_grad_object_can_be_reused() -> None:
    mode = no_grad()
    with mode:
        with mode:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def _run_in_threads(*targets: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # re-raised in the main thread
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, done = threading.Event(), threading.Event()

    def inference() -> None:
        with no_grad():
            inside.set()
            assert done.wait(10)
            assert (Value(1.0) * 2).is_leaf

    def training() -> None:
        assert inside.wait(10)
        try:
            assert is_grad_enabled()
            x = Value(1.0)
            assert (x * 2).children[0] is x
        finally:
            done.set()

    _run_in_threads(inference, training)


def test_no_grad_in_the_main_thread_does_not_leak_into_new_threads() -> None:
    seen: list[bool] = []
    with no_grad():
        _run_in_threads(lambda: seen.append(is_grad_enabled()))
    assert seen == [True]


def test_no_grad_decorator_is_thread_safe() -> None:
    barrier = threading.Barrier(4)

    @no_grad()
    def predict(x: Value) -> Value:
        barrier.wait(10)  # all four threads are inside at once
        return x * 2

    def worker() -> None:
        for _ in range(20):
            assert predict(Value(1.0)).is_leaf
        assert is_grad_enabled()

    _run_in_threads(*[worker] * 4)
    assert is_grad_enabled()


def test_one_no_grad_object_entered_by_several_threads_at_once() -> None:
    shared = no_grad()  # one module-level object, as in `INFERENCE = no_grad()`
    barrier = threading.Barrier(4)

    def worker() -> None:
        for _ in range(10):
            with shared:
                barrier.wait(10)  # all four threads are inside the same object at once
                assert (Value(1.0) * 2).is_leaf
                barrier.wait(10)  # ... and leave it in any order
            assert is_grad_enabled()
            x = Value(1.0)
            assert (x * 2).children[0] is x  # recording is back on in every thread

    _run_in_threads(*[worker] * 4)
    assert is_grad_enabled()


def test_no_grad_on_a_generator_function_applies_inside_the_generator() -> None:
    @no_grad()
    def predictions(xs: list[float]):  # type: ignore[no-untyped-def]
        for x in xs:
            assert not is_grad_enabled()
            yield Value(x) * 2

    results = []
    for y in predictions([1.0, 2.0]):
        assert is_grad_enabled()  # the caller's code between yields still records
        results.append(y)
    assert [y.data for y in results] == [2.0, 4.0] and all(y.is_leaf for y in results)
    assert predictions.__name__ == "predictions"


def test_a_decorated_generator_keeps_its_own_modes_across_yields() -> None:
    @no_grad
    def steps():  # type: ignore[no-untyped-def]
        with enable_grad():
            yield is_grad_enabled()  # the body's own `with` spans a yield
        got = yield is_grad_enabled()
        return got

    generator = steps()
    assert next(generator) is True
    assert is_grad_enabled()
    with no_grad():
        assert next(generator) is False
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(StopIteration) as stop:
        generator.send("sent")
    assert stop.value.value == "sent"
    thrown = steps()
    next(thrown)
    with pytest.raises(KeyError):
        thrown.throw(KeyError("inside"))
    assert is_grad_enabled()


def test_no_grad_on_an_async_function_applies_inside_the_coroutine() -> None:
    @no_grad()
    async def predict(x: float) -> bool:
        await asyncio.sleep(0)
        return (Value(x) * 2).is_leaf

    assert asyncio.run(predict(1.0)) is True
    assert is_grad_enabled()


def test_no_grad_decorates_methods() -> None:
    class Model:
        scale = 3.0

        @no_grad
        def predict(self, x: Value) -> Value:
            return x * self.scale

    y = Model().predict(Value(2.0))
    assert y.data == 6.0 and y.is_leaf


def test_no_grad_is_per_asyncio_task() -> None:
    async def inference(started: asyncio.Event, release: asyncio.Event) -> bool:
        with no_grad():
            started.set()
            await release.wait()
            return (Value(1.0) * 2).is_leaf

    async def training(started: asyncio.Event, release: asyncio.Event) -> bool:
        await started.wait()
        recorded = not (Value(1.0) * 2).is_leaf
        release.set()
        return recorded

    async def main() -> list[bool]:
        started, release = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(inference(started, release), training(started, release)))

    assert asyncio.run(main()) == [True, True]


# -- detect_anomaly -------------------------------------------------------------------------------


def test_detect_anomaly_names_the_op_and_the_inputs_of_a_bad_forward_value() -> None:
    x = Value(0.0, "x")
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        x.log()
    message = str(info.value)
    assert "'log'" in message and "-inf" in message
    assert "'x'" in message and "0.0" in message


def test_detect_anomaly_on_nan_from_a_binary_op() -> None:
    a, b = Value(0.0, "numerator"), Value(0.0, "denominator")
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        a / b
    message = str(info.value)
    assert "'/'" in message and "nan" in message
    assert "'numerator'" in message and "'denominator'" in message


def test_detect_anomaly_names_the_op_label_and_input_of_a_bad_gradient() -> None:
    x = Value(0.0, "x")
    root = x.sqrt()  # sqrt(0) = 0 is fine; its derivative 1 / (2 sqrt(0)) is inf
    root.label = "root"
    out = root * 2
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        out.backward()
    message = str(info.value)
    assert "gradient" in message and "inf" in message
    assert "'sqrt'" in message and "'root'" in message and "'x'" in message


def test_detect_anomaly_checks_grad_and_create_graph_too() -> None:
    x = Value(0.0, "x")
    y = x.sqrt()
    with detect_anomaly():
        with pytest.raises(FloatingPointError):
            grad(y, [x])
        with pytest.raises(FloatingPointError):
            grad(y, [x], create_graph=True)


def test_detect_anomaly_is_silent_when_everything_is_finite() -> None:
    x = Value(-2.0, "x")
    with detect_anomaly():
        f = (x**3).tanh() + x.exp() * 2 + abs(x).sqrt() + (-x).log()
        f.backward()
        # a constant exponent must not raise a false alarm in higher derivatives at x < 0
        [d1] = grad(x**3, [x], create_graph=True)
        [d2] = grad(d1, [x], create_graph=True)
        [d3] = grad(d2, [x])
    assert (d1.data, d2.data, d3) == (12.0, -12.0, 6.0)


def test_without_detect_anomaly_nan_and_inf_pass_silently() -> None:
    x = Value(0.0)
    y = x.log() * (x / x)
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)


def test_detect_anomaly_ends_with_its_block_and_keeps_recording() -> None:
    with detect_anomaly():
        x = Value(1.0)
        assert (x * 2).children[0] is x
    assert math.isinf(Value(0.0).log().data)


def test_detect_anomaly_inside_no_grad_checks_without_recording() -> None:
    with no_grad(), detect_anomaly():
        assert (Value(1.0) * 2).is_leaf
        with pytest.raises(FloatingPointError, match="exp"):
            Value(1000.0, "big").exp()


def test_detect_anomaly_as_a_decorator() -> None:
    @detect_anomaly()
    def risky(x: Value) -> Value:
        return x.log()

    with pytest.raises(FloatingPointError):
        risky(Value(-1.0))
    assert math.isnan(Value(-1.0).log().data)


def test_detect_anomaly_in_one_thread_does_not_reach_another() -> None:
    inside, done = threading.Event(), threading.Event()

    def checking() -> None:
        with detect_anomaly():
            inside.set()
            assert done.wait(10)

    def relaxed() -> None:
        assert inside.wait(10)
        try:
            assert math.isnan(Value(-1.0).sqrt().data)
        finally:
            done.set()

    _run_in_threads(checking, relaxed)
