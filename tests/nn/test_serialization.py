"""nn.save / nn.load: JSON round trips, atomic writes, and clear errors that change nothing."""

import json
import os
from pathlib import Path

import pytest

import nn
from autograd import Value
from nn import MLP, Dropout, Layer, LayerNorm, ModelFileError, Module, Residual, Sequential
from nn.optim import SGD, Adam

X = [[0.3, -0.7], [1.5, 0.2], [-1.0, -1.0]]


def predictions(model: Module) -> list[float]:
    return [model(x).data for x in X]


@pytest.fixture
def model() -> MLP:
    return MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=0)


def test_round_trip_gives_identical_predictions(tmp_path: Path, model: MLP) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert isinstance(loaded, MLP) and loaded is not model
    assert [layer.activation for layer in loaded.layers] == ["tanh", "relu", "linear"]
    assert predictions(loaded) == predictions(model)  # bit for bit: JSON keeps every float's digits
    assert loaded.state_dict() == model.state_dict()


def test_the_file_is_plain_versioned_json(tmp_path: Path, model: MLP) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule-model" and document["version"] == nn.FORMAT_VERSION == 1
    assert document["model"] == {"type": "MLP", "config": model.config()}
    assert document["state_dict"] == model.state_dict()


def test_load_into_an_existing_model(tmp_path: Path, model: MLP) -> None:
    nn.save(model, tmp_path / "m.json")
    other = MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=1)
    assert nn.load(tmp_path / "m.json", model=other) is other
    assert predictions(other) == predictions(model)


def test_optimizer_state_round_trip(tmp_path: Path, model: MLP) -> None:
    optimizer = Adam(model.parameters(), lr=0.01)
    model(X[0]).backward()  # type: ignore[union-attr]
    optimizer.step()
    nn.save(model, tmp_path / "m.json", optimizer=optimizer)
    fresh = MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=9)
    fresh_optimizer = Adam(fresh.parameters(), lr=0.5)
    nn.load(tmp_path / "m.json", model=fresh, optimizer=fresh_optimizer)
    assert fresh_optimizer.state_dict() == optimizer.state_dict()


def test_every_built_in_module_round_trips(tmp_path: Path) -> None:
    model = Sequential(
        Layer(2, 4, "tanh", seed=0),
        LayerNorm(4),
        Residual(Layer(4, 4, "leaky_relu", seed=1), activation="relu"),
        Dropout(0.3),
        Layer(4, 3, "softmax", seed=2),
    ).eval()
    model.layers[1].gamma[2].data = 1.7  # type: ignore[attr-defined]
    nn.save(model, tmp_path / "seq.json")
    loaded = nn.load(tmp_path / "seq.json").eval()
    assert [[o.data for o in model(x)] for x in X] == [[o.data for o in loaded(x)] for x in X]  # type: ignore[union-attr]


# -- bad files: each raises a clear ModelFileError and changes nothing ------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


def saved_text(tmp_path: Path, model: Module) -> str:
    nn.save(model, tmp_path / "good.json")
    return (tmp_path / "good.json").read_text()


def edited(text: str, edit) -> str:  # type: ignore[no-untyped-def]
    document = json.loads(text)
    edit(document)
    return json.dumps(document)


