"""Lesson registry: lessons are data in ``lessons/<slug>/``, loaded here.

A lesson folder holds ``lesson.toml`` (title, steps, traffic, expectations),
``topology.toml`` (or ``topology = "<name>"`` naming one in
``lessons/_topologies``), rules files, and one Markdown file per step.
Loading is pure file reading and validation; nothing touches the kernel.

A step's Markdown is split by a line ``<!-- after -->``: above it the setup and the
question, shown before the run (it must not give the answer away); below it the
explanation, shown once the step has run.  Without the marker it is all "before".
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import dockersets, errors, gradekeys, model, rulecheck
from .errors import say
from .config import DEFAULT_LESSONS_DIR
from .seeds import Seed, seeds  # noqa: F401  (the lessons' sources, read on their own)
from .topology import Topology
from .traffic import MAX_TRAFFIC_ITEMS, TRAFFIC_KINDS, LessonError, Traffic  # noqa: F401
from .traffic import check_listener, listen_command, items as traffic_items

DEFAULT_DIR = DEFAULT_LESSONS_DIR
ACTION_KINDS = ("iptables", "ebtables", "arptables", "nft", "sysctl", "listen", "ip", "bridge", "inspect")
# ``inspect`` actions (a traffic list's): read-only commands whose output the result records
INSPECT_OBJECTS = {"ip": ("neigh", "route", "addr", "link"), "bridge": ("fdb", "link"),
                   "arp": ("-e", "-n")}
# ``ip`` / ``bridge`` actions: the subcommands allowed (never a shell; one argv)
TOOL_VERBS = {"ip": {"neigh": ("add", "replace", "change", "del", "flush"),
                     "link": ("set",)},       # ip link set dev docker0 promisc on (only)
              "bridge": {"fdb": ("add", "replace", "del", "flush"),
                         "link": ("set",)}}   # bridge link set dev veth-c1 hairpin on
AFTER_MARKER = "<!-- after -->"
LEVELS = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class Action:
    """One configuration change a step makes, in a namespace (default host)."""

    kind: str
    args: str = ""
    ns: str = "host"
    value: str = ""

    def describe(self) -> str:
        if self.kind == "sysctl":
            return f"{self.ns}# sysctl -w {self.args}={self.value}"
        if self.kind == "inspect":
            return f"{self.ns}# {self.args}"
        if self.kind == "listen":
            return f"{self.ns}# {listen_command(self.value, self.args)}"
        return f"{self.ns}# {self.kind} {self.args}"


@dataclass(frozen=True)
class Step:
    number: int
    title: str                  # neutral: shown before the run
    explain: str                # the whole Markdown text (before + marker + after)
    actions: tuple[Action, ...] = ()
    traffic: Traffic = field(default_factory=Traffic)   # the first (or only) item
    expect: dict = field(default_factory=dict)
    traffic_items: tuple[Traffic, ...] = ()     # every item, in order, when there are several
    try_it: bool = False
    commands: tuple[str, ...] = ()   # equivalent shell commands, for display only
    about: tuple[str, ...] = ()      # the protocols it is about (``about``): the page shows their hops
    predict_captures: tuple[str, ...] = ()   # interfaces whose captures the learner predicts
    title_after: str = ""       # the title once the step has run (may be the outcome)
    docker: str = ""            # the docker ruleset it runs under ("": the lesson's)
    compare: tuple[str, ...] = ()   # docker rulesets the page runs it under, side by side
    explain_file: str = ""      # its Markdown's file name (translations sit beside it)
    before: str = ""            # Markdown: the setup and the question, before the run
    after: str = ""             # Markdown: the explanation, once the step has run

    @property
    def items(self) -> tuple[Traffic, ...]:
        """The traffic items the step runs, in order."""
        return self.traffic_items or (self.traffic,)

    @property
    def done_title(self) -> str:
        """The title to show once the step has run."""
        return self.title_after or self.title


def split_text(text: str) -> tuple[str, str]:
    """(before, after) of a step's Markdown, split at the ``<!-- after -->`` line."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == AFTER_MARKER:
            return "".join(lines[:i]).rstrip() + "\n", "".join(lines[i + 1:]).lstrip("\n")
    return text, ""


