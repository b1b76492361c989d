"""Tests that need shared/ fail without it; CI cannot pass by skipping them."""

from __future__ import annotations

import pytest
from shared_data import find_shared, require_shared

pytestmark = pytest.mark.unit


def test_missing_shared_data_fails_instead_of_skipping() -> None:
    assert find_shared("data/no-such-file") is None
    with pytest.raises(pytest.fail.Exception, match="shared/data/no-such-file is missing"):
        require_shared("data/no-such-file")
