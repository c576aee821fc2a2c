"""Shared test configuration: hypothesis profiles.

The default profile is quick (the whole suite stays within a few minutes on 2 cores); run
``pytest --hypothesis-profile=thorough`` for many more examples per property. Under CI (the
environment variable ``CI`` is set, as ``.ci/run`` has it) the quick profile is derandomized, so a CI
run is reproducible: the same examples every time.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")