@dataclass(frozen=True)
class Lesson:
    slug: str
    title: str
    summary: str
    seeds: tuple[str, ...]
    scenario: str
    topology: Topology
    rulesets: tuple[str, ...]
    rules: dict                 # {"iptables": str, "ebtables": [str], "nft": str}
    steps: tuple[Step, ...]
    order: int = 100
    intro: str = ""
    root: Path | None = None    # the lessons folder it was loaded from (its _rulesets)
    level: str = ""             # one of LEVELS ("" when the lesson does not say)
    minutes: int = 0            # about how long it takes (0 when the lesson does not say)
    docker: str = dockersets.DEFAULT    # the docker ruleset ``rulesets`` holds (dockersets)

    def step(self, number: int | None) -> Step:
        if number is None:
            return self.steps[-1]
        if not 1 <= number <= len(self.steps):
            raise LessonError(say("error.lesson.steps", slug=repr(self.slug), steps=len(self.steps),
                                  step=number))
        return self.steps[number - 1]

    def hooks_named(self) -> list[tuple[str, str, str]]:
        """(family, table, hook) triples this lesson's expectations name."""
        out = []
        for s in self.steps:
            for spec in s.expect.get("hooks", []):
                fam, hook = spec.split(":", 1)
                out.append((fam, "", hook))
            for key in ("drop", "hit", "nat"):
                if key in s.expect:
                    fam, table, chain = s.expect[key].split()[:3]
                    out.append((fam, table, model.hook_of(fam, chain) or chain))
        return out


def _docker(name, where: str) -> str:
    """A lesson's or step's ``docker``: "" (not given) or a name of ``dockersets.DOCKER``."""
    if name != "" and dockersets.unknown(str(name)):
        raise LessonError(errors.at(where, 
            "error.docker.unknown", name=repr(str(name)[:40]), names=", ".join(dockersets.DOCKER)))
    return str(name)


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise LessonError(say("error.failed", what=str(path), why=str(e))) from e


def load_topology(root: Path, spec) -> Topology:
    """The lesson's ``Topology``: a named shared file or the lesson's own, with extends;
    every namespace an element names must be one of its own, ``host`` among them."""
    data = _topology_data(root, spec)
    try:
        topology = Topology.from_dict(data)
    except KeyError as e:
        raise LessonError(say("error.lesson.topology_lacks", name=repr(data.get("name", "")),
                              key=str(e))) from e
    names = set(topology.namespace_names())
    if "host" not in names:
        raise LessonError(say("error.lesson.topology_host"))
    for ns in topology.namespaces_named():
        if ns not in names:
            raise LessonError(say("error.lesson.topology_ns", ns=repr(ns)))
    return topology


def _topology_data(root: Path, spec) -> dict:
    """The topology's TOML data: a named shared file or the lesson's own, ``extends``
    merged (the base's elements first)."""
    if isinstance(spec, str):
        path = root / "_topologies" / f"{spec}.toml"
        if not path.exists():
            raise LessonError(say("error.lesson.topology_unknown", name=repr(spec)))
        data = _read(path)
        data.setdefault("name", spec)
    else:
        data = dict(spec)
    base = data.pop("extends", None)
    if base:
        parent = _topology_data(root, base)
        for key in ("ns", "bridge", "veth", "route"):
            data[key] = list(parent.get(key, [])) + list(data.get(key, []))
        data.setdefault("name", parent.get("name", base))
    for key in ("ns", "bridge", "veth", "route"):
        data.setdefault(key, [])
    return data


def _load_rules(folder: Path) -> dict:
    rules = {"iptables": "", "ebtables": [], "nft": ""}
    if (folder / "iptables.rules").exists():
        rules["iptables"] = (folder / "iptables.rules").read_text()
    if (folder / "ebtables.rules").exists():
        rules["ebtables"] = [
            ln.strip() for ln in (folder / "ebtables.rules").read_text().splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")
        ]
    if (folder / "nft.rules").exists():
        rules["nft"] = (folder / "nft.rules").read_text()
    return rules


