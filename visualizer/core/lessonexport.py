"""Save as lesson: an experiment's run as a lesson folder that ``verify_lessons`` passes.
Pure (it reads the base lesson's own files, as the lesson loader does).

The folder has one step that reproduces the state the experiment started from and
what it changed: the base lesson's topology (elements up to the base step) and rulesets,
the actions of its steps 1..N, then the experiment's sysctls, listeners and rules as
actions, and its traffic items.  Each item's ``expect`` is what the run observed
(``core/lessonobserve.py``).  ``files`` returns {relative path: text}; every file goes
back through the lesson loader (``check``) before it is handed out.
"""
from __future__ import annotations

import re
import tempfile
import tomllib
from pathlib import Path

from . import dockersets, experiment, lessonobserve, lessons, observekeys, phrases, tomlwrite
from .experiment import Experiment
from .lessontext import after_text, before_text, describe_item

phrases.define({
    "export.base.plain": "the plain docker bridge",
    "export.base.step": "step {step} of the lesson “{lesson}”",
    "export.title": "An experiment on {base}",
    "export.summary": "Saved from an experiment run: {items}.",
    "export.step_title": "The experiment's traffic",
})
TOPOLOGY_KEYS = ("ns", "bridge", "veth", "route")
MAX_SLUG = 100


def base_msg(exp: Experiment, lesson: lessons.Lesson) -> phrases.Msg:
    if exp.base == experiment.PLAIN:
        return phrases.msg("export.base.plain")
    return phrases.msg("export.base.step", step=exp.base_step, lesson=lesson.title)


def slug_of(exp: Experiment, suffix: str = "") -> str:
    """A folder name saying what the experiment sends, from where, on what base."""
    t = exp.traffic[0]
    parts = ["experiment", t.proto or t.kind, t.src, "to", t.dst, str(t.port or "")]
    if exp.base != experiment.PLAIN:
        parts += ["from", exp.base, str(exp.base_step)]
    text = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts + [suffix] if p).lower())
    return text.strip("-")[:MAX_SLUG].rstrip("-")


def action_table(a: lessons.Action) -> dict:
    """An action as ``lesson.toml`` writes it (``lessons._action`` reads it back)."""
    out = {a.kind: a.args}
    if a.ns != "host":
        out["ns"] = a.ns
    if a.kind == "listen":
        if a.value in ("udp", "http"):
            out["proto"] = a.value
    elif a.value:
        out["value"] = a.value
    return out


def rule_action(text: str) -> lessons.Action:
    """A learner's rule as the action that applies it the same way: iptables and
    ebtables take the text (the lab strips a leading tool name), nft the rule as the
    script ``nft -f`` reads (without the leading ``nft``)."""
    tool = experiment.rulecheck.tool_of(text)
    if tool == "nft":
        return lessons.Action(kind="nft", args=text.split(None, 1)[1])
    return lessons.Action(kind=tool, args=text)


def actions(exp: Experiment, lesson: lessons.Lesson) -> list[lessons.Action]:
    """Everything the run applied before its traffic, in the lab's order."""
    out = [a for s in lesson.steps[:exp.base_step] for a in s.actions]
    out += [lessons.Action(kind="sysctl", args=name, ns=ns, value=value)
            for ns, name, value in exp.sysctls]
    out += [lessons.Action(kind="listen", args=str(port), ns=ns, value=proto)
            for ns, proto, port in exp.listeners]
    return out + [rule_action(r) for r in exp.rules]


def traffic_table(t, expect: dict | None) -> dict:
    out = {"kind": t.kind, "from": t.src, "to": t.dst, "count": t.count}
    for k in ("port", "size", "ttl"):
        if getattr(t, k):
            out[k] = getattr(t, k)
    if t.tool:
        out["tool"] = t.tool
    if expect is not None:
        out["expect"] = expect
    return out


def rulesets_of(lesson: lessons.Lesson) -> list[str]:
    """The lesson's rulesets as ``lesson.toml`` names them: docker's folders as ``docker``."""
    out: list[str] = []
    for r in lesson.rulesets:
        name = "docker" if r in dockersets.FOLDERS else r
        if name not in out:
            out.append(name)
    return out


