"""core/experiment.py: every value checked, the refused field named; a checked
experiment becomes the step the lab runs.  Pure: no kernel."""
import pytest

from visualizer.core import experiment, icmperr, lessons

KNOWN = lessons.all_lessons()
ROOT = lessons.DEFAULT_DIR
UDP = {"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353, "count": 2}


def check(**fields):
    return experiment.check({"traffic": [UDP], **fields}, KNOWN, ROOT)


def refused(field, **fields):
    with pytest.raises(experiment.ExperimentError) as e:
        check(**fields)
    assert e.value.message.startswith(field), e.value.message
    return e.value.message


def test_a_plain_experiment_runs_on_the_docker_bridge():
    exp = check(sysctls=[{"name": "net.ipv4.ip_forward", "value": 0}],
                listeners=[{"ns": "wan", "proto": "udp", "port": 5353}])
    lesson, step = experiment.as_step(exp, KNOWN, ROOT)
    assert lesson.slug == experiment.PLAIN and lesson.rulesets == ("docker",)
    assert step.traffic.kind == "udp" and step.traffic.command()[0] == "udp-send"
    assert [(a.kind, a.ns, a.args, a.value) for a in step.actions] == [
        ("sysctl", "host", "net.ipv4.ip_forward", "0"), ("listen", "wan", "5353", "udp")]
    assert step.expect == {}
    assert exp.as_dict()["base"] == ""


def test_a_base_step_keeps_its_steps_changes_before_the_experiments():
    exp = check(base="container-to-external:1")
    lesson, step = experiment.as_step(exp, KNOWN, ROOT)
    base = KNOWN["container-to-external"]
    assert lesson.slug == "container-to-external" and step.number == 1
    assert step.actions == base.steps[0].actions and len(lesson.steps) == 1
    assert check(base="container-to-external").base_step == len(base.steps)


def test_several_items_run_in_order():
    ping = {"from": "c1", "to": "172.17.0.3", "proto": "icmp", "size": 100, "ttl": 3}
    _, step = experiment.as_step(check(traffic=[UDP, ping]), KNOWN, ROOT)
    assert [t.kind for t in step.items] == ["udp", "ping"]
    assert step.items[1].command()[-5:] == ["-s", "100", "-t", "3", "172.17.0.3"]


@pytest.mark.parametrize("fields,field", [
    ({"traffic": [{**UDP, "from": "c9"}]}, "traffic[0].from"),
    ({"traffic": [{**UDP, "port": 0}]}, "traffic[0].port"),
    ({"traffic": [{**UDP, "port": 70000}]}, "traffic[0].port"),
    ({"traffic": [{**UDP, "count": 11}]}, "traffic[0].count"),
    ({"traffic": [{**UDP, "size": 5000}]}, "traffic[0].size"),
    ({"traffic": [{**UDP, "ttl": 256}]}, "traffic[0].ttl"),
    ({"traffic": [{**UDP, "proto": "sctp"}]}, "traffic[0].proto"),
    ({"traffic": [{**UDP, "to": "203.0.113.1; rm -rf /"}]}, "traffic[0].to"),
    ({"traffic": [{**UDP, "from": "c1$(id)"}]}, "traffic[0].from"),
    ({"traffic": [{**UDP, "to": "`id`"}]}, "traffic[0].to"),
    ({"traffic": [UDP] * 7}, "traffic"),
    ({"traffic": []}, "traffic"),
    ({"sysctls": [{"name": "kernel.core_pattern", "value": "|/bin/sh"}]}, "sysctls[0].name"),
    ({"sysctls": [{"name": "net.ipv4.conf.../../../kernel.x.route_localnet", "value": 1}]},
     "sysctls[0].name"),
    ({"sysctls": [{"name": "net.ipv4.conf.eth9.route_localnet", "value": 1}]}, "sysctls[0].name"),
    ({"sysctls": [{"name": "net.ipv4.ip_forward", "value": "1;reboot"}]}, "sysctls[0].value"),
    ({"sysctls": [{"ns": "nowhere", "name": "net.ipv4.ip_forward", "value": 1}]}, "sysctls[0].ns"),
    ({"listeners": [{"ns": "c1", "proto": "tcp", "port": 0}]}, "listeners[0].port"),
    ({"listeners": [{"ns": "c1|sh", "proto": "tcp", "port": 80}]}, "listeners[0].ns"),
    ({"listeners": [{"ns": "c1", "proto": "icmp", "port": 80}]}, "listeners[0].proto"),
    ({"base": "nosuch"}, "base"),
    ({"base": "container-to-external:9"}, "base"),
    ({"base": "x;ls"}, "base"),
    ({"rules": ["-A FORWARD --modprobe=/bin/sh"]}, "rules"),
])
def test_each_bad_value_is_refused_naming_its_field(fields, field):
    refused(field, **fields)


def test_a_route_localnet_of_an_interface_of_the_namespace_is_allowed():
    exp = check(sysctls=[{"name": "net.ipv4.conf.docker0.route_localnet", "value": "1"}])
    assert exp.sysctls == (("host", "net.ipv4.conf.docker0.route_localnet", "1"),)


def test_a_lesson_traffic_list_loads_and_a_bad_one_is_a_lesson_error():
    items = lessons.traffic_items("x", [{"kind": "udp", "from": "c1", "to": "1.2.3.4",
                                          "port": 53, "expect": {"ok": False}},
                                         {"kind": "ping", "to": "1.2.3.4"}])
    assert [t.kind for t in items] == ["udp", "ping"] and items[0].expect == {"ok": False}
    for bad in ([{"kind": "ping", "colour": 1}], [1], [{"count": "3"}], [{}] * 7,
                [{"kind": "http"}]):
        with pytest.raises(lessons.LessonError):
            lessons.traffic_items("x", bad)


def test_an_icmp_error_is_linked_to_the_latest_journey_of_its_connection():
    js = [{"id": 1, "flow": 7, "first_seq": 0}, {"id": 2, "flow": 7, "first_seq": 5},
          {"id": 3, "flow": 7, "first_seq": 9}, {"id": 4, "flow": None, "first_seq": 12}]
    evs = [{"journey": 3, "proto": "icmp", "icmp_type": 3, "ct_state": "related", "ct_id": 7},
           {"journey": 4, "proto": "icmp", "icmp_type": 3, "ct_state": None, "ct_id": None}]
    icmperr.link(js, evs)
    assert js[2]["caused_by"] == 2 and js[1]["icmp_errors"] == [3]
    assert js[3]["caused_by"] is None and js[0]["icmp_errors"] == []
    assert js[2]["caused_by_msg"]["id"] == "icmperr.caused_by"


def test_an_experiment_names_a_docker_ruleset_or_is_refused_naming_docker():
    assert check(docker="28").as_dict()["docker"] == "28"
    assert check().docker == ""
    refused("docker", docker="30")