def _action(raw: dict) -> Action:
    kinds = [k for k in ACTION_KINDS if k in raw]
    if len(kinds) != 1:
        raise LessonError(say("error.lesson.action_kind", kinds=", ".join(ACTION_KINDS), value=str(raw)))
    kind = kinds[0]
    if kind in TOOL_VERBS:
        tool_argv(kind, str(raw[kind]))
    if kind == "inspect":
        inspect_argv(str(raw[kind]))
    if kind == "arptables" and (why := rulecheck.refusal(str(raw[kind]), kind)):
        raise LessonError(say("error.lesson.arptables", rule=repr(raw[kind]), why=why))
    if kind == "listen":
        check_listener(str(raw[kind]), raw.get("proto", "tcp"))
    return Action(kind=kind, args=str(raw[kind]), ns=raw.get("ns", "host"),
                  value=str(raw.get("value", raw.get("proto", ""))))   # listen: proto udp


def tool_argv(kind: str, args: str) -> list[str]:
    """An ``ip`` / ``bridge`` action's argv (``ip neigh flush dev eth0``): only the
    object and verbs of TOOL_VERBS, words of letters, digits and ``.:_/-``."""
    words = args.split()
    objs = TOOL_VERBS[kind]
    if len(words) < 2 or words[1] not in objs.get(words[0], ()) or len(words) > 12 or \
            not all(re.fullmatch(r"[A-Za-z0-9.:_/-]{1,64}", w) for w in words):
        said = ", ".join(f"'{o} <{'|'.join(v)}> ...'" for o, v in objs.items())
        raise LessonError(say("error.lesson.tool_words", kind=repr(kind), forms=said, value=repr(args)))
    if kind == "ip" and words[0] == "link" and (
            len(words) != 6 or words[2::2] != ["dev", "promisc"] or words[5] not in ("on", "off")):
        raise LessonError(say("error.lesson.ip_link", value=repr(args)))
    return [kind, *words]


def inspect_argv(args: str) -> list[str]:
    """An ``inspect`` action's argv (``ip neigh``, ``bridge fdb show br docker0``,
    ``arp -e``): a tool and object of INSPECT_OBJECTS, then ``show`` and plain words."""
    words = args.split()
    ok = len(words) >= 2 and words[1] in INSPECT_OBJECTS.get(words[0], ()) and \
        len(words) <= 8 and (len(words) == 2 or words[2] == "show") and \
        all(re.fullmatch(r"[A-Za-z0-9.:_/-]{1,64}", w) for w in words)
    if not ok or (words[0] == "arp" and len(words) > 2):
        raise LessonError(say("error.lesson.inspect", value=repr(args)))
    return words[:1] + ["-d"] + words[1:] if words[:2] == ["bridge", "link"] else words


def _step_action(raw: dict) -> Action:
    """A step's ``actions`` entry; an inspect action belongs in its traffic list."""
    a = _action(raw)
    if a.kind == "inspect":
        raise LessonError(say("error.lesson.inspect_where", value=str(raw)))
    return a


ABOUT_PROTOS = ("arp", "icmp", "tcp", "udp")


def _about(name: str, i: int, protos) -> tuple[str, ...]:
    """A lesson's (or a step's) ``about``: the protocols that are its subject.  The
    page hides ARP hops by default (noise in most lessons); a lesson about ARP shows them."""
    bad = [p for p in protos if p not in ABOUT_PROTOS]
    if bad or isinstance(protos, str):
        raise LessonError(say("error.lesson.about", at=f"{name}: step {i}", protos=", ".join(ABOUT_PROTOS),
                              value=repr(protos)))
    return tuple(protos)


def _captured(name: str, i: int, ifaces, topology: Topology) -> tuple[str, ...]:
    """``predict_captures``: host interfaces the sandbox captures on (the topology's)."""
    known = set(topology.interfaces("host"))
    bad = [x for x in ifaces if x not in known]
    if bad or isinstance(ifaces, str):
        raise LessonError(say("error.lesson.predict_captures", at=f"{name}: step {i}",
                              known=", ".join(sorted(known)), value=repr(ifaces)))
    return tuple(ifaces)


