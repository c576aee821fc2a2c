"""autograd.rules: a rule parsed once, in the forms the compiled replay writes out."""

from __future__ import annotations

import ast

from autograd import rules


def test_the_replay_forms_come_from_the_same_parse() -> None:
    text, reads, body = rules.template("0.0 if a == 0 and b == 0 else b * a ** (b - 1)", {"a": "0", "b": "1"})
    assert text == "0.0 if {0} == 0 and {1} == 0 else {1} * {0} ** ({1} - 1)" and reads == {"a", "b"}
    assert not rules.is_factor(body) and rules.is_factor(ast.parse("b * a", mode="eval").body)
    folded = rules.fold("0.0 if 2.0 == 0 and a == 0 else 2.0 * a ** (2.0 - 1)", {}, repr)
    assert ast.unparse(folded) == "2.0 * a ** 1.0"
