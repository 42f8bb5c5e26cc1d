"""Fixtures shared by every test folder."""

from pathlib import Path

import pytest

from helpers import REAL_DATA


@pytest.fixture
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real datasets not found at {REAL_DATA} (they live in the project's shared/ folder)")
    return REAL_DATA
