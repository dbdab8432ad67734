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

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from ..core import experiment as experiment_core
from ..core import lessons as registry
from . import language, pagerooms
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


def _nodes(exp: dict) -> tuple[list[dict], str]:
    """The base's namespaces with their addresses (the form's from/to pickers), and an
    error naming the base when it names no lesson (the page says so, the plain bridge drawn)."""
    known = registry.all_lessons(settings.LESSONS_DIR)
    error = ""
    try:
        slug, step = experiment_core.parse_base(exp.get("base") or "")
        lesson = experiment_core.base_lesson(slug, known, settings.LESSONS_DIR)
    except experiment_core.ExperimentError as e:
        error, lesson, step = str(e), experiment_core.plain_lesson(settings.LESSONS_DIR), 1
    topo = lesson.topology.at(step or len(lesson.steps)).as_dict()
    addrs: dict = {n["name"]: [] for n in topo.get("ns", [])}
    for el in topo.get("bridge", []) + topo.get("veth", []):
        addrs.setdefault(el["ns"], []).extend(a.split("/")[0] for a in el.get("addresses", []))
        if el.get("peer_ns"):
            addrs.setdefault(el["peer_ns"], []).extend(
                a.split("/")[0] for a in el.get("peer_addresses", []))
    return [{"name": n, "addresses": a} for n, a in addrs.items()], error


def experiment_page(request):
    """The experiment page: a form prefilled from the permalink's query, run over the
    lab websocket (lab.experiment); the server checks every value and names the field."""
    exp = experiment_fields(request.GET)
    nodes, error = _nodes(exp)
    data = {"ws_path": "/ws/lab/", "experiment": exp, "nodes": nodes,
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
                  {"page_data": data, "exp": exp, "base_error": error, "room_refused": refused},
                  status=404 if error else 200)
