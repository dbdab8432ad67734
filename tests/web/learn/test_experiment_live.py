"""lab.experiment over real websockets and the real lab, and ``manage.py trace --from``:
each run graded against the kernel's events (the host stays untouched: tests/zz_host)."""
import pytest

from tests.conftest import run_trace
from visualizer.learn.models import Run

from ..support import collect_run, communicator

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

UDP_WAN = {"traffic": [{"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353,
                        "count": 2}]}
TCP_LISTENER = {"listeners": [{"ns": "c2", "proto": "tcp", "port": 8080}],
                "traffic": [{"from": "c1", "to": "172.17.0.3", "proto": "tcp", "port": 8080}]}
PING_NO_FORWARD = {"sysctls": [{"name": "net.ipv4.ip_forward", "value": "0"}],
                   "traffic": [{"from": "c1", "to": "203.0.113.1", "proto": "icmp",
                                "count": 1}]}
FROM_STEP = {"base": "container-to-external:1",
             "traffic": [{"from": "c1", "to": "203.0.113.1", "proto": "udp", "port": 9,
                          "count": 1}]}


def kernel(events):
    return [e for e in events if e["source"] == "nftrace" and not e["probe"]]


def check_udp_to_wan(events, res):
    udp = [e for e in kernel(events) if e["proto"] == "udp" and e["dport"] == 5353]
    # docker's MASQUERADE rewrote the source on the way out, and the kernel said so
    assert any(e["table"] == "nat" and e["chain"] == "POSTROUTING" and "MASQUERADE" in
               (e["rule"] or "") for e in udp), [e["text"] for e in udp]
    assert res["transmitted"] == 2 and res["refused"] == 2 and res["ok"] is False
    reqs = [j for j in res["journeys"] if j["proto"] == "udp" and j["direction"] == "request"]
    errs = [j for j in res["journeys"] if j["proto"] == "icmp" and "unreachable" in j["summary"]]
    assert len(reqs) == 2 and len(errs) == 2, [j["summary"] for j in res["journeys"]]
    # the ICMP error is a journey of its own: the kernel traced it in, back to c2
    assert {e["journey"] for e in kernel(events) if e["proto"] == "icmp"} >= {j["id"] for j in errs}
    # ... linked to the datagram it is about, by the conntrack id its events carry
    assert [j["caused_by"] for j in errs] == [j["id"] for j in reqs]
    assert [j["icmp_errors"] for j in reqs] == [[j["id"]] for j in errs]
    assert res["experiment"]["traffic"][0]["proto"] == "udp" and res["lesson"] == "_plain"


def check_tcp_listener(events, res):
    assert res["ok"] is True, res["output"]
    syn = [e for e in kernel(events) if e["proto"] == "tcp" and e["dport"] == 8080]
    assert any(e["family"] == "ip" and e["hook"] == "forward" for e in syn)
    assert any(j["proto"] == "tcp" and j["direction"] == "reply" for j in res["journeys"])


def check_no_forward(events, res):
    assert res["ok"] is False and res["received"] == 0
    icmp = [e for e in kernel(events) if e["proto"] == "icmp"]
    assert icmp and any(e["hook"] == "prerouting" and e["family"] == "ip" for e in icmp)
    assert not any(e["family"] == "ip" and e["hook"] in ("forward", "postrouting") for e in icmp)


def check_from_step(events, res):
    # step 1 of container-to-external deleted docker's MASQUERADE: nothing rewrites the source
    udp = [e for e in kernel(events) if e["proto"] == "udp" and e["dport"] == 9]
    assert any(e["family"] == "ip" and e["hook"] == "postrouting" for e in udp)
    assert not any("MASQUERADE" in (e["rule"] or "") for e in udp)
    assert res["lesson"] == "container-to-external" and res["step"] == 1


CASES = [(UDP_WAN, check_udp_to_wan), (TCP_LISTENER, check_tcp_listener),
         (PING_NO_FORWARD, check_no_forward), (FROM_STEP, check_from_step)]
IDS = ["udp-c2-to-wan", "tcp-to-listener", "ping-ip_forward-0", "from-a-lesson-step"]


@pytest.mark.parametrize("fields,check", CASES, ids=IDS)
async def test_an_experiment_over_the_websocket(lab_client, fields, check):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.experiment", **fields})
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["type"] == "lab.result", res
    events = [m["event"] for m in msgs if m["type"] == "trace.event"]
    assert any(m["type"] == "lab.status" for m in msgs)
    check(events, res)
    assert res["run"] and "warning" not in res      # recorded: a /runs/<uid>/ permalink
    run = await Run.objects.aget(uid=res["run"])
    assert run.result["experiment"]["traffic"][0]["from"] == fields["traffic"][0]["from"]
    assert run.as_pcapng() is not None
    await comm.send_json_to({"type": "lab.experiment", "traffic": [{"from": "c9"}]})
    assert (await comm.receive_json_from(timeout=10))["type"] == "lab.error"   # still up
    await comm.disconnect()