def load_lesson(folder: Path, root: Path | None = None) -> Lesson:
    root = root or folder.parent
    data = _read(folder / "lesson.toml")
    topo_spec = data.get("topology", "docker-bridge")
    if topo_spec == "topology.toml" or (folder / "topology.toml").exists():
        topo_spec = _read(folder / "topology.toml")
    topology = load_topology(root, topo_spec)
    steps = []
    for i, raw in enumerate(data.get("steps", []), start=1):
        md = folder / raw.get("explain", f"step{i}.md")
        if not md.exists():
            raise LessonError(say("error.lesson.no_text", lesson=folder.name, n=i, file=md.name))
        items = traffic_items(f"{folder.name}: step {i}", raw.get("traffic", {}), _action)
        gradekeys.validate(raw.get("expect", {}), f"{folder.name}: step {i}")
        text = md.read_text()
        before, after = split_text(text)
        steps.append(Step(
            number=i, title=raw["title"], explain=text, before=before, after=after,
            explain_file=md.name,
            title_after=str(raw.get("title_after", "")),
            actions=tuple(_step_action(a) for a in raw.get("actions", [])),
            traffic=items[0], traffic_items=items if len(items) > 1 else (),
            expect=dict(raw.get("expect", {})),
            try_it=bool(raw.get("try_it", False)),
            commands=tuple(raw.get("commands", [])),
            about=_about(folder.name, i, raw.get("about", data.get("about", []))),
            predict_captures=_captured(folder.name, i, raw.get("predict_captures", []), topology),
            docker=_docker(raw.get("docker", ""), f"{folder.name}: step {i}"),
            compare=dockersets.compare_list(raw.get("compare", []), f"{folder.name}: step {i}"),
        ))
    if not steps:
        raise LessonError(say("error.lesson.no_steps", lesson=folder.name))
    intro = (folder / "intro.md").read_text() if (folder / "intro.md").exists() else ""
    rulesets = tuple(data.get("rulesets", ["docker"]))
    level = str(data.get("level", ""))
    if level and level not in LEVELS:
        raise LessonError(say("error.lesson.level", lesson=folder.name, value=repr(level),
                              levels=", ".join(LEVELS)))
    for rs in rulesets:
        if not (root / "_rulesets" / rs).is_dir():
            raise LessonError(say("error.lesson.ruleset", lesson=folder.name, value=repr(rs)))
    docker = _docker(data.get("docker", dockersets.DEFAULT), folder.name)
    if (docker != dockersets.DEFAULT or any(s.docker or s.compare for s in steps)) \
            and "docker" not in rulesets:
        raise LessonError(say("error.lesson.docker_rulesets", lesson=folder.name))
    rulesets = dockersets.swap(rulesets, docker)
    return Lesson(
        slug=folder.name, title=data["title"], summary=data["summary"],
        seeds=tuple(data.get("seeds", [])), scenario=data.get("scenario", ""),
        topology=topology, rulesets=rulesets, rules=_load_rules(folder),
        steps=tuple(steps), order=int(data.get("order", 100)), intro=intro, root=root,
        level=level, minutes=int(data.get("minutes", 0)), docker=docker,
    )


@lru_cache(maxsize=32)
def ruleset_rules(name: str, root: Path | None = None) -> dict:
    """A shared ruleset's files, read once per process (callers do not mutate it)."""
    return _load_rules((root or DEFAULT_DIR) / "_rulesets" / name)


@lru_cache(maxsize=8)
def _registry(root: str) -> tuple[dict[str, Lesson], dict[str, str]]:
    """Every lesson that loads, and the reason for each one that does not."""
    base = Path(root)
    out, errors = {}, {}
    for folder in sorted(base.iterdir()):
        if folder.is_dir() and not folder.name.startswith(("_", ".")) and (folder / "lesson.toml").exists():
            try:
                out[folder.name] = load_lesson(folder, base)
            except (LessonError, KeyError, TypeError, ValueError) as e:
                errors[folder.name] = f"{type(e).__name__}: {e}"
    return dict(sorted(out.items(), key=lambda kv: (kv[1].order, kv[0]))), errors


def all_lessons(root: Path | None = None) -> dict[str, Lesson]:
    """The lessons that load; a broken one is left out (see ``load_errors``)."""
    return _registry(str(root or DEFAULT_DIR))[0]


def load_errors(root: Path | None = None) -> dict[str, str]:
    return _registry(str(root or DEFAULT_DIR))[1]


def get(slug: str, root: Path | None = None) -> Lesson:
    lessons = all_lessons(root)
    if slug in load_errors(root):
        raise LessonError(say("error.lesson.does_not_load", slug=repr(slug),
                              why=load_errors(root)[slug]))
    if slug not in lessons:
        raise LessonError(say("error.lesson.unknown_of", slug=repr(slug), lessons=", ".join(lessons)))
    return lessons[slug]