def topology_files(exp: Experiment, lesson: lessons.Lesson) -> tuple[str, dict]:
    """(``topology`` of lesson.toml, {file: text}): a shared topology by name, else the
    base's own, with its elements up to the base step, all built from the start."""
    if exp.base == experiment.PLAIN:
        return experiment.PLAIN_TOPOLOGY, {}
    folder = Path(lesson.root) / lesson.slug
    spec = tomllib.loads((folder / "lesson.toml").read_text()).get("topology", "docker-bridge")
    if isinstance(spec, str) and not (folder / "topology.toml").exists():
        return spec, {}
    data = spec if isinstance(spec, dict) else tomllib.loads((folder / "topology.toml").read_text())
    data = dict(data)
    for k in TOPOLOGY_KEYS:
        if k in data:
            data[k] = [{f: v for f, v in el.items() if f != "step"} for el in data[k]
                       if int(el.get("step", 0)) <= exp.base_step]
    return "topology.toml", {"topology.toml": tomlwrite.dumps(data, long_lists=())}


def rule_files(lesson: lessons.Lesson) -> dict:
    """The base lesson's own rules files (loaded with its rulesets when the sandbox is made)."""
    out = {}
    if lesson.rules.get("iptables", "").strip():
        out["iptables.rules"] = lesson.rules["iptables"]
    if lesson.rules.get("ebtables"):
        out["ebtables.rules"] = "\n".join(lesson.rules["ebtables"]) + "\n"
    if lesson.rules.get("nft", "").strip():
        out["nft.rules"] = lesson.rules["nft"]
    return out


def expectations(exp: Experiment, result: dict, events: list) -> list[dict]:
    """Each traffic item's ``expect``, from what the run observed: every key the run gives
    a value for that the grader passes on it (the newer keys: ``observekeys``)."""
    slices = lessonobserve.item_slices(exp.traffic, result, events)
    return [{**lessonobserve.observed(t, part, mine, events),
             **observekeys.observed(t, part, mine, events)}
            for t, (part, mine) in zip(exp.traffic, slices)]


def files(exp: Experiment, result: dict, events: list, known: dict, root: Path,
          slug: str = "") -> tuple[str, dict[str, str]]:
    """(slug, {relative path: text}) of the lesson folder for this run of ``exp``."""
    lesson = experiment.base_lesson(exp.base, known, root)
    slug = slug or slug_of(exp)
    expects = expectations(exp, result, events)
    topology, out = topology_files(exp, lesson)
    out.update(rule_files(lesson))
    base = base_msg(exp, lesson)
    items = [describe_item(t) for t in exp.traffic]
    step: dict = {"title": phrases.msg("export.step_title").text(), "explain": "step1.md"}
    acts = actions(exp, lesson)
    if acts:
        step["actions"] = [action_table(a) for a in acts]
    if len(exp.traffic) == 1:
        step["traffic"], step["expect"] = traffic_table(exp.traffic[0], None), expects[0]
    else:
        step["traffic"] = [traffic_table(t, e) for t, e in zip(exp.traffic, expects)]
    data = {"title": phrases.msg("export.title", base=base).text(),
            "summary": phrases.msg("export.summary", items=items).text(),
            "topology": topology, "rulesets": rulesets_of(lesson)}
    docker = result.get("docker") or exp.docker
    if docker and docker != dockersets.DEFAULT and "docker" in data["rulesets"]:
        data["docker"] = docker
    data["steps"] = [step]
    out["lesson.toml"] = tomlwrite.dumps(data)
    out["step1.md"] = before_text(base, acts, items) + "\n" + lessons.AFTER_MARKER + "\n\n" \
        + after_text(exp, result, expects)
    check(slug, out, root)
    return slug, out


def check(slug: str, folder_files: dict[str, str], root: Path) -> lessons.Lesson:
    """The folder loads with the lesson loader, beside the shared rulesets and topologies
    of ``root`` (a LessonError if not)."""
    with tempfile.TemporaryDirectory(prefix="nfvis-export-") as tmp:
        top = Path(tmp)
        for shared in ("_rulesets", "_topologies"):
            (top / shared).symlink_to(Path(root).resolve() / shared)
        (top / slug).mkdir()
        for name, text in folder_files.items():
            (top / slug / name).write_text(text)
        return lessons.load_lesson(top / slug, top)
