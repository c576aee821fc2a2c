"""The API reference documents every public name: the contract's (../shared/API.md) by name, and every
name in the public modules' ``__all__``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from public_names import CONTRACT, PUBLIC_MODULES, public_names, resolve

PAGES = Path(__file__).resolve().parents[2] / "demos" / "docs" / "pages"


def documented_modules() -> set[str]:
    """The modules a ``::: module`` directive of the reference pages renders."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in (PAGES / "reference").glob("*.md"))
    return set(re.findall(r"^::: ([\w.]+)\s*$", text, re.M))


@pytest.mark.parametrize("name", CONTRACT)
def test_every_contract_name_is_public_in_a_documented_module(name: str) -> None:
    if resolve(name) is None:
        pytest.skip(f"{name} is not in the code yet (the contract's second round is still landing)")
    owner = name.rsplit(".", 1)[0]
    if name in public_names():
        module = owner
    else:  # a method: its class must be a public name
        assert owner in public_names(), f"{name}: neither it nor {owner} is a public name"
        module = owner.rsplit(".", 1)[0]
    assert module in documented_modules() or name in documented_modules(), module


def test_every_public_module_has_a_reference_page() -> None:
    assert set(PUBLIC_MODULES) <= documented_modules()


def test_public_names_come_from_all() -> None:
    names = public_names()
    assert "autograd.Value" in names and "autograd.compile" in names and "nn.losses.mse" in names
    assert len(names) == len(set(names))
    assert not [n for n in names if n.rsplit(".", 1)[-1].startswith("_")]


def test_the_reference_index_links_every_contract_name() -> None:
    index = (PAGES / "reference" / "index.md").read_text(encoding="utf-8")
    methods = ("autograd.Value.", "nn.Module.")  # listed on their class's entry
    wanted = [n for n in CONTRACT if not n.startswith(methods)]
    linked = set(re.findall(r"\]\[([\w.]+)\]", index))
    missing = [n for n in wanted if n not in linked and f"{n}.{n.rsplit('.', 1)[1]}" not in linked]
    assert missing == []  # (check_op is linked as autograd.testing.check_op.check_op, its function)
