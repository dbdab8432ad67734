"""The lesson page's diagram is drawn for the step's docker ruleset: a step under
docker 29's nftables backend has no iptables filter or nat table (its rules are in
table ip docker-bridges), a step under 27 or 28 has them."""
from visualizer.core import dockersets, lessons
from visualizer.learn.templatetags import diagram


def test_the_diagram_follows_the_steps_docker():
    lesson = lessons.get("docker-then-and-now")
    by_step = {s.number: diagram.present_tables(dockersets.for_step(lesson, s))
               for s in lesson.steps}
    assert {"ip:filter", "ip:nat"} <= by_step[1] and {"ip:filter", "ip:nat"} <= by_step[2]
    assert "ip:filter" not in by_step[3] and "ip:nat" not in by_step[3]
    assert "ip:raw" in by_step[3]                   # the sandbox's TRACE rules
    three, one = str(diagram.netfilter_diagram(lesson, 3)), str(diagram.netfilter_diagram(lesson, 1))
    assert three.count("absent") > one.count("absent")
