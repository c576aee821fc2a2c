"""What the engine checker found: one result per property, each failure with its smallest example."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

from autograd.testing.engines import Form

__all__ = ["EngineCheckError", "EngineReport", "Failure", "Mismatch", "PropertyResult", "number"]


def number(x: float | str) -> str:
    """A number as reports print it (short, but every digit that matters)."""
    if isinstance(x, str):
        return x
    if math.isnan(x) or math.isinf(x):
        return str(x)
    return f"{x:.10g}"


@dataclass(frozen=True)
class Mismatch:
    """One wrong number (or exception): ``what`` should have been ``expected`` and was ``actual``;
    ``hint`` says where to look."""

    what: str
    expected: float | str
    actual: float | str
    hint: str = ""


@dataclass(frozen=True)
class Failure:
    """A property's smallest failing example: code that reproduces it on your engine, the
    number it gets wrong, why the property matters and what usually causes the fault."""

    example: str
    mismatch: Mismatch
    why: str
    also: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        m = self.mismatch
        out = ["smallest example:", *textwrap.indent(self.example, "    ").splitlines()]
        out.append(f"{m.what}: expected {number(m.expected)}, got {number(m.actual)}")
        if m.hint:
            out += textwrap.wrap(m.hint, 96)
        out += textwrap.wrap(f"why it matters: {self.why}", 96)
        out += [f"also: {line}" for line in self.also]
        return out


@dataclass(frozen=True)
class PropertyResult:
    """One property of the engine: ``claim`` in words, ``checked`` says on what, ``failure`` is
    None if it holds."""

    name: str
    claim: str
    checked: str
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class EngineReport:
    """Everything :func:`~autograd.testing.check_engine` found; ``str(report)`` is the printout."""

    engine: str
    forms: dict[Form, str | None]
    results: list[PropertyResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> list[PropertyResult]:
        return [result for result in self.results if not result.passed]

    def result(self, name: str) -> PropertyResult:
        """The result of the property called ``name`` (e.g. ``"backward twice"``)."""
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"no property {name!r}; the properties are: {', '.join(r.name for r in self.results)}")

    def __str__(self) -> str:
        found = [str(form) for form, error in self.forms.items() if error is None]
        missing = [f"{form} ({error})" for form, error in self.forms.items() if error is not None]
        lines = [f"Checking {self.engine} against chainrule", *_wrapped("ops found: ", found, ", ")]
        if missing:
            lines += _wrapped("not supported (not checked): ", missing, "; ")
        lines += [
            "Random graphs are drawn by hypothesis and shrunk to the smallest that still fails.",
            "",
        ]
        for result in self.results:
            status = "PASS" if result.passed else "FAIL"
            lines.append(f"{status}  {result.name:<24}{result.claim} ({result.checked})")
            if result.failure is not None:
                lines += ["      " + line for line in result.failure.lines()]
                lines.append("")
        if self.notes:
            lines.append("notes:")
            for note in self.notes:
                lines += textwrap.wrap(note, 100, initial_indent="  - ", subsequent_indent="    ")
        held = len(self.results) - len(self.failures)
        lines.append(
            f"{held} of {len(self.results)} properties hold"
            + ("." if self.passed else "; fix the FAILs above.")
        )
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """Raise :class:`EngineCheckError` with this report if any property fails."""
        if not self.passed:
            raise EngineCheckError(self)


def _wrapped(head: str, items: list[str], separator: str, width: int = 100) -> list[str]:
    """``head`` and the items, wrapped between items (never inside one)."""
    lines, line = [], head
    for i, item in enumerate(items):
        piece = item + (separator.rstrip() if i < len(items) - 1 else "")
        if len(line) + len(piece) > width and line.strip():
            lines.append(line.rstrip())
            line = "    "
        line += piece + " "
    return [*lines, line.rstrip()]


class EngineCheckError(AssertionError):
    """An engine breaks at least one property; the message is the whole report (``.report``)."""

    def __init__(self, report: EngineReport) -> None:
        super().__init__(str(report))
        self.report = report
