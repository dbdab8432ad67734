"""Runs last: the host's own network is exactly as it was before the live tests."""
import os

import pytest

from tests.conftest import host_state, require


@pytest.mark.live
def test_host_network_untouched(request, live_lab):
    require(os.geteuid() == 0, "reading the host's nft ruleset needs root")
    before = request.config._host_state_before
    after = host_state()
    assert after["netns"] == before["netns"]
    assert after["links"] == before["links"]
    assert after["nft"] == before["nft"]
