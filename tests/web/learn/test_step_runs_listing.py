"""'What this step runs' on a lesson page lists every traffic item of a step in order,
with the actions a traffic list holds between (and after) them, not only the first item."""
import html as htmllib
import re

import pytest


def _runs(client, slug, step):
    page = client.get(f"/lessons/{slug}/?step={step}").content.decode()
    return htmllib.unescape(re.search(r'<pre class="cmds">(.*?)</pre>', page, re.S).group(1))


@pytest.mark.django_db
def test_every_item_of_a_traffic_list_is_listed(client):
    lines = _runs(client, "firewall-by-hand", 1).splitlines()
    assert lines[:2] == ["c1# http-serve 80", "c2# http-serve 80"]
    assert [ln.rsplit(" ", 1)[-1] for ln in lines[2:]] == [
        "http://203.0.113.10:8088/", "http://203.0.113.10:8089/"]
    assert all(ln.startswith("wan$ curl ") for ln in lines[2:])


@pytest.mark.django_db
def test_an_inspect_action_between_items_is_listed_where_it_runs(client):
    lines = _runs(client, "hairpin-nat", 1).splitlines()
    assert lines[-2:] == ["host# bridge link show dev veth-c1", "c1$ telnet 203.0.113.10 8080"]
