"""chainrule's engine is the top-level package ``autograd``, and so is HIPS autograd
(``pip install autograd``, a different library). When that one is found first, every ``from
autograd import Value`` fails with a bare "cannot import name"; ``import nn`` says why instead."""

import autograd

if not hasattr(autograd, "Value") or not hasattr(autograd, "OPS"):
    raise ImportError(
        f"the package 'autograd' found at {getattr(autograd, '__file__', None) or autograd.__path__} "
        "is not chainrule's engine (it has no Value): probably HIPS autograd (`pip install autograd`), "
        "which uses the same import name. Use one of the two per environment: `pip uninstall autograd`, "
        "then `pip install --force-reinstall chainrule` (or a separate virtual environment)."
    )
