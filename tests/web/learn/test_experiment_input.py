"""lab.experiment over /ws/lab/: a bad value gets a lab.error naming its field, and the
socket stays up for the next message.  No kernel: refused before the lab."""
import pytest

from ..support import communicator

pytestmark = pytest.mark.django_db(transaction=True)

UDP = {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353}


@pytest.mark.parametrize("fields,named", [
    ({"traffic": [{**UDP, "from": "c9"}]}, "traffic[0].from"),
    ({"traffic": [{**UDP, "port": 0}]}, "traffic[0].port"),
    ({"traffic": [{**UDP, "port": 70000}]}, "traffic[0].port"),
    ({"sysctls": [{"name": "kernel.modprobe", "value": "1"}]}, "sysctls[0].name"),
    ({"traffic": [{**UDP, "to": "203.0.113.1 && reboot"}]}, "traffic[0].to"),
    ({"traffic": [{**UDP, "from": "c2;id"}]}, "traffic[0].from"),
    ({"listeners": [{"ns": "$(id)", "proto": "tcp", "port": 80}]}, "listeners[0].ns"),
    ({"sysctls": [{"name": "net.ipv4.ip_forward", "value": "1`id`"}]}, "sysctls[0].value"),
    ({"base": "container-to-external;ls"}, "base"),
    ({"traffic": [UDP] * 7}, "traffic"),
])
async def test_bad_values_are_named_and_the_socket_stays_up(fields, named):
    comm = await communicator()
    msg = {"type": "lab.experiment", "traffic": [UDP], **fields}
    for _ in range(2):          # the same refusal again: the socket is still up
        await comm.send_json_to(msg)
        reply = await comm.receive_json_from(timeout=10)
        assert reply["type"] == "lab.error" and reply["kind"] == "input", reply
        assert named in reply["message"], reply
    await comm.send_json_to({"type": "lab.experiment"})
    reply = await comm.receive_json_from(timeout=10)
    assert reply["type"] == "lab.error" and "traffic" in reply["message"]
    await comm.disconnect()


class ExperimentLab:
    """Test double of LabClient for experiments: a tiny result, the fields it was given."""

    def __init__(self):
        self.given = []

    async def experiment(self, owner, fields, on_message=None, **kw):
        self.given.append(fields)
        await on_message({"type": "lab.status", "status": "running", "detail": "c2$ udp-send"})
        return {"ok": True, "transmitted": 1, "received": 0, "journeys": [], "lesson": "_plain",
                "step": 1, "rules": {}, "conntrack": [], "captures": {}, "output": "",
                "command": "", "experiment": fields}

    async def release(self, owner):
        pass


async def test_experiments_share_the_pages_rate_limit_with_runs(monkeypatch, settings):
    from visualizer.learn import config
    lab = ExperimentLab()
    monkeypatch.setattr(config, "lab_client", lambda: lab)
    settings.WS_RUNS_PER_MINUTE = 2
    comm = await communicator()
    for _ in range(2):
        await comm.send_json_to({"type": "lab.experiment", "traffic": [UDP]})
        msgs = []
        while not msgs or msgs[-1]["type"] not in ("lab.result", "lab.error"):
            msgs.append(await comm.receive_json_from(timeout=10))
        assert msgs[-1]["type"] == "lab.result" and msgs[-1]["run"], msgs[-1]  # recorded
    assert lab.given[0]["traffic"][0]["port"] == 5353 and lab.given[0]["base"] == ""
    await comm.send_json_to({"type": "lab.run", "lesson": "container-to-container", "step": 1})
    reply = await comm.receive_json_from(timeout=10)
    assert reply["type"] == "lab.error" and reply["kind"] == "rate_limited", reply
    await comm.send_json_to({"type": "lab.experiment", "traffic": [UDP]})
    reply = await comm.receive_json_from(timeout=10)
    assert reply["type"] == "lab.error" and reply["kind"] == "rate_limited", reply
    await comm.disconnect()
