"""The recorded-run page of an experiment's run (``/runs/<uid>/`` of a Run whose result
holds ``"experiment"``).

A lesson step's run is shown on its lesson's page; an experiment has no lesson step of
its own, so its page lists the experiment's fields (base, docker, rules, sysctls,
listeners, traffic) and what the kernel reported, with the run's downloads: JSON,
text, pcap-ng and "Save as lesson" (``/runs/<uid>/lesson.zip``).

It also holds the experiment permalink's query-string format (``experiment_query`` /
``experiment_fields``, below): the experiment page (``/experiment/?...``, experiment_page below)
reads it back to prefill its form, and a workshop's learner page opens it to follow the
instructor.  Keep it stable.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from ..core import dockersets, model, phrases
from ..core import experiment as experiment_core
from ..core import lessons as registry
from ..core.topology import Topology
from . import language, pagerooms
from .config import lab_config
from .models import Run


def _base(exp: dict) -> dict:
    """The base as the page names it: the lesson's title and step, or none (plain)."""
    slug, _, step = str(exp.get("base") or "").partition(":")
    if not slug or slug == experiment_core.PLAIN:
        return {"plain": True}
    known = registry.all_lessons(settings.LESSONS_DIR)
    title = known[slug].title if slug in known else slug
    url = reverse("lesson", args=[slug]) + (f"?step={step}" if step else "")
    return {"plain": False, "slug": slug, "title": title, "step": step, "url": url}


def run_page(request, run: Run):
    """An experiment's recorded run: its fields, the kernel's report, its downloads."""
    exp = dict(run.result.get("experiment") or {})
    urls = {"page": reverse("run", args=[run.uid]), "json": reverse("run-json", args=[run.uid]),
            "replay": reverse("experiment") + "?" + urlencode({"run": run.uid}),
            "text": reverse("run-text", args=[run.uid]),
            "lesson_zip": reverse("run-lesson", args=[run.uid])}
    if run.frames_z is not None:
        urls["pcapng"] = reverse("run-pcapng", args=[run.uid])
    return render(request, "learn/experiment_run.html", {
        "run": run, "exp": exp, "base": _base(exp), "urls": urls,
        "report": run.as_text(), "ok": bool(run.result.get("ok"))})


# The experiment permalink's query string (the experiment page reads it back to prefill;
# a workshop's learner page opens the page with it).  Stable: add keys, never rename.
#   base=SLUG[:STEP]                     (absent or empty: the plain docker bridge)
#   docker=NAME                          (27, 28, 29-nftables; absent: the base's)
#   rule=LINE                            (repeated, in order; iptables/ebtables/nft lines)
#   sysctl=[NS:]NAME=VALUE               (repeated; NS absent: host)
#   listen=NS:PROTO:PORT                 (repeated, as the CLI's --listen)
#   traffic=FROM,TO,PROTO,PORT,COUNT,SIZE,TTL   (repeated, in order; empty field: none)
TRAFFIC_KEYS = ("from", "to", "proto", "port", "count", "size", "ttl")


def experiment_query(fields: dict) -> list[tuple[str, str]]:
    """lab.experiment's fields -> the permalink's (key, value) pairs (urlencode them)."""
    q = [("base", str(fields.get("base") or ""))] if fields.get("base") else []
    q += [("docker", str(fields["docker"]))] if fields.get("docker") else []
    q += [("rule", str(r)) for r in fields.get("rules") or []]
    q += [("sysctl", (f"{s['ns']}:" if s.get("ns") and s["ns"] != "host" else "")
           + f"{s['name']}={s['value']}") for s in fields.get("sysctls") or []]
    q += [("listen", f"{x['ns']}:{x['proto']}:{x['port']}") for x in fields.get("listeners") or []]
    q += [("traffic", ",".join("" if t.get(k) is None else str(t[k]) for k in TRAFFIC_KEYS))
          for t in fields.get("traffic") or []]
    return q


def experiment_fields(get) -> dict:
    """A permalink's query (a QueryDict) -> lab.experiment's fields, unchecked: the
    page prefills its form with them and the server checks them when they run."""
    out: dict = {"base": get.get("base", ""), "rules": get.getlist("rule"),
                 "sysctls": [], "listeners": [], "traffic": []}
    if get.get("docker"):
        out["docker"] = get["docker"]
    for raw in get.getlist("sysctl"):
        head, _, value = raw.partition("=")
        ns, _, name = head.rpartition(":")
        out["sysctls"].append({"ns": ns or "host", "name": name, "value": value})
    for raw in get.getlist("listen"):
        ns, _, rest = raw.partition(":")
        proto, _, port = rest.partition(":")
        out["listeners"].append({"ns": ns, "proto": proto, "port": _num(port)})
    for raw in get.getlist("traffic"):
        vals = (raw.split(",") + [""] * len(TRAFFIC_KEYS))[:len(TRAFFIC_KEYS)]
        item = dict(zip(TRAFFIC_KEYS, vals))
        out["traffic"].append({k: (_num(v) if k in ("port", "count", "size", "ttl") else v)
                               for k, v in item.items() if v != ""})
    return out


