// Focus on the packet that matters (pure): which hops the replay shows, where it starts,
// which interfaces a packet really reached, and the NAT it went through.
import { isDrop, isLog, natDiff } from "./fmt.js";

// the protocols the step is about (page_data.step.about): their hops are never hidden
let subject = new Set();
export function setSubject(protos) { subject = new Set(protos || []); }

// why a hop is hidden by default: the sandbox's probes always; ARP unless its packet is chosen
// or the step is about ARP
export function hiddenKind(ev, journey = null) {
  if (ev.probe) return "probe";
  if (ev.proto === "arp" && journey == null && !subject.has("arp")) return "arp";
  return null;
}

// Log lines folded into their hops: an NFLOG report of a packet at a chain the trace also
// reported it at (same packet, same family, table and base chain) is that hop's, not a hop
// of its own. -> Map(log event -> the trace event it belongs to, the nearest in order)
export function foldLogs(events) {
  const byJourney = new Map();
  for (const e of events) {
    if (!byJourney.has(e.journey)) byJourney.set(e.journey, []);
    byJourney.get(e.journey).push(e);
  }
  const out = new Map();
  const chainOf = (e) => `${e.family} ${e.table} ${e.base_chain || e.chain}`;
  for (const evs of byJourney.values()) {
    for (const l of evs) {
      if (!isLog(l) || l.journey == null) continue;
      let best = null;
      for (const e of evs) {
        if (isLog(e) || e.probe || chainOf(e) !== chainOf(l)) continue;
        if (!best || Math.abs(e.seq - l.seq) < Math.abs(best.seq - l.seq)) best = e;
      }
      if (best) out.set(l, best);
    }
  }
  return out;
}

// the folded log lines of one hop (folded: foldLogs' map)
export function logsOf(ev, folded) {
  const out = [];
  for (const [l, host] of folded || []) if (host === ev) out.push(l);
  return out;
}

// the hops the player walks: one packet's or every packet's, probe and ARP hops hidden unless
// shown, log lines folded into their hops unless asked apart (folded: foldLogs' map)
export function buildTimeline(events, { journey = null, showHidden = false, folded = null } = {}) {
  return events.filter((e) => (journey == null || e.journey === journey)
    && (showHidden || !hiddenKind(e, journey)) && !(folded && folded.has(e)));
}

// {n, probe, arp}: what buildTimeline hides for this choice of packet
export function hiddenCounts(events, { journey = null } = {}) {
  const out = { n: 0, probe: 0, arp: 0 };
  for (const e of events) {
    if (journey != null && e.journey !== journey) continue;
    const k = hiddenKind(e, journey);
    if (k) { out.n += 1; out[k] += 1; }
  }
  return out;
}

// the step's first request of its traffic's protocol (page_data.prediction.proto)
export function firstRequest(journeys, proto) {
  const js = (journeys || []).filter((j) => j.direction === "request" && (!proto || j.proto === proto));
  js.sort((a, b) => (a.first_seq ?? 0) - (b.first_seq ?? 0));
  return js[0] || null;
}

// where the replay starts: the first hop of that request in the timeline (else the first hop)
export function startIndex(timeline, journeys, proto) {
  if (!timeline.length) return -1;
  const first = firstRequest(journeys, proto);
  const i = first ? timeline.findIndex((e) => e.journey === first.id) : -1;
  return i >= 0 ? i : 0;
}

// The hops of the current packet shown so far: timeline[0..i] of the same journey.
export function packetSoFar(timeline, i) {
  const ev = timeline[i];
  if (!ev) return [];
  return timeline.slice(0, i + 1).filter((e) => e.journey === ev.journey);
}

// The interfaces (pills of the diagram) a packet reached, from its hops so far.
// pills: [{id, name, side ("in"|"out"|"up"|"down"), stage (the stage it connects to)}].
// In: the packet came in from it. Out / up / down: the packet got to the pill's stage alive
// (out: toward that device). A dropped packet reaches nothing past its drop, and the out
// interface routing picked earlier (FORWARD's oif) is not "reached" until the packet is there.
export function reachedIfaces(hops, stageKey, pills) {
  const lit = new Set();
  const alive = [];
  for (const e of hops) {
    if (isDrop(e)) break;
    alive.push(e);
  }
  for (const p of pills) {
    if (p.side === "in") {
      if (hops.some((e) => e.iif === p.name || e.physin === p.name)) lit.add(p.id);
    } else if (alive.some((e) => stageKey(e) === p.stage && !isLog(e)
        && (p.side !== "out" || e.oif === p.name || e.physout === p.name))) {
      lit.add(p.id);
    }
  }
  return lit;
}

// NAT the current packet went through, at boxes it already reached:
// [{box, field ("src"|"dst"), old, new, kind ("DNAT"|"SNAT"|"MASQUERADE"), where}]
// from the journey's own list (the result) and from the hops (address changes after a nat hop).
export function natMarks(journey, hops, model, allHops = hops) {
  const reached = new Set(hops.map((e) => model.boxKey(e)));
  const marks = [];
  const add = (box, field, old, neu) => {
    if (!box || !reached.has(box) || marks.some((m) => m.box === box && m.field === field)) return;
    const masq = hops.some((e) => model.boxKey(e) === box && /MASQUERADE/.test(e.rule || ""));
    marks.push({ box, field, old, new: neu, where: model.tableLabel(box),
      kind: masq ? "MASQUERADE" : field === "dst" ? "DNAT" : "SNAT" });
  };
  const stages = new Set(hops.map((e) => model.stageKey(e)));
  for (const n of (journey && journey.nat) || []) {
    if (n.field !== "src" && n.field !== "dst") continue;
    if (n.at === "conntrack" && n.hook) {
      // conntrack applied the flow's mapping (or its reverse, for a reply) at this hook with
      // no nat chain running: drawn at the hook's nat box once the packet reached the hook
      const [fam, chain] = String(n.hook).split(" ");
      const box = model.boxOfPlace(`${fam} nat ${chain}`);
      const stage = `${fam}:${model.hookOfChain(chain)}`;
      if (box && stages.has(stage) && !marks.some((m) => m.box === box && m.field === n.field)) {
        marks.push({ box, field: n.field, old: n.old, new: n.new, where: model.hookLabel(stage),
          kind: n.reverse ? "REVERSE" : "CONNTRACK", hookOnly: true });
      }
      continue;
    }
    add(model.boxOfPlace(n.at), n.field, n.old, n.new);
  }
  for (let k = 0; k < hops.length; k++) {
    const e = hops[k];
    if (e.table !== "nat" || isLog(e)) continue;
    const j = allHops.indexOf(e);
    const next = allHops.slice(j + 1).find((x) => x.src != null && !isLog(x) && model.boxKey(x) !== model.boxKey(e));
    for (const d of natDiff(e, next)) add(model.boxKey(e), d.field === "source" ? "src" : "dst", d.old, d.new);
  }
  return marks;
}

// the box order of one packet: "family:table:hook" in the order it first reached each
export function boxOrder(hops, boxKey) {
  const seen = [];
  for (const e of hops) {
    const k = boxKey(e);
    if (!seen.includes(k)) seen.push(k);
  }
  return seen;
}
