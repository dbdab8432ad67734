"""``{% netfilter_diagram lesson %}``: the hook diagram as SVG, laid out from model.py.

Every table box comes from ``model.TABLES`` (``data-box="family:table:hook"``),
every arrow from ``model.EDGES``; the lesson's topology only names the
interfaces drawn at the edges.  Nothing is placed per lesson by hand.
"""
from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _, gettext_lazy

from ...core import lessons as registry
from ...core import dockersets, model, ruleset
from ...core.topology import Topology

register = template.Library()

# the decisions' labels (model.py's, English) in the page's language
DECISION_LABELS = {"bridge decision (FDB)": gettext_lazy("bridge decision (FDB)"),
                   "routing decision": gettext_lazy("routing decision"),
                   "output routing": gettext_lazy("output routing"),
                   "local process": gettext_lazy("local process")}

W, H = 1240, 470
NET, LINK = (4, 262), (270, 466)          # y ranges of the two layers
COL = {  # hook/decision column -> (x, width)
    "prerouting": (108, 174), "decision": (298, 110), "input": (424, 164),
    "forward": (604, 164), "output": (784, 164), "postrouting": (964, 168),
}
IF_IN, IF_OUT = (10, 86), (1146, 86)
HEAD, BH, STEP, PROBE, CT = 24, 30, 34, 16, 12
GROUP_BOTTOM = {"ip": 256, "bridge": 460}
# (family, hook) -> y top; groups on the main flow sit at the bottom of their layer
TOP = {("ip", "input"): 16, ("ip", "output"): 16, ("bridge", "input"): 282,
       ("bridge", "output"): 278}


def _attrs(**kw) -> str:
    return " ".join(f'{k.rstrip("_").replace("_", "-")}="{escape(str(v))}"'
                    for k, v in kw.items() if v is not None)


def _group_height(family: str, hook: str) -> int:
    n = len(model.tables_at(family, hook))
    h = HEAD + n * STEP + 6
    if family == "bridge":
        h += PROBE
    if family == "ip" and any(t.name == "raw" for t in model.tables_at(family, hook)):
        h += CT
    return h


