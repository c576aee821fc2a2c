"""``python -m autograd tanh "**"``: print each op's rules and the Python generated from them (what
``backward()``, ``grad(create_graph=True)`` and forward mode run); no names: every op."""

import sys

from autograd.ops import main

sys.exit(main(sys.argv[1:]))
