"""nn.save / nn.load: JSON round trips, atomic writes, and clear errors that change nothing."""

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value
from nn import (
    MLP,
    Dropout,
    Layer,
    LayerNorm,
    ModelFileError,
    Module,
    Neuron,
    Residual,
    Sequential,
    StateDictError,
)
from nn.module import module_spec
from nn.optim import SGD, Adam
from nn.serialization import parameter_count

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


# -- loading never half-loads: hostile numbers, hyperparameters, sizes and JSON --------------------


def _last_entry(document: dict) -> list:  # type: ignore[type-arg]
    return list(document["state_dict"].values())[-1]  # type: ignore[no-any-return]


HOSTILE_FILES = {
    # a 401-digit integer in the last entry: before, 9 of 13 parameters were overwritten first
    "401-digit integer in the last weight": (
        lambda t: edited(t, lambda d: _last_entry(d).__setitem__(0, "HUGE")).replace('"HUGE"', "9" * 401),
        "an integer of 401 digits is beyond float range",
    ),
    "401-digit integer": (lambda t: t.replace('"version": 1', '"version": ' + "1" * 401), "401 digits"),
    "5000-digit integer": (lambda t: t.replace('"version": 1', '"version": ' + "7" * 5000), "5000 digits"),
    "1e999": (lambda t: t.replace("0.0]", "1e999]", 1), "1e999 is beyond float range"),
    "-1e999": (lambda t: t.replace("0.0]", "-1e999]", 1), "beyond float range"),
    "version true": (lambda t: t.replace('"version": 1', '"version": true'), "format version True"),
    "version 1.0": (lambda t: t.replace('"version": 1', '"version": 1.0'), "unsupported format version 1.0"),
    "deep nesting": (lambda t: t.replace('"optimizer": null', '"optimizer": ' + "[" * 100_000), "nested too"),
    "nesting past the limit": (
        lambda t: t.replace('"optimizer": null', '"optimizer": {"a": ' + "[" * 200 + "]" * 200 + "}"),
        "nests deeper than 64 levels",
    ),
    "optimizer not an object": (lambda t: t.replace('"optimizer": null', '"optimizer": 3'), "'optimizer'"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_file_raises_and_changes_nothing(tmp_path: Path, model: MLP, name: str) -> None:
    corrupt, message = HOSTILE_FILES[name]
    text = saved_text(tmp_path, MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=5))
    path = write(tmp_path, corrupt(text))
    before = model.state_dict()
    with pytest.raises(ModelFileError, match=message):
        nn.load(path, model=model)
    assert model.state_dict() == before
    with pytest.raises(ModelFileError, match=message):
        nn.load(path)


def test_an_int_beyond_float_range_in_the_last_weight_changes_nothing(tmp_path: Path, model: MLP) -> None:
    # the case: parsed as an int, float() overflowed only while assigning (a bare OverflowError)
    text = edited(saved_text(tmp_path, model), lambda d: _last_entry(d).__setitem__(0, 2 * 10**308))
    before = model.state_dict()
    with pytest.raises(ModelFileError, match="expected a finite float"):
        nn.load(write(tmp_path, text), model=model)
    assert model.state_dict() == before


def _saved_with_adam(tmp_path: Path, model: MLP) -> str:
    adam = Adam(model.parameters(), lr=0.01)
    model(X[0]).backward()  # type: ignore[union-attr]
    adam.step()
    nn.save(model, tmp_path / "good.json", optimizer=adam)
    return (tmp_path / "good.json").read_text()


BAD_OPTIMIZER_STATE = {
    "negative lr": (lambda o: o["hyperparameters"].update(lr=-1.0), "lr must be a finite number"),
    "string lr": (lambda o: o["hyperparameters"].update(lr="fast"), "lr must be a number, got str"),
    "null eps": (lambda o: o["hyperparameters"].update(eps=None), "eps must be a number"),
    "betas out of range": (lambda o: o["hyperparameters"].update(betas=[2, 3]), r"betas\[0\]"),
    "huge int in a buffer": (lambda o: o["state"]["v"].__setitem__(-1, 2 * 10**308), "buffer 'v' item"),
}


@pytest.mark.parametrize("name", sorted(BAD_OPTIMIZER_STATE))
def test_bad_optimizer_state_changes_neither(tmp_path: Path, model: MLP, name: str) -> None:
    edit, message = BAD_OPTIMIZER_STATE[name]
    text = edited(_saved_with_adam(tmp_path, model), lambda d: edit(d["optimizer"]))
    target = MLP(2, [8, 8, 1], activation=["tanh", "relu"], seed=3)
    adam = Adam(target.parameters(), lr=0.5)
    before, adam_before = target.state_dict(), adam.state_dict()
    with pytest.raises(ModelFileError, match=message):
        nn.load(write(tmp_path, text), model=target, optimizer=adam)
    assert target.state_dict() == before and adam.state_dict() == adam_before
    assert adam.lr == 0.5


def test_a_huge_declared_architecture_is_refused_before_it_is_built(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # 132 bytes declaring MLP(3000, [3000, 1]): building it first took 1.7 GB and 12 s
    text = json.dumps(
        {
            "format": "chainrule-model",
            "version": 1,
            "model": {"type": "MLP", "config": {"nin": 3000, "nouts": [3000, 1]}},
            "state_dict": {},
        }
    )
    import nn.serialization

    def refuse(spec: object) -> None:
        raise AssertionError("the model was built")

    monkeypatch.setattr(nn.serialization, "build_module", refuse)
    with pytest.raises(ModelFileError, match="has 9006001 parameters but the file holds 0 numbers"):
        nn.load(write(tmp_path, text))


def test_a_file_a_few_weights_short_still_names_the_missing_keys(tmp_path: Path, model: MLP) -> None:
    text = edited(saved_text(tmp_path, model), lambda d: d["state_dict"].pop("layers.0.neurons.0.w"))
    with pytest.raises(ModelFileError, match=r"missing keys: 'layers\.0\.neurons\.0\.w'"):
        nn.load(write(tmp_path, text))


@pytest.mark.parametrize(
    "module",
    [
        Neuron(3, seed=0),
        Layer(3, 4, seed=0),
        MLP(2, [5, 3, 1], seed=0),
        LayerNorm(6),
        Dropout(0.2),
        Sequential(Layer(2, 3, seed=0), LayerNorm(3), Residual(Layer(3, 3, seed=1)), Dropout(0.1)),
    ],
    ids=lambda m: type(m).__name__,
)
def test_parameter_count_from_a_config_matches_the_built_module(module: Module) -> None:
    spec = module_spec(module)
    assert spec is not None
    assert parameter_count(spec) == len(module.parameters())


def test_parameter_count_is_unknown_for_custom_modules_and_bad_configs() -> None:
    assert parameter_count({"type": "Custom", "config": {}}) is None
    assert parameter_count({"type": "MLP", "config": {"nin": "two", "nouts": [1]}}) is None
    assert parameter_count({"type": "Sequential", "config": {"modules": [{"type": "Custom"}]}}) is None


def test_load_state_dict_refuses_non_finite_and_out_of_range_numbers(model: MLP) -> None:
    before = model.state_dict()
    for bad in (math.inf, -math.inf, math.nan, 10**400):
        state = model.state_dict()
        list(state.values())[-1][0] = bad
        with pytest.raises(StateDictError, match="expected a finite float"):
            model.load_state_dict(state)
        assert model.state_dict() == before


# -- saving keeps the file's identity: permissions, symlinks, no temporary files -----------------


posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and symlinks are POSIX")


@posix_only
def test_save_keeps_an_existing_files_permissions(tmp_path: Path, model: MLP) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    for mode in (0o644, 0o640, 0o600):
        path.chmod(mode)
        nn.save(model, path)
        assert stat.S_IMODE(path.stat().st_mode) == mode


@posix_only
def test_a_new_file_gets_the_usual_mode_not_0600(tmp_path: Path, model: MLP) -> None:
    umask = os.umask(0o022)
    try:
        nn.save(model, tmp_path / "model.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "model.json").stat().st_mode) == 0o644


@posix_only
def test_save_writes_through_a_symlink_to_its_target(tmp_path: Path, model: MLP) -> None:
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "model-v1.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    nn.save(model, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path / "runs")) == ["model-v1.json"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, model: MLP, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    nn.save(model, path)
    old = path.read_bytes()

    def crash(fd: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="I/O error"):
        nn.save(model, path)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["model.json"]


@posix_only
def test_save_removes_a_killed_saves_temporary_file_but_not_a_live_ones(tmp_path: Path, model: MLP) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(finished.stdout)
    stale = tmp_path / f".model.json.{dead_pid}.0123abcd.tmp"
    live = tmp_path / f".model.json.{os.getppid()}.89abcdef.tmp"  # another process saving right now
    other = tmp_path / f".other.json.{dead_pid}.0123abcd.tmp"  # another file's: not ours to judge
    for file in (stale, live, other):
        file.write_text("{")
    nn.save(model, tmp_path / "model.json")
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", live.name, other.name])


@posix_only
def test_save_syncs_the_directory_after_the_rename(tmp_path: Path, model: MLP, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    synced: list[str] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append("directory" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    nn.save(model, tmp_path / "model.json")
    assert synced == ["file", "directory"]


def test_a_diverged_optimizer_state_is_a_model_file_error(tmp_path: Path, model: MLP) -> None:
    path = tmp_path / "model.json"
    nn.save(model, path)
    old = path.read_bytes()
    adam = Adam(model.parameters(), lr=0.01)
    adam.state["v"][2] = math.inf
    with pytest.raises(ModelFileError, match="optimizer buffer 'v' holds inf"):
        nn.save(model, path, optimizer=adam)
    assert path.read_bytes() == old and os.listdir(tmp_path) == ["model.json"]
