"""lab.run's ``docker``: the page's switch runs a lesson step under another docker
ruleset.  The result says which one it loaded, the kernel's trace shows its chains, and
the grade notes expectations written for another; a bad name is refused by name."""
import pytest

from ..support import collect_run, communicator

pytestmark = pytest.mark.django_db(transaction=True)

RUN = {"type": "lab.run", "lesson": "container-to-container", "step": 1, "rules": []}


@pytest.mark.parametrize("fields,says", [
    ({"docker": "30"}, "unknown docker ruleset '30'"),
    ({"docker": 28}, "docker"),
    ({"docker": "2" * 21}, "docker"),
])
async def test_a_bad_docker_is_refused_and_the_socket_stays_up(fields, says):
    comm = await communicator()
    for _ in range(2):
        await comm.send_json_to({**RUN, **fields})
        reply = await comm.receive_json_from(timeout=10)
        assert reply["type"] == "lab.error" and reply["kind"] == "input", reply
        assert says in reply["message"], reply
    await comm.disconnect()


@pytest.mark.live
async def test_a_step_under_docker_28_shows_its_chains_and_says_so(live_lab):
    comm = await communicator()
    await comm.send_json_to({**RUN, "docker": "28"})
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["type"] == "lab.result", res
    assert res["docker"] == "28" and res["ok"] is True
    events = [m["event"] for m in msgs if m["type"] == "trace.event"]
    chains = {e["chain"] for e in events if e["source"] == "nftrace" and not e["probe"]}
    assert {"DOCKER-FORWARD", "DOCKER-CT", "DOCKER-BRIDGE"} <= chains, chains
    assert "written for docker 27" in res["grade"]["note"]
    # the same step under its own docker: 27's chains, no note about it
    await comm.send_json_to(RUN)
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["docker"] == "27" and "docker" not in res["grade"]["note"]
    chains = {m["event"]["chain"] for m in msgs if m["type"] == "trace.event"}
    assert "DOCKER-ISOLATION-STAGE-1" in chains and not {"DOCKER-FORWARD", "DOCKER-CT"} & chains
    await comm.disconnect()
