"""The experiment permalink's query string (learn/experiment_views.py): fields -> query
-> fields round-trips, and the experiment check accepts what comes back."""
from __future__ import annotations

from urllib.parse import urlencode

from django.http import QueryDict

from visualizer.learn.experiment_views import experiment_fields, experiment_query

FIELDS = {"base": "container-to-external:1", "docker": "28",
          "rules": ["-I FORWARD -p udp --dport 53 -j DROP", "ebtables -A FORWARD -j ACCEPT"],
          "sysctls": [{"ns": "host", "name": "net.ipv4.ip_forward", "value": "0"},
                      {"ns": "c1", "name": "net.ipv4.conf.eth0.route_localnet", "value": "1"}],
          "listeners": [{"ns": "wan", "proto": "udp", "port": 5353}],
          "traffic": [{"from": "c2", "to": "203.0.113.1", "proto": "udp", "port": 5353,
                       "count": 2},
                      {"from": "c1", "to": "172.17.0.3", "proto": "icmp", "count": 1,
                       "size": 100, "ttl": 3}]}


def test_fields_round_trip_through_the_query_string():
    query = urlencode(experiment_query(FIELDS))
    assert query.startswith("base=container-to-external%3A1&docker=28&rule=")
    assert "traffic=c2%2C203.0.113.1%2Cudp%2C5353%2C2%2C%2C" in query
    assert experiment_fields(QueryDict(query)) == FIELDS


def test_the_plain_bridge_has_no_base_and_odd_values_stay_for_the_check():
    fields = experiment_fields(QueryDict("traffic=c2,1.2.3.4,tcp,70000x"))
    assert fields["base"] == "" and fields["traffic"] == [
        {"from": "c2", "to": "1.2.3.4", "proto": "tcp", "port": "70000x"}]
    assert urlencode(experiment_query({"traffic": []})) == ""


def test_the_experiment_check_accepts_what_comes_back(settings):
    from visualizer.core import experiment
    from visualizer.core import lessons as registry
    known = registry.all_lessons(settings.LESSONS_DIR)
    fields = experiment_fields(QueryDict(urlencode(experiment_query(FIELDS))))
    fields["sysctls"] = fields["sysctls"][:1]      # route_localnet's device: the base's topology
    assert experiment.check(fields, known, settings.LESSONS_DIR).as_dict()["base"] == FIELDS["base"]
