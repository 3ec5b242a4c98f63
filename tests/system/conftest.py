"""Fixtures shared by the system tests."""

import pytest


@pytest.fixture
def procs():
    """Processes a test started (harness.Baresip): stopped at its end."""
    started = []
    yield started
    for p in started:
        p.stop()