def _num(text: str):
    """An integer where the text is one; else the text (the check names the field)."""
    return int(text) if text.isdigit() else text


def _base_of(exp: dict):
    """(lesson, step number) the experiment starts from, and an error naming the base when
    it names no lesson (the page says so, the plain bridge drawn)."""
    known = registry.all_lessons(settings.LESSONS_DIR)
    try:
        slug, step = experiment_core.parse_base(exp.get("base") or "")
        lesson = experiment_core.base_lesson(slug, known, settings.LESSONS_DIR)
    except experiment_core.ExperimentError as e:      # said in the page's language
        return (experiment_core.plain_lesson(settings.LESSONS_DIR), 1,
                phrases.render_in(language.current(), e.msg) if e.msg else str(e))
    n = len(lesson.steps)
    return lesson, min(max(step or n, 1), n), ""


def _nodes(topo: Topology) -> list[dict]:
    """The namespaces with their addresses (the from/to pickers), and the interfaces the
    diagram draws for each ("pills": host interface -> the address a pick there means):
    a bridge port or an uplink stands for the namespace across it, a bridge for the host."""
    nodes: dict = {n.name: {"name": n.name, "addresses": [], "pills": {}} for n in topo.namespaces}
    ip = lambda addrs: [a.split("/")[0] for a in addrs]          # noqa: E731
    for b in topo.bridges:
        nodes.setdefault(b.ns, {"name": b.ns, "addresses": [], "pills": {}})["addresses"] += ip(b.addresses)
        if b.ns == "host" and b.addresses:
            nodes["host"]["pills"][b.name] = ip(b.addresses)[0]
    for v in topo.veths:
        for end in v.ends:
            nodes.setdefault(end.ns, {"name": end.ns, "addresses": [], "pills": {}})["addresses"] += ip(end.addresses)
        if v.end.ns == "host" and v.peer.addresses:
            nodes[v.peer.ns]["pills"][v.end.name] = ip(v.peer.addresses)[0]
    return list(nodes.values())


def _docker(lesson, step, exp: dict) -> dict:
    """The docker switch (lab.experiment's docker), as the lesson page's: the base's own
    ruleset, the names, offered where the base loads docker's rules."""
    own = dockersets.for_step(lesson, lesson.step(step)).docker
    return {"own": own, "names": list(dockersets.DOCKER), "compare": [],
            "offer": dockersets.loads_docker(lesson), "chosen": exp.get("docker") or own}


def _recorded(request, exp: dict) -> tuple[Run | None, dict]:
    """``?run=<uid>``: a recorded experiment's run, replayed on the page (its experiment
    fills the form when the query names none); a lesson step's run or an unknown uid: none."""
    run = Run.objects.filter(uid=str(request.GET.get("run") or "")[:40]).first()
    if run is None or not (run.result or {}).get("experiment"):
        return None, exp
    if not exp["traffic"]:
        exp = dict(run.result["experiment"])
        exp["traffic"] = [{k: v for k, v in t.items() if v not in (None, 0, "")}
                          for t in exp.get("traffic") or []]
        exp = {k: v for k, v in exp.items() if v or k in ("base", "traffic")}
    return run, exp


def experiment_page(request):
    """The experiment page: a form prefilled from the permalink's query, the base's
    diagram to pick the traffic on and to replay the run hop by hop (replay.js), run over
    the lab websocket (lab.experiment); the server checks every value and names the field.
    With ``run=<uid>`` it replays that recorded run of an experiment first."""
    run, exp = _recorded(request, experiment_fields(request.GET))
    lesson, number, error = _base_of(exp)
    topo = lesson.topology.at(number)
    cfg = lab_config()
    data = {"ws_path": "/ws/lab/", "experiment": exp, "nodes": _nodes(topo),
            "run": run.as_dict() if run else None,
            "model": model.as_dict(), "topology": topo.as_dict(),
            "docker": _docker(lesson, number, exp), "protos": list(experiment_core.PROTOS),
            "limits": {"items": experiment_core.MAX_ITEMS, "count": experiment_core.MAX_COUNT,
                       "size": experiment_core.MAX_SIZE, "ttl": experiment_core.MAX_TTL,
                       "rules": cfg.max_rules},
            "urls": {"page": reverse("experiment"), "home": reverse("index"),
                     "run_page": "/runs/{id}/", "run_json": "/runs/{id}.json",
                     "run_text": "/runs/{id}.txt", "run_pcapng": "/runs/{id}.pcapng",
                     "lesson_zip": "/runs/{id}/lesson.zip"}}
    data.update(language.page_data())
    # opened for a workshop's room (?room=CODE, pagerooms): page_data "workshop" is its code
    # when this browser is seated in it (experiment.js then joins it: experimentroom.js)
    room, refused = pagerooms.room_of(request)
    if room:
        data["workshop"] = room
    return render(request, "learn/experiment.html",
                  {"page_data": data, "exp": exp, "base_error": error, "room_refused": refused,
                   "lesson": lesson, "step": lesson.step(number), "recorded": False,
                   "present": request.GET.get("present") == "1"},
                  status=404 if error else 200)