def layout() -> dict:
    """Stage rectangles and table boxes: {stages: {id: (x,y,w,h)}, boxes: [...]}."""
    stages, boxes = {}, []
    for fam in ("ip", "bridge"):
        for hook in model.HOOKS:
            if not model.tables_at(fam, hook):
                continue
            x, w = COL[hook]
            h = _group_height(fam, hook)
            y = TOP.get((fam, hook), GROUP_BOTTOM[fam] - h)
            stages[f"{fam}:{hook}"] = (x, y, w, h)
            by = y + HEAD
            if fam == "bridge":
                boxes.append({"key": f"bridge:{model.TRACE_TABLE}:{hook}", "probe": True,
                              "x": x + 8, "y": by, "w": w - 16, "h": PROBE - 4,
                              "table": model.TRACE_TABLE, "family": fam, "hook": hook})
                by += PROBE
            for t in model.tables_at(fam, hook):
                if t.name == "mangle" and fam == "ip" and any(
                        s.name == "raw" for s in model.tables_at(fam, hook)):
                    boxes.append({"conntrack": True, "x": x + 8, "y": by, "w": w - 16})
                    by += CT
                boxes.append({"key": t.key, "x": x + 8, "y": by, "w": w - 16, "h": BH,
                              "table": t.name, "family": fam, "hook": hook,
                              "available": t.available, "note": t.note,
                              "priority": t.priority, "chain": t.chain})
                by += STEP
    dx, dw = COL["decision"]
    stages["routing-decision"] = (dx, 186, dw, 40)
    stages["bridge-decision"] = (dx, 384, dw, 40)
    fx, fw = COL["forward"]
    stages["local-process"] = (fx, 16, fw // 2 - 6, 44)
    stages["output-routing"] = (fx + fw // 2 + 6, 16, fw // 2 - 6, 44)
    return {"stages": stages, "boxes": boxes}


def _anchor(rect, other):
    x, y, w, h = rect
    ox, oy, ow, oh = other
    cx, cy, ocx, ocy = x + w / 2, y + h / 2, ox + ow / 2, oy + oh / 2
    if ox >= x + w - 1 or ox + ow <= x + 1:   # side by side
        return (x + w, cy, 1, 0) if ocx > cx else (x, cy, -1, 0)
    return (cx, y + h, 0, 1) if ocy > cy else (cx, y, 0, -1)


def _edge(a, b, rects) -> str:
    ra, rb = rects[a], rects[b]
    if (a, b) == ("ip:forward", "bridge:postrouting"):
        # around bridge OUTPUT: right above the layer boundary, down the gap, into POSTROUTING
        gx = (COL["output"][0] + COL["output"][1] + COL["postrouting"][0]) / 2
        y = ra[1] + ra[3] - 24
        d = f"M{ra[0] + ra[2]:.0f},{y:.0f} H{gx - 6:.0f} Q{gx:.0f},{y:.0f} {gx:.0f},{y + 6:.0f} V{rb[1] + 34:.0f} H{rb[0]:.0f}"
        return f'<path class="edge" {_attrs(d=d, data_edge=f"{a}>{b}")} marker-end="url(#arrow)"/>'
    x1, y1, nx1, ny1 = _anchor(ra, rb)
    x2, y2, nx2, ny2 = _anchor(rb, ra)
    if (nx1, ny1) == (0, 1) and a.startswith("ip:") and b.startswith("bridge"):
        x1 += ra[2] / 5     # keep up and down arrows of one column apart
        x2 += rb[2] / 5 if (nx2, ny2) == (0, -1) else 0
    elif (nx1, ny1) == (0, -1) and a.startswith("bridge") and b.startswith("ip:"):
        x1 -= ra[2] / 5
        x2 -= rb[2] / 5 if (nx2, ny2) == (0, 1) else 0
    k = max(24, min(70, (abs(x2 - x1) + abs(y2 - y1)) / 3))
    d = (f"M{x1:.0f},{y1:.0f} C{x1 + nx1 * k:.0f},{y1 + ny1 * k:.0f} "
         f"{x2 + nx2 * k:.0f},{y2 + ny2 * k:.0f} {x2:.0f},{y2:.0f}")
    return f'<path class="edge" {_attrs(d=d, data_edge=f"{a}>{b}")} marker-end="url(#arrow)"/>'


def _pill(x, y, w, label, iface, side, title="", stage="") -> str:
    """An interface at the diagram's edge; ``stage`` is the stage it connects to (in: the
    packet enters there from it; out/up/down: the packet reaches it from there)."""
    t = f"<title>{escape(title)}</title>" if title else ""
    return (f'<g class="iface" {_attrs(data_iface=iface, data_side=side, data_stage_of=stage)}>{t}'
            f'<rect {_attrs(x=x, y=y, width=w, height=22, rx=11)}/>'
            f'<text {_attrs(x=x + w / 2, y=y + 15)} text-anchor="middle">{escape(label)}</text></g>')


def _interfaces(topology: Topology | None, stages) -> list[str]:
    """The host's interfaces, drawn by their ``Topology.role``: bridge ports at the
    link layer's edges, routed uplinks at the network layer's, bridges between them."""
    topology = Topology.from_dict(topology or {})
    ports, routed = topology.ports(), topology.uplinks()
    bridges = [b.name for b in topology.bridges_in("host")]
    out = []
    for side, (x, w) in (("in", IF_IN), ("out", IF_OUT)):
        gap = min(26, (LINK[1] - LINK[0] - 60) // max(1, len(ports)))
        ports_y = LINK[1] - 10 - gap * len(ports)
        for i, ln in enumerate(ports):
            name = ln.end.name
            out.append(_pill(x, ports_y + gap * i, w, name, name, side,
                             _("%(name)s: port of %(bridge)s, peer %(peer)s")
                             % {"name": name, "bridge": ln.end.master, "peer": ln.peer.ns},
                             stage="bridge:" + ("prerouting" if side == "in" else "postrouting")))
        for i, ln in enumerate(routed):
            y, name = 196 + 30 * i, ln.end.name
            peer = f"{ln.peer.ns} ⇄" if side == "in" else f"⇄ {ln.peer.ns}"
            out.append(_pill(x, y, w, name, name, side, _("%(name)s: routed uplink to %(peer)s")
                             % {"name": name, "peer": ln.peer.ns},
                             stage="ip:" + ("prerouting" if side == "in" else "postrouting")))
            out.append(f'<text class="peer" {_attrs(x=x + w / 2, y=y - 8)} '
                       f'text-anchor="middle">{escape(peer)}</text>')
        if ports:
            label = _("containers")
            label = f"{label} ⇄" if side == "in" else f"⇄ {label}"
            out.append(f'<text class="peer" {_attrs(x=x + w / 2, y=ports_y - 8)} '
                       f'text-anchor="middle">{label}</text>')
    if bridges:
        # the bridges' own ports to the host stack, on the arrows between the layers
        ix, iw = COL["input"]
        label = " · ".join(bridges)
        w = 14 + 7 * len(label)
        ox, ow = COL["output"]
        for x, side in ((ix + 4, "up"), (ox + ow / 2 - w / 2, "down")):
            out.append(_pill(x, 242, w, label, bridges[0], side,
                             _("the bridge's own port: frames to/from the host stack"),
                             stage="bridge:" + ("input" if side == "up" else "output")))
    return out


def _iface_edges(topology: Topology | None, stages) -> list[str]:
    """Short arrows from the edge interfaces into the first hook and out of the last."""
    topology, out = Topology.from_dict(topology or {}), []
    for fam, ok, y in (("bridge", topology.ports(), None), ("ip", topology.uplinks(), 207)):
        if not ok:
            continue
        px, py, pw, ph = stages[f"{fam}:prerouting"]
        qx, qy, qw, qh = stages[f"{fam}:postrouting"]
        ya = y if y is not None else py + ph / 2
        yb = y if y is not None else qy + qh / 2
        for x1, y1, x2, y2 in ((IF_IN[0] + IF_IN[1] + 2, ya, px, ya),
                               (qx + qw, yb, IF_OUT[0] - 2, yb)):
            out.append(f'<path class="edge edge-if" {_attrs(d=f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}")} '
                       f'marker-end="url(#arrow)"/>')
    return out


def _words() -> dict:
    """The diagram's own words, in the page's language (gettext: locale/)."""
    return {"net": _("NETWORK LAYER"), "net_sub": _("ip family · iptables"),
            "link": _("LINK LAYER"), "link_sub": _("bridge family · ebtables"),
            "probe": _("trace probe"),
            "title": _("Netfilter and bridge hooks: the packet moves box by box. Each table is "
                       "a button: arrow keys move between them.")}


def render(topology: Topology | dict | None = None, present: set[str] | None = None) -> str:
    lay, words = layout(), _words()
    stages, boxes = lay["stages"], lay["boxes"]
    parts = [
        f'<svg class="diagram" viewBox="0 0 {W} {H}" role="group" '
        f'aria-labelledby="diagram-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="diagram-title">' + escape(words["title"], quote=False) + '</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>',
        f'<rect class="layer layer-ip" {_attrs(x=2, y=NET[0], width=W - 4, height=NET[1] - NET[0], rx=10)}/>',
        f'<rect class="layer layer-bridge" {_attrs(x=2, y=LINK[0], width=W - 4, height=LINK[1] - LINK[0], rx=10)}/>',
        f'<text class="layer-label" {_attrs(x=14, y=NET[0] + 18)}>{words["net"]}</text>',
        f'<text class="layer-sub" {_attrs(x=14, y=NET[0] + 32)}>{words["net_sub"]}</text>',
        f'<text class="layer-label" {_attrs(x=14, y=LINK[0] + 18)}>{words["link"]}</text>',
        f'<text class="layer-sub" {_attrs(x=14, y=LINK[0] + 32)}>{words["link_sub"]}</text>',
    ]
    edges = [e for e in model.EDGES if e[0] in stages and e[1] in stages]
    parts.append('<g class="edges">' + "".join(_edge(a, b, stages) for a, b in edges))
    parts += _iface_edges(topology, stages)
    parts.append("</g>")
    parts += _interfaces(topology, stages)
    for sid, (x, y, w, h) in stages.items():
        if ":" in sid:
            fam, hook = sid.split(":")
            parts.append(
                f'<g class="stage stage-{fam}" {_attrs(data_stage=sid)}>'
                f'<rect class="stage-bg" {_attrs(x=x, y=y, width=w, height=h, rx=8)}/>'
                f'<text class="stage-name" {_attrs(x=x + 10, y=y + 16)}>{hook.upper()}</text>'
                f'<text class="stage-fam" {_attrs(x=x + w - 10, y=y + 16)} text-anchor="end">'
                f'{fam}</text>'
                f'<text class="pick" {_attrs(x=x + w - 10, y=y + 16)} text-anchor="end"></text></g>')
        else:
            label = str(DECISION_LABELS.get(model.DECISIONS[sid].label, model.DECISIONS[sid].label))
            words = label.replace(" (FDB)", "").split(" ", 1)
            # line offsets in em: the labels stay centred at any font size (presenter: larger)
            first = "-0.2em" if len(words) > 1 else "0.35em"
            lines = "".join(f'<tspan {_attrs(x=x + w / 2, dy=first if i == 0 else "1.05em")}>{escape(wd)}</tspan>'
                            for i, wd in enumerate(words))
            parts.append(
                f'<g class="decision" {_attrs(data_stage=sid)}><title>{escape(label)}</title>'
                f'<rect {_attrs(x=x, y=y, width=w, height=h, rx=h / 2 if h < 42 else 10)}/>'
                f'<text {_attrs(x=x + w / 2, y=y + h / 2 - 2)} '
                f'text-anchor="middle">{lines}</text></g>')
    for b in boxes:
        if b.get("conntrack"):
            cy = b["y"] + CT / 2 - 2
            parts.append(f'<g class="ct-mark"><line {_attrs(x1=b["x"], y1=cy, x2=b["x"] + b["w"], y2=cy)}/>'
                         f'<text {_attrs(x=b["x"] + b["w"] / 2, y=cy + 3.5)} text-anchor="middle">'
                         f'conntrack</text></g>')
            continue
        absent = (present is not None and not b.get("probe")
                  and f'{b["family"]}:{b["table"]}' not in present)
        parts.append(_box(b, absent))
    parts.append('<g id="nat-marks" class="nat-marks" aria-hidden="true"></g>')
    parts.append('<g id="token" class="token" aria-hidden="true" transform="translate(-40,-40)">'
                 '<circle r="11" class="halo"/><circle r="7" class="dot"/>'
                 '<text class="drop-x" y="4.5" text-anchor="middle">✕</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)


def _box(b: dict, absent: bool = False) -> str:
    x, y, w, h = b["x"], b["y"], b["w"], b["h"]
    order = (f'<g class="order" aria-hidden="true"><circle {_attrs(cx=x, cy=y + 1, r=7)}/>'
             f'<text {_attrs(x=x, y=y + 4.5)} text-anchor="middle"></text></g>')
    if b.get("probe"):
        probe_title = (_("bridge trace table (the sandbox's own probe, priority %(priority)s): "
                         "sets nftrace") % {"priority": model.TRACE_PRIORITY})
        return (f'<g class="box probe" {_attrs(data_box=b["key"], data_x=x, data_y=y, data_w=w, data_h=h)}>'
                f'<title>{escape(probe_title, quote=False)}</title>'
                f'<rect {_attrs(x=x, y=y, width=w, height=h, rx=3)}/>'
                f'<text {_attrs(x=x + 6, y=y + 9)}>{escape(_words()["probe"], quote=False)}</text></g>')
    cls = "box" + ("" if b["available"] else " unavailable") + (" absent" if absent and b["available"] else "")
    label = f'{b["family"]} {b["table"]} {b["chain"]}'
    title = _("%(box)s (priority %(priority)s)") % {"box": label, "priority": b["priority"]}
    if b["note"]:
        title += f": {b['note']}"
    elif absent:
        title += ": " + _("this sandbox creates no such table")
    extra = (f'<text class="note" {_attrs(x=x + 8, y=y + 24)}>{escape(_("not in this kernel"), quote=False)}</text>'
             if not b["available"] else
             f'<text class="detail" {_attrs(x=x + 8, y=y + 24)}></text>')
    return (f'<g class="{cls}" {_attrs(data_box=b["key"], data_x=x, data_y=y, data_w=w, data_h=h)} '
            f'role="button" tabindex="-1" aria-label="{escape(label)}">'
            f'<title>{escape(title)}</title>'
            f'<rect {_attrs(x=x, y=y, width=w, height=h, rx=5)}/>'
            f'<text class="tname" {_attrs(x=x + 8, y=y + 12)}>{escape(b["table"])}</text>'
            f'<text class="badge" {_attrs(x=x + w - 7, y=y + 12)} text-anchor="end"></text>'
            f'<text class="ct" {_attrs(x=x + w - 7, y=y + 24)} text-anchor="end"></text>'
            f'{extra}{order}</g>')


def present_tables(lesson) -> set[str] | None:
    """"family:table" the lesson's sandbox creates (its rulesets, its own rules, the tracing)."""
    if lesson is None:
        return None
    sets = [registry.ruleset_rules(name, lesson.root)
            for name in (*lesson.rulesets, "trace")] + [lesson.rules]
    out = set()
    for rules in sets:
        out |= {"ip:" + t for t in ruleset.parse(rules.get("iptables") or "").names()}
        out |= {"bridge:" + t for t in ruleset.parse_commands(rules.get("ebtables") or []).names()}
    for step in lesson.steps:    # tables a step's own iptables/ebtables commands create
        for a in step.actions:
            if a.kind in ("iptables", "ebtables"):
                table = ruleset.command_table(a.args)[0]
                out.add(("ip:" if a.kind == "iptables" else "bridge:") + table)
    return out


@register.simple_tag
def netfilter_diagram(lesson=None, step: int | None = None):
    """The diagram of a lesson, with its sandbox as it is once steps 1..``step`` ran."""
    try:
        if isinstance(lesson, registry.Lesson) and step is not None:
            lesson = dockersets.for_step(lesson, lesson.step(int(step)))    # the step's docker
        present = present_tables(lesson)
    except (OSError, registry.LessonError):
        present = None
    topology = getattr(lesson, "topology", None)
    if topology is not None and step is not None:
        topology = Topology.from_dict(topology).at(int(step))
    return mark_safe(render(topology, present))


@register.filter
def get_item(mapping, key):
    """``{{ progress.steps|get_item:s.number }}``: a dict's value by key (int or str)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key, mapping.get(str(key)))