BAD_FILES = {
    "corrupt": (lambda t: t.replace('"state_dict"', '"state_dict" oops', 1), "corrupt"),
    "truncated": (lambda t: t[: len(t) // 2], "truncated"),
    "empty": (lambda t: "", "empty"),
    "wrong-version": (lambda t: edited(t, lambda d: d.update(version=99)), "unsupported format version 99"),
    "not-ours": (lambda t: json.dumps({"weights": [1, 2]}), "not a chainrule model file"),
    "wrong-shape": (
        lambda t: edited(t, lambda d: d["state_dict"]["layers.0.neurons.3.w"].append(0.5)),
        r"'layers.0.neurons.3.w': expected 2 values, got 3",
    ),
    "missing-key": (
        lambda t: edited(t, lambda d: d["state_dict"].pop("layers.2.neurons.0.b")),
        "missing keys: 'layers.2.neurons.0.b'",
    ),
    "nan": (lambda t: t.replace("0.0]", "NaN]", 1), "NaN"),
    "string-weight": (
        lambda t: edited(t, lambda d: d["state_dict"]["layers.0.neurons.0.b"].__setitem__(0, "0")),
        "item 0 is str",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_into_a_model_raises_and_changes_nothing(tmp_path: Path, model: MLP, name: str) -> None:
    corrupt, message = BAD_FILES[name]
    path = write(
        tmp_path, corrupt(saved_text(tmp_path, MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=5)))
    )
    before = model.state_dict()
    with pytest.raises(ModelFileError, match=message) as error:
        nn.load(path, model=model)
    assert str(path) in str(error.value)
    assert model.state_dict() == before
    with pytest.raises(ValueError, match=message):  # ModelFileError is a ValueError
        nn.load(path)


def test_a_different_architecture_is_refused(tmp_path: Path, model: MLP) -> None:
    nn.save(MLP(2, [8, 8, 1], seed=0), tmp_path / "relu.json")  # relu, not tanh, in layer 0
    before = model.state_dict()
    with pytest.raises(ModelFileError, match="different architecture"):
        nn.load(tmp_path / "relu.json", model=model)
    assert model.state_dict() == before


def test_an_optimizer_that_does_not_fit_changes_neither(tmp_path: Path, model: MLP) -> None:
    nn.save(model, tmp_path / "m.json", optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9))
    target = MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=3)
    adam = Adam(target.parameters())
    before, adam_before = target.state_dict(), adam.state_dict()
    with pytest.raises(ModelFileError, match="saved from 'SGD', not 'Adam'"):
        nn.load(tmp_path / "m.json", model=target, optimizer=adam)
    assert target.state_dict() == before and adam.state_dict() == adam_before


def test_unknown_module_type_is_refused(tmp_path: Path, model: MLP) -> None:
    text = edited(saved_text(tmp_path, model), lambda d: d["model"].update(type="os.system"))
    with pytest.raises(ModelFileError, match=r"unknown module type 'os\.system'"):
        nn.load(write(tmp_path, text))


def test_a_bad_architecture_config_is_refused(tmp_path: Path, model: MLP) -> None:
    text = edited(saved_text(tmp_path, model), lambda d: d["model"]["config"].update(nin="two"))
    with pytest.raises(ModelFileError, match=r"cannot rebuild the model.*nin must be a positive int"):
        nn.load(write(tmp_path, text))
    text = edited(saved_text(tmp_path, Residual(Layer(2, 2))), lambda d: d["model"]["config"].pop("block"))
    with pytest.raises(ModelFileError, match="cannot build Residual"):
        nn.load(write(tmp_path, text))


class Custom(Module):
    def __init__(self) -> None:
        self.w = [Value(1.0), Value(2.0)]


def test_custom_modules_save_weights_and_load_into_a_model(tmp_path: Path) -> None:
    source = Custom()
    source.w[0].data = 5.0
    nn.save(source, tmp_path / "c.json")
    with pytest.raises(ModelFileError, match=r"no architecture.*nn.load\(path, model=model\)"):
        nn.load(tmp_path / "c.json")
    target = nn.load(tmp_path / "c.json", model=Custom())
    assert [w.data for w in target.w] == [5.0, 2.0]  # type: ignore[attr-defined]


# -- failed saves leave the old file intact ---------------------------------------------------------


def test_a_failed_save_leaves_the_old_file_intact(tmp_path: Path, model: MLP, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    nn.save(model, path)
    old = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    model.parameters()[0].data += 1.0
    with pytest.raises(OSError, match="disk full"):
        nn.save(model, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["model.json"]  # no temporary file left behind


def test_a_diverged_model_is_not_saved(tmp_path: Path, model: MLP) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    old = path.read_bytes()
    model.parameters()[3].data = float("nan")
    with pytest.raises(ModelFileError, match="holds nan"):
        nn.save(model, path)
    assert path.read_bytes() == old


def test_save_into_a_missing_directory_fails_cleanly(tmp_path: Path, model: MLP) -> None:
    with pytest.raises(FileNotFoundError):
        nn.save(model, tmp_path / "no" / "such" / "dir" / "m.json")