def cli_args(fields):
    item = fields["traffic"][0]
    args = [f"--base={fields.get('base', '')}", "--from", item["from"], "--to", item["to"],
            "--proto", item["proto"]]
    for key in ("port", "count"):
        if key in item:
            args += [f"--{key}", str(item[key])]
    for x in fields.get("listeners", []):
        args += ["--listen", f"{x['ns']}:{x['proto']}:{x['port']}"]
    for s in fields.get("sysctls", []):
        args += ["--sysctl", f"{s['name']}={s['value']}"]
    return args


@pytest.mark.parametrize("fields,check", CASES, ids=IDS)
def test_an_experiment_in_the_cli(live_lab, fields, check):
    base, *args = cli_args(fields)
    events, res, proc = run_trace(base, *args, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert res is not None, proc.stdout[-2000:]
    check(events, res)


def test_a_bad_cli_flag_names_its_field(live_lab):
    _, _, proc = run_trace("--base=", "--from", "c1", "--to", "203.0.113.1", "--proto", "udp",
                           "--port", "70000")
    assert proc.returncode == 2 and "traffic[0].port" in proc.stderr


async def test_a_reject_is_a_drop_with_its_error_sent_back(lab_client):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.experiment",
                             "rules": ["-I FORWARD -p tcp --dport 81 -j REJECT"],
                             "traffic": [{"from": "c1", "to": "203.0.113.1", "proto": "tcp",
                                          "port": 81}]})
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["type"] == "lab.result" and res["ok"] is False, res
    events = [m["event"] for m in msgs if m["type"] == "trace.event"]
    assert any(e["chain"] == "FORWARD" and "REJECT" in (e["rule"] or "") for e in kernel(events))
    syn = [j for j in res["journeys"] if j["proto"] == "tcp" and j["direction"] == "request"]
    err = [j for j in res["journeys"] if j["proto"] == "icmp" and j.get("caused_by")]
    assert syn and syn[0]["outcome"] == "dropped", [j["summary"] for j in res["journeys"]]
    assert err and err[0]["caused_by"] == syn[0]["id"] and "derived" in err[0]["caused_by_text"]
    await comm.disconnect()


async def test_an_nft_rule_of_the_learner_drops_and_is_named_theirs(lab_client):
    comm = await communicator()
    rule = "nft insert rule ip filter FORWARD udp dport 5353 counter drop"
    await comm.send_json_to({"type": "lab.experiment", "rules": [rule],
                             "traffic": [{"from": "c2", "to": "203.0.113.1", "proto": "udp",
                                          "port": 5353, "count": 1}]})
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["type"] == "lab.result", res
    events = [m["event"] for m in msgs if m["type"] == "trace.event"]
    drop = [e for e in kernel(events) if e["proto"] == "udp" and e["verdict"] == "drop"]
    assert drop and drop[0]["chain"] == "FORWARD" and rule in (drop[0]["origin"] or ""), drop
    udp = [j for j in res["journeys"] if j["proto"] == "udp"]
    assert udp[0]["outcome"] == "dropped" and res["refused"] == 0
    await comm.disconnect()


async def test_an_experiment_under_docker_28_goes_through_docker_forward(lab_client):
    comm = await communicator()
    await comm.send_json_to({"type": "lab.experiment", "docker": "28",
                             "traffic": [{"from": "c1", "to": "203.0.113.1", "proto": "icmp",
                                          "count": 1}]})
    msgs = await collect_run(comm)
    res = msgs[-1]
    assert res["type"] == "lab.result" and res["ok"] is True, res
    chains = {e["chain"] for m in msgs if m["type"] == "trace.event"
              for e in [m["event"]] if e["source"] == "nftrace"}
    assert "DOCKER-FORWARD" in chains and res["experiment"]["docker"] == "28"
    await comm.send_json_to({"type": "lab.experiment", "docker": "30",
                             "traffic": [{"from": "c1", "to": "203.0.113.1"}]})
    err = await comm.receive_json_from(timeout=10)
    assert err["type"] == "lab.error" and err["message"].startswith("docker:")
    await comm.disconnect()


def test_the_cli_runs_an_experiment_under_docker_28(live_lab):
    events, res, proc = run_trace("--base=", "--from", "c1", "--to", "203.0.113.1", "--count",
                                  "1", "--docker", "28", timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert any(e["chain"] == "DOCKER-FORWARD" for e in events) and res["ok"] is True
