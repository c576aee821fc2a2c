"""Fixtures for the compiled replay's tests."""

from collections.abc import Iterator

import pytest

from autograd.compiled import batch


@pytest.fixture
def small_batches_run_over_columns() -> Iterator[None]:
    """``batch.MIN_ROWS`` lowered to 4: small batches run over columns (the default is for speed)."""
    before = batch.MIN_ROWS
    batch.MIN_ROWS = 4
    yield
    batch.MIN_ROWS = before
