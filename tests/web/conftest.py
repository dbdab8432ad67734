"""Web-layer fixtures: a fresh in-memory channel layer and lab client per test."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """Each test has its own event loop, so each gets its own in-memory layer."""
    from channels.layers import channel_layers
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    """The throttle counts attempts per address in the cache: each test starts at 0."""
    from django.core.cache import cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
async def lab_client():
    """The real lab; its process is stopped at the end of the test's event loop."""
    from .support import require_live_lab
    require_live_lab()
    from visualizer.lab.client import LabClient
    from visualizer.learn.config import lab_config
    yield LabClient.shared(lab_config())
    await LabClient.shared().stop()
