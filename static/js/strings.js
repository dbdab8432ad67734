// The message catalogue: every string the scripts show to the learner, in one place,
// so the interface can be translated later. Placeholders are {name}; see t().

export const S = {
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
    error: "Error: {message}",
  },
  player: {
    play: "Play", pause: "Pause", first: "First hop", back: "Step back", fwd: "Step forward",
    last: "Last hop",
  },
  hidden: {
    show: "Show {n} hidden hops", hide: "Hide {n} probe and ARP hops", title: "Hidden by default: {what}",
    none: "No probe or ARP hops", probes: "probes", arp: "ARP", both: "probes and ARP",
  },
  journeys: {
    all: "all", every: "every packet ({n} events)", meta: "first event {seq} · {n} events",
    empty: "No packets yet.", droppedHere: "{n} dropped: shown first",
  },
  inspector: {
    empty: "Select a hop.", natNext: "NAT: the next hop sees ", natJourney: "NAT in this table (journey): ",
    headersFirst: "headers (first hop)", headersDiff: "headers (Δ = changed since the previous hop)",
    headersNote: "; every value is the kernel's at this chain unless marked derived",
    derived: " (derived)", derivedTitle: "worked out by the visualizer, not in the kernel's message at this chain",
    derivedReturn: "the kernel reported the end of this user chain (a message with no rule and no verdict of its own): that the packet returns to the chain that jumped here is the visualizer's reading",
    trail: "steps in this table, user chains indented",
  },
  result: {
    ok: "✓ replies received", bad: "✕ no reply", okWords: "replies received", badWords: "no reply",
    right: "right", wrong: "wrong", counts: " {tx} transmitted, {rx} received",
    savedAs: "saved as ", recordedAs: "recorded run: ", recordedRun: "recorded run", json: "JSON",
    text: "text", copyLink: "copy link", copied: "link copied", next: "Next step: {title} →",
    last: "That was the last step. All lessons →", predictionLine: "Your prediction: {right} of {total} right (details next to the Run button).",
  },
  grade: {
    passed: "✓ the kernel showed what this step expects",
    failed: "✕ the kernel did not show what this step expects",
    kernel: " (kernel: {observed})",
  },
  predict: {
    title: "Your prediction", right: "{right} of {total} right", yes: "yes", no: "no",
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
    nat: { DNAT: "DNAT", SNAT: "SNAT", MASQUERADE: "MASQUERADE", src: "src", dst: "dst" },
    natTitle: "{kind} in {where}", zoomIn: "Zoom in", zoomOut: "Zoom out", zoomFit: "Fit",
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
  },
  copy: { copy: "copy", copied: "copied" },
  // the instructor's board (visualizer/workshops/static/workshops/board.js)
  board: {
    learner: "Learner", step: "{lesson} {step}", stepTryIt: "{lesson} {step} (try it)",
    option: "{lesson} · step {step}: {title}", here: "here", spotTitle: "spotlight this run",
    status: { passed: "passed", failed: "failed", ran: "ran", running: "running" },
    statusIcon: { passed: "✓", failed: "✕", ran: "•", running: "…", other: "?" },
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
  },
  // a learner's page in a workshop (visualizer/workshops/static/workshops/workshop.js)
  seat: {
    stayAhead: "The room moved to {lesson} step {step}; you stay ahead.",
    closed: "The instructor closed this workshop.",
    reconnecting: "Reconnecting to the room…",
  },
};

// "{n} events" with {n} from vars; unknown names stay as they are
export function t(template, vars = {}) {
  return String(template).replace(/\{(\w+)\}/g, (m, k) => (vars[k] ?? m));
}
