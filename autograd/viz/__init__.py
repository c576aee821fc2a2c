"""Pictures of computation graphs, and backpropagation one step at a time.

>>> from autograd import Value
>>> from autograd.viz import draw_dot, step_through, write_html
>>> x, y = Value(2.0, "x"), Value(3.0, "y")
>>> f = (x * y + 3) ** 2 + 1
>>> dot = draw_dot(f)                 # a graphviz.Digraph: records label | data | grad
>>> steps = step_through(f)           # forward values, then one chain-rule product per edge
>>> print(steps[-1])
backward: ∂n2/∂y = x = 2; y.grad += ∂n2/∂y × n2.grad; y.grad += 2 × 18 = 36; y.grad: 0 → 36

``write_svg(f, "f.svg")`` and ``show(f)`` (Jupyter) render with the system Graphviz or its
WebAssembly build; ``mimebundle(f)`` is the rich display a ``Value`` can delegate to;
``write_html(f, "f.html")`` writes a page that steps through the graph in a browser;
``python -m autograd.viz module:function --html out.html`` does it from the shell.
"""

from autograd.viz.dot import draw_dot
from autograd.viz.graph import DEFAULT_MAX_NODES, GraphTooLargeError
from autograd.viz.html import StepThrough, stepthrough, stepthrough_html, write_html
from autograd.viz.page import Page
from autograd.viz.renderers import (
    GraphView,
    RendererNotFound,
    RenderError,
    available_renderers,
    mimebundle,
    render,
    show,
    write_png,
    write_svg,
)
from autograd.viz.steps import BackwardStep, ForwardStep, SeedStep, Step, final_grads, step_through

__all__ = [
    "DEFAULT_MAX_NODES",
    "BackwardStep",
    "ForwardStep",
    "GraphTooLargeError",
    "GraphView",
    "Page",
    "RenderError",
    "RendererNotFound",
    "SeedStep",
    "Step",
    "StepThrough",
    "available_renderers",
    "draw_dot",
    "final_grads",
    "mimebundle",
    "render",
    "show",
    "step_through",
    "stepthrough",
    "stepthrough_html",
    "write_html",
    "write_png",
    "write_svg",
]
