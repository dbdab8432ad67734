// The message catalogue: every string the scripts show to the learner, in one place, in
// English (EN) and per language (strings.<lang>.js, the same keys). Placeholders are {name};
// see t(). S is the page's language (its <html lang>, set by Django from the switch or
// Accept-Language), English where a key is missing.
import { CATALOGUE as JA } from "./strings.ja.js";
import { CATALOGUE as ZH_HANS } from "./strings.zh-hans.js";
import { CATALOGUE as ZH_HANT } from "./strings.zh-hant.js";

export const EN = {
  verdict: {
    accept: "accept", drop: "drop", reject: "reject", continue: "continue", jump: "jump",
    goto: "goto", return: "return", queue: "queue", stolen: "stolen", logged: "logged",
    seen: "seen", policy: "policy {verdict}", jumpTo: "{verb} {target}",
  },
  outcome: {
    delivered: "delivered", dropped: "dropped", local: "to the host", sent: "sent",
    lost: "never arrived", stopped: "stopped", unknown: "unknown", pending: "in flight",
    droppedIn: "dropped in {where}",
  },
  direction: { request: "request", reply: "reply" },
  icmp: { 8: "echo-request", 0: "echo-reply", 3: "unreachable", 11: "time-exceeded", other: "type {n}" },
  fields: {
    iif: "in interface", oif: "out interface", physin: "bridge port in", physout: "bridge port out",
    mac_src: "MAC source", mac_dst: "MAC destination", src: "IP source", dst: "IP destination",
    proto: "protocol", sport: "source port", dport: "destination port", icmp_type: "ICMP type",
    icmp_code: "ICMP code", icmp_id: "ICMP id", icmp_seq: "ICMP seq", ip_id: "IP id", ttl: "TTL",
    tcp_flags: "TCP flags", ct_state: "conntrack state", ct_direction: "ct direction",
    ct_status: "ct status", ct_id: "ct id",
  },
  hop: {
    noRule: "(no rule)", policyOf: "policy of {chain}", probe: "sandbox probe (sets nftrace)",
    logPrefix: "log prefix {prefix}", probeTag: "probe", ct: "ct {state}",
    packet: "packet #{id} {direction}", position: "hop {n} of {total}", positionShort: "hop {n}/{total}",
    none: "hop 0/0",
  },
  caption: {
    idle: "Predict what will happen (or skip), then press “Run”: the kernel's trace events will move the packet through the diagram.",
    idleRecorded: "A recorded run: the replay starts at the step's first request.",
    receiving: "The kernel is reporting: {n} events so far…",
    ready: "Ready: press Play or the → key to follow the packet.",
    noEvents: "The kernel reported no trace events: no packet reached a traced hook.",
    startHere: "The replay starts at the first {proto} request (hop {n}); earlier hops are ARP and probes.",
  },
  announce: {
    playing: "Playing from hop {n} of {total}.",
    paused: "Paused at hop {n} of {total}: {hop}.",
    ended: "End of the replay, hop {n} of {total}: {hop}.",
    hop: "Hop {n} of {total}: {hop}.",
    runStarted: "Run started. The page moved to the diagram.",
    runDone: "Run finished: {outcome}. {prediction}",
    predictionScore: "Your prediction: {right} of {total} right.",
    predictionScoreRecorded: "This run's prediction: {right} of {total} right.",
    error: "Error: {message}",
  },
  player: {
    play: "Play", pause: "Pause", first: "First hop", back: "Step back", fwd: "Step forward",
    last: "Last hop",
  },
  hidden: {
    show: "Show {n} hidden hops", hide: "Hide {n} probe and ARP hops", title: "Hidden by default: {what}",
    none: "No probe or ARP hops", probes: "probes", arp: "ARP", both: "probes and ARP",
    logsApart: "Show {n} log lines apart", logsFold: "Fold {n} log lines into their hops",
    logsTitle: "An NFLOG line reports the same packet at the same chain as the trace line it is folded into",
  },
  docker: {
    label: "docker's rules", title: "Run this step under the rules another docker version writes (the step's expectations are written for its own)",
    ran: "This run loaded {name}'s rules.",
    names: { "27": "docker ≤ 27", "28": "docker 28+ (iptables)", "29-nftables": "docker 29 (nftables backend)" },
  },
  compare: {
    heading: "Side by side", note: "The same traffic under each docker version's rules: the chains the first request entered, as the kernel traced them, and what became of it.",
    runAll: "Run under {names}", chains: "chains of the first request", outcome: "outcome", reply: "its reply",
    notRun: "not run yet", noReply: "no reply",
  },
  journeys: {
    all: "all", every: "every packet ({n} events)", meta: "first event {seq} · {n} events",
    empty: "No packets yet.", droppedHere: "{n} dropped: shown first", story: "story",
  },
  inspector: {
    empty: "Select a hop.", natNext: "NAT: the next hop sees ", natJourney: "NAT in this table (journey): ",
    natSeen: "NAT, as the capture on {iface} shows it leave: ",
    headersFirst: "headers (first hop)", headersDiff: "headers (Δ = rewritten since the previous hop: NAT, TTL or MAC; a new interface name is said in words)",
    headersNote: "; every value is the kernel's at this chain unless marked derived",
    derived: " (derived)", derivedTitle: "worked out by the visualizer, not in the kernel's message at this chain",
    derivedReturn: "the kernel reported the end of this user chain (a message with no rule and no verdict of its own): that the packet returns to the chain that jumped here is the visualizer's reading",
    trail: "steps in this table, user chains indented",
    origin: "from: {origin}",
    chainHead: "Rules of {chain}", chainNote: "matched as the kernel reported; checked and not reached worked out from the ruleset's order (derived: the kernel reports only the rule that matched)",
    marks: { matched: "✓ matched", checked: "✕ checked, did not match", unreached: "· not reached",
      untraced: "· before tracing began", current: "▶" },
    markWords: { matched: "matched", checked: "checked, did not match", unreached: "not reached",
      untraced: "ran before the trace rule: the kernel reports nothing of it" },
    policyRow: "policy {verdict}", endRow: "end of the chain: back to the chain that jumped here",
    why: "{why}",
    renamedLayer: "{old} at the previous hop: bridge hooks name the bridge port, ip hooks the bridge device ({dev}); the packet did not change",
    renamedRoute: "{old} at the previous hop: the routing decision picked this interface; the packet itself did not change",
    rewrittenAt: "rewritten at {at}",
    rewrittenReverse: "conntrack's reverse mapping for this reply, applied at {hook} (derived: no chain reports it)",
    rewrittenConntrack: "rewritten by conntrack at {hook}, with the mapping recorded for the flow's first packet (derived)",
    logged: "● also logged here (NFLOG{prefix}): the log copy of this same hop",
    loggedPrefix: ", prefix {prefix}",
    ctWords: "conntrack words", story: "The story of packet #{id}",
  },
  // one-line glosses of the conntrack words the events and the conntrack pane show
  ct: {
    state: {
      new: "new: a flow conntrack has seen in one direction only: its first packet, or a later one while no reply came",
      established: "established: part of a flow conntrack already knows that has seen packets both ways (a reply counts)",
      related: "related: a new flow tied to one conntrack already knows (an ICMP error about it, an FTP data connection)",
      invalid: "invalid: conntrack could not place it in any flow (for example a TCP segment that fits no connection)",
      untracked: "untracked: conntrack was told not to follow it (a NOTRACK rule in the raw table)",
    },
    status: {
      expected: "expected: a flow a helper announced before its first packet (an FTP data connection)",
      seen_reply: "seen_reply: a packet of the reply direction has been seen",
      assured: "assured: traffic went both ways (for TCP, the handshake finished): the entry is not evicted early when the table is full",
      confirmed: "confirmed: the entry is in the conntrack table: the flow's first packet passed its last hook (POSTROUTING or INPUT)",
      src_nat: "src_nat: the flow's source address is rewritten (SNAT or MASQUERADE)",
      dst_nat: "dst_nat: the flow's destination address is rewritten (DNAT)",
      seq_adjust: "seq_adjust: TCP sequence numbers are adjusted (a helper changed a payload's length)",
      src_nat_done: "src_nat_done: the nat table's source step (POSTROUTING, INPUT) has run for this flow, whether or not a rule rewrote anything",
      dst_nat_done: "dst_nat_done: the nat table's destination step (PREROUTING, OUTPUT) has run for this flow, whether or not a rule rewrote anything: a flow with no DNAT has it too",
      dying: "dying: the entry is being removed",
      fixed_timeout: "fixed_timeout: the entry's timeout is not refreshed by its packets",
      template: "template: not a flow, a template conntrack uses for new entries",
      untracked: "untracked: the packet is not tracked",
      helper: "helper: a protocol helper follows this flow",
      offload: "offload: the flow is handled by the flowtable fast path",
      hw_offload: "hw_offload: the flow is handled by the network card",
      unreplied: "unreplied: no packet of the reply direction yet",
      replied: "replied: a packet of the reply direction has been seen",
    },
    direction: {
      original: "original: the direction of the flow's first packet",
      reply: "reply: the opposite direction, the answer to the flow's first packet",
    },
  },
  result: {
    ok: "✓ replies received", bad: "✕ no reply", okWords: "replies received", badWords: "no reply",
    right: "right", wrong: "wrong", counts: " {tx} transmitted, {rx} received",
    savedAs: "saved as ", recordedAs: "recorded run: ", recordedRun: "recorded run", json: "JSON",
    text: "text", pcapng: "pcap-ng",
    pcapngTitle: "the run's captures for Wireshark: one interface per captured device (ns:dev), each frame's journey and hop in its comment",
    inspected: "What the step looked at (each command's output)",
    copyLink: "copy link", copied: "link copied", next: "Next step: {title} →",
    last: "That was the last step. All lessons →", predictionLine: "Your prediction: {right} of {total} right (details next to the Run button).",
    predictionLineRecorded: "This run's prediction: {right} of {total} right (details in the run panel).",
  },
  grade: {
    passed: "✓ the kernel showed what this step expects",
    failed: "✕ the kernel did not show what this step expects",
    kernel: " (kernel: {observed})",
  },
  predict: {
    natPlaceholder: "a.b.c.d[:port]",
    title: "Your prediction", right: "{right} of {total} right", yes: "yes", no: "no",
    titleRecorded: "This run's prediction", saidRecorded: "it said {said}",
    through: "Gets through", dies_at: "Where it dies", hooks: "Hooks of the first request",
    nat_addr: "Address after NAT", nowhere: "nowhere: it was not dropped", none: "(none)",
    captures: "What each capture shows", kind: { arp: "ARP", request: "requests", reply: "replies" },
    nothing: "nothing",
    noRewrite: "no address rewritten", pickBox: "Now click the diagram box where it dies.",
    picked: "You chose {box}.", pickHooks: "Click the hooks in order, in the diagram.",
    hookCount: "{n} hooks chosen", skipped: "No prediction: you skipped it.",
    yourSaid: "you said {said}", kernelSaid: "kernel: {kernel}", mark: { right: "✓", wrong: "✕" },
    q: {
      through: "Will the traffic get through?",
      dies_at: "Where does it die? Click its box in the diagram, or choose it here:",
      hooks: "Which hooks does the first request visit, in order? Click them in the diagram:",
      nat_addr: "Which address will the first request carry after NAT?",
      captures: "What will each capture show? Tick what you expect to see on each interface:",
      intro: "Think first: what will the kernel do? Every part is optional.",
      skip: "Skip the prediction", unskip: "Predict after all", choose: "choose a box", chooseHooks: "Choose hooks in the diagram",
      stopHooks: "Done choosing", undo: "Undo last", clear: "Clear", skipped: "Skipped: this run is not graded against a prediction.",
    },
    pickMode: "choosing", badAddr: "Type an IPv4 address like 203.0.113.10, or an address and port like 172.17.0.2:80, or leave it empty.",
    captureOf: "capture on {iface}",
  },
  run: {
    run: "Run", runWithRules: "Run with your rules", running: "Running…", connecting: "connecting to the lab…",
    noRules: "The rule box is empty: this runs the step as it is, without a rule of yours.",
    tooMany: "At most {n} rules, one per line.", tooLong: "Rule {n} is longer than {max} characters.",
    closed: "The connection to the lab closed during the run.",
    done: "done: replies received", doneBad: "done: no reply", error: "error",
    recorded: "recorded run: replaying stored events", wsFailed: "the websocket to the lab failed",
    wsUnreachable: "cannot reach the lab websocket", useRule: "use this rule", useRules: "use these rules",
    usedRule: "In the rule box: press Run.",
  },
  errorKind: {
    input: "Check your input", forbidden: "Not allowed in the lab", busy: "A run is already going",
    rate_limited: "Too many runs: wait a moment", lab_full: "The lab is busy: try again soon",
    unavailable: "The lab cannot start here", timeout: "The run took too long", lab: "The lab failed this run",
    internal: "Something broke on the server",
  },
  tabs: {
    rulesEmpty: "Rules appear after a run.", ctEmpty: "Conntrack appears after a run.",
    ctNone: "The conntrack table is empty.", ctHiddenProto: "{proto} (hidden)",
    ctHiddenNote: "Flows marked hidden are traffic no lesson is about ({protos}): the kernel reported {n} events of it in this run, left out of the hops.", capEmpty: "Captures appear after a run.",
    capNone: "Nothing was captured.", capIface: "{iface} ({n} packets)",
    ctHead: ["id", "proto", "state", "original", "reply", "status", "NAT", "timeout"],
  },
  diagram: {
    nat: { DNAT: "DNAT", SNAT: "SNAT", MASQUERADE: "MASQUERADE", REVERSE: "conntrack un-NAT", CONNTRACK: "conntrack NAT",
      src: "src", dst: "dst" },
    natTitle: "{kind} in {where}", natTitleAt: "{kind} at {where} (no nat chain runs)",
    killedAfter: "then dropped by the kernel: {where} (no rule dropped it; see the journey)", zoomIn: "Zoom in", zoomOut: "Zoom out", zoomFit: "Fit",
  },
  layout: { present: "Present", leave: "Leave presenter view" },
  // the step's text before and after the run (steptext.js)
  steptext: {
    reveal: "Show the explanation (you ran this step before)",
    hopTitle: "Select this hop in the diagram", hopMissing: "This run has no such hop.",
    selected: "Selected {hop}.",
  },
  progress: {
    none: "Not started yet: your progress is kept in this browser.",
    run: "{run} of {total} steps run", predicted: " · {right} of {n} predictions right", finished: " · ✓ finished",
    doneMark: "(run)",
  },
  copy: { copy: "copy", copied: "copied" },
  // the experiment page (experiment.js, experimentitems.js, nodepick.js)
  experiment: {
    saveLesson: "Save as lesson", replayLink: "A link to this run's replay",
    idle: "Pick the traffic on the diagram (a source, then a destination) or in the form, then press “Run”: the kernel's trace events will move the packet through the diagram.",
    addItem: "+ Add a traffic item", item: "Item {n}", remove: "Remove", removeItem: "Remove traffic item {n}",
    from: "From", to: "To", proto: "Protocol", port: "Port", count: "Count", size: "Size (bytes)", ttl: "TTL",
    notTaken: { icmp: { port: "icmp has no port" }, tcp: { count: "a TCP item opens one connection", size: "a TCP connection test sends no payload" },
      http: { count: "an HTTP item makes one request", size: "an HTTP item sends a plain GET, no payload", ttl: "curl sets no TTL" } },
    pickFrom: "Traffic item {n}: click its source on the diagram (each interface at the edge stands for the node behind it), or fill in the form.",
    pickTo: "Traffic item {n}: from {from}. Now click its destination.",
    picked: "Traffic item {n}: from {from} to {to}. Run it, or click again for a new source.",
    pill: "{node} ({address}, by {iface})", isFrom: "source", isTo: "destination",
    pillsAre: "On the diagram: {list}.", offDiagram: "Not on the diagram:",
  },
  // the instructor's board (visualizer/workshops/static/workshops/board.js)
  board: {
    learner: "Learner", step: "{lesson} {step}", stepTryIt: "{lesson} {step} (try it)",
    option: "{lesson} · step {step}: {title}", here: "here", spotTitle: "spotlight this run",
    status: { passed: "passed", failed: "failed", ran: "ran", running: "running", reset: "reset" },
    statusIcon: { passed: "✓", failed: "✕", ran: "•", running: "…", reset: "↺", other: "?" },
    cell: "{icon} {status}", cellRight: "{icon} {status} · predicted ✓", cellWrong: "{icon} {status} · predicted ✕",
    died: " died in {where}", ahead: " (ahead)", away: " (elsewhere)",
    roomOne: "{where}: {n} learner", roomMany: "{where}: {n} learners", roomNone: "no packet has died yet",
    where: "The room is on {lesson}, step {step}.",
    whereClosed: "The room is on {lesson}, step {step}. This workshop is closed.",
    preparing: "Preparing {lesson} for the room ({count} seats)",
    noLearners: "No learner of the room is connected: press Prepare once they have joined (capacity {capacity})",
    readyOne: "{ready} of {target} sandboxes ready for {lesson} on 1 server (capacity {capacity})",
    readyMany: "{ready} of {target} sandboxes ready for {lesson} on {servers} servers (capacity {capacity})",
    labErrors: "{text} · {errors}",
    cap: {
      setting: "This server's lab holds at most {capacity} sandboxes (set by LAB_MAX_SANDBOXES).",
      memory: "This server's lab holds at most {capacity} sandboxes: {available} MiB of memory available, {per} MiB a sandbox, half kept free.",
      fallback: "This server's lab holds at most {capacity} sandboxes (the machine does not say how much memory it has).",
    },
    confirmClose: "Close this workshop? Learners can no longer join.",
    reconnecting: "Reconnecting to the room: your controls and its learners' rows wait until this clears.",
    // the room at a glance (workshops/roomview.py: states, summaries, thresholds)
    counts: "{connected} of {joined} learners connected · {stuck} stuck · {idle} idle · {done} passed their step",
    thresholds: "Stuck: {fails} failed runs, or {min} minutes on a step, without passing. Idle: nothing heard for {idle} minutes.",
    state: { working: "working", idle: "idle {min} min", idleNever: "not heard from yet", done: "passed this step",
      stuckFails: "stuck: {n} failed runs", stuckTime: "stuck: {min} min on this step" },
    at: "on {lesson} {step}", offline: "page closed", online: "page open",
    summary: "{ran} ran · {passed} passed · {right} of {predicted} predicted right",
    summaryWrong: "most common wrong prediction: “{text}” ({n})",
    summaryDied: "died in {where}: {n}",
    attemptsTitle: "Open {name}'s attempts at {lesson} {step}",
    attemptsOf: "{name} · {lesson} step {step}: {n} attempts, oldest first",
    attemptsNone: "No attempts on this step.",
    attempt: "#{n} · {icon} {status} · {time}",
    predictionRight: "prediction: {text} (right)", predictionWrong: "prediction: {text} (wrong)",
    predictionNone: "prediction: {text}", attemptRules: "rules: {text}", beforeReset: "before the reset",
    permalink: "permalink", spotlight: "Spotlight", closeAttempts: "Close",
    spotlightTitle: "Show this run on every learner's page, in the presenter layout",
    pause: "Pause the room", resume: "Resume the room",
    paused: "The room is paused: learners see “paused by your instructor” and their Run buttons wait until you resume.",
    reset: "Reset step", resetTitle: "Start {name} again on {lesson} {step}: the attempts stay, listed as before the reset",
    confirmReset: "Reset {name}'s {lesson} step {step}? Their attempts stay, no longer counted.",
    remove: "Remove", removeTitle: "Remove {name} from the workshop",
    confirmRemove: "Remove {name} from the workshop? This browser cannot rejoin it.",
    closedControls: "This workshop is closed: its controls no longer act. The board and the CSV stay.",
    present: "Present", presentTitle: "Open the room's step in the presenter layout, for the projector",
  },
  // a learner's page in a workshop (visualizer/workshops/static/workshops/workshop.js)
  seat: {
    stayAhead: "The room moved to {lesson} step {step}; you stay ahead.",
    closed: "The instructor closed this workshop.",
    reconnecting: "Reconnecting to the room…",
    paused: "Paused by your instructor: your Run button waits until the room resumes.",
    reset: "Your instructor reset this step: start it again.",
    removed: "Your instructor removed you from this workshop.",
    spotlight: "Your instructor is showing a run",
    spotlightBy: "Your instructor is showing {name}'s run",
    spotlightNote: "This is not your run: the prediction and rules below are this run's.",
    spotlightPrediction: "This run's prediction: {text}",
    spotlightRules: "This run's rules: {text}",
    back: "Back to your step",
  },
  // an experiment sent to a workshop's room (static/js/experimentroom.js; the board's
  // visualizer/workshops/static/workshops/boardexperiment.js)
  room: {
    at: "on the room's experiment",
    basePlain: "Starts from the plain docker bridge", base: "Starts from {lesson} step {step}",
    baseEnd: "Starts from the end of {lesson}", docker: "Docker rules: {docker}",
    traffic: "Traffic: {from} → {to} ({proto}, count {count})",
    trafficPort: "Traffic: {from} → {to} ({proto} port {port}, count {count})", countDefault: "default",
    extras: "Rules: {rules} · sysctls: {sysctls} · listeners: {listeners}",
    notExperiment: "This is not an experiment's permalink: paste the address of the experiment page (/experiment/?…&traffic=…) or its query.",
    willSend: "The room goes to this experiment, then comes back to {lesson} step {step}:",
    whereExperiment: "The room is on an experiment (an extra step); it comes back to {lesson}, step {step}.",
    col: "Experiment", colTitle: "Each learner's runs of the experiment the room is on, since it was sent",
    cellNone: "not run yet", cell: "{icon} ran ×{n}", outcome: "first request: {outcome}",
    changed: "changed on the page", summary: "{ran} of {joined} ran it", sending: "Sending…",
    banner: "Workshop room", onExperiment: "Your instructor sent room {code} this experiment.",
    follows: "Run it (change it if you like): the board sees your runs. When the room moves on, this page follows.",
    stayAhead: "The room moved to an experiment; you stay ahead.",
  },
};

export const CATALOGUES = { en: EN, ja: JA, "zh-hans": ZH_HANS, "zh-hant": ZH_HANT };

// ``lang``'s value for every key of ``base``, ``base``'s where it has none (or another shape)
export function withFallback(lang, base) {
  if (typeof base !== "object" || base === null) return typeof lang === typeof base ? lang : base;
  const out = Array.isArray(base) ? [] : {};
  for (const [k, v] of Object.entries(base)) out[k] = lang && k in lang ? withFallback(lang[k], v) : v;
  return out;
}

// the keys of ``base`` that ``lang`` lacks, dotted ("journeys.empty")
export function missingKeys(lang, base, at = "") {
  if (typeof base !== "object" || base === null) return lang === undefined || typeof lang !== typeof base ? [at] : [];
  return Object.entries(base).flatMap(([k, v]) => missingKeys(lang && typeof lang === "object" ? lang[k] : undefined, v, at ? `${at}.${k}` : k));
}

export const LANG = typeof document !== "undefined" && document.documentElement.lang in CATALOGUES
  ? document.documentElement.lang : "en";
export const S = withFallback(CATALOGUES[LANG], EN);

// "{n} events" with {n} from vars; unknown names stay as they are
export function t(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (vars[k] ?? m));
}
