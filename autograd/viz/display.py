"""Jupyter's display of a ``Value``: the engine calls the hook that this module registers.

The engine imports nothing from ``viz`` (the arrow points down: viz uses the engine); importing
``autograd`` registers :func:`autograd.viz.renderers.mimebundle` as ``engine.display_hook``.
"""

from __future__ import annotations

from autograd import engine
from autograd.viz.renderers import mimebundle

engine.display_hook = mimebundle
