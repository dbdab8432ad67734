"""Every message on the wire, declared once, and the constructors that make them.

Routes: ``lab`` (the browser's ``/ws/lab/``), ``workshop`` (a learner's
``/ws/workshop/``), ``board`` (an instructor's ``/ws/board/<code>/``),
``group`` (channel-layer messages between our own processes) and ``line``
(the lab's JSON-lines protocol: requests keyed by ``op``; its replies are the
``lab`` route's server messages plus ``lab.reply``, each with the request's
``id`` first).  The limits come from ``LabConfig``; ``docs/engine-api.md``
lists the same types and fields (``tests/test_wire.py``).  Outside this module
nothing writes a message as a dict literal: senders call these constructors.
"""
from __future__ import annotations

from . import errors, experiment, phrases, predict, rulecheck
from .wire import Field as F
from .wire import Message as M
from .wire import Registry, build

ERROR_FIELDS = (F("kind", "str", "a kind from core/errors.py", True, choices=errors.KINDS),
                F("message", "str", "what went wrong, for the user (English)", True),
                F("message_msg", "dict", "the same as a catalogue message {id, args} (the error.* "
                  "ids of core/errortext.py), rendered in the page's language; null where the "
                  "text is not the product's own (a tool's output)", null=True))
STATUSES = ("queued", "building", "ready", "running", "done")


def _rules(value, cfg):
    return rulecheck.check_list(value, cfg.max_rules, cfg.max_rule_len)


def _prediction(value, cfg):
    return predict.check(value)


LESSON = F("lesson", "str", "a lesson slug", True, max_len=100)
STEP = F("step", "int", "a step number, from 1 (the lesson says how many)", True)
RULES = F("rules", "list", "learner rules (iptables/ebtables arguments)", max_items="max_rules",
          check=_rules)

DOCKER = F("docker", "str", "the docker ruleset to run under (core/dockersets.py: 27, 28, "
           "29-nftables); default: the step's (an experiment's: its base step's)", null=True,
           max_len=20)
# An experiment's own fields (core/experiment.py checks every value, naming the field).
EXPERIMENT = (
    F("base", "str", "\"lesson\" or \"lesson:step\": start from that step's sandbox as the "
      "step leaves it; \"\" or absent: the plain docker bridge", max_len=110),
    RULES,
    F("sysctls", "list", "{ns (default host), name, value}: names from the allowlist "
      "(core/experiment.py SYSCTLS), e.g. net.bridge.bridge-nf-call-iptables, "
      "net.ipv4.ip_forward, net.ipv4.conf.<dev>.route_localnet",
      max_items=experiment.MAX_SYSCTLS),
    F("listeners", "list", "{ns, proto: tcp|udp|http (http: the lab's server of one fixed "
      "page), port 1-65535}: a listener started before the traffic",
      max_items=experiment.MAX_LISTENERS),
    F("traffic", "list", "{from: namespace, to: IPv4 address, proto: icmp|tcp|udp|http, "
      "port (tcp, udp: 1-65535; http: default 80), count (1-10; tcp, http: 1), size (payload "
      "bytes, 0-1400; icmp, udp), ttl (0: the default, 1-255; not http)}, run in order", True,
      max_items=experiment.MAX_ITEMS),
    DOCKER,
)

LAB = [
    M("lab.run", "lab", "client", (
        LESSON, STEP, RULES,
        F("prediction", "dict", "PREDICTION, or null: the learner skipped", null=True,
          check=_prediction),
        F("batch", "bool", "true: take consecutive events as one trace.events message"),
        DOCKER,
    ), "run one lesson step in this connection's sandbox"),
    M("lab.experiment", "lab", "client", (
        *EXPERIMENT,
        F("batch", "bool", "true: take consecutive events as one trace.events message"),
    ), "run an experiment in this connection's sandbox: the same lab.status, trace.event and "
       "lab.result as lab.run (RESULT's experiment: the checked experiment; lesson and step: "
       "the base's, lesson \"_plain\" on the plain bridge), graded by what it observes; a "
       "bad value is a lab.error naming its field"),
    M("lab.open", "lab", "client", (
        LESSON, F("step", "int", "the step on the page", min=1, max=10_000),
    ), "this page shows that lesson: a sandbox is built for it before its first Run "
       "(no reply; a later lab.run may be for any lesson)"),
    M("lab.status", "lab", "server", (
        F("status", "str", "where the run is", True, choices=STATUSES),
        F("detail", "str", "the same, in words (English)"),
        F("detail_msg", "dict", "the same as a catalogue message {id, args} (status.* ids of "
          "core/errortext.py); null when the detail is a command line", null=True),
        F("ahead", "int", "queued: how many runs are ahead of this one"),
    ), "progress of the run"),
    M("trace.event", "lab", "server", (F("event", "dict", "EVENT", True),),
      "one kernel event"),
    M("trace.events", "lab", "server", (F("events", "list", "EVENT, in order", True),),
      "consecutive events as one message, for a client that asked for batch"),
    M("traffic.output", "lab", "server", (F("line", "str", "a line the traffic printed", True),),
      "what ping / telnet printed"),
    M("lab.result", "lab", "server", (
        F("ok", "bool", "the traffic got through", True),
        F("transmitted", "int", "requests sent"), F("received", "int", "replies seen"),
        F("lesson", "str"), F("step", "int"),
        F("run", "str", "the recorded run's permalink id", null=True),
        F("recorded", "bool", "false: the result of a live run (true only in a download)"),
        F("warning", "str", "why the run was not recorded"),
        F("prediction", "dict", "the learner's PREDICTION"),
        F("prediction_grade", "dict", "PGRADE"),
        F("experiment", "dict", "an experiment's run: the experiment as checked, "
          "{base, rules, sysctls, listeners, traffic}"),
        F("docker", "str", "the docker ruleset the run loaded (27, 28, 29-nftables); null: "
          "the lesson loads none", null=True),
    ), "the run's RESULT (every RESULT field), and these", open=True),
    M("lab.error", "lab", "server", ERROR_FIELDS, "the request was refused or the run failed"),
]

WHERE = F("where", "dict", "{lesson, step}: where the room is")
# An experiment the instructor sent the room as an extra step (core/experiment.py checks it)
ROOM_EXPERIMENT = F("experiment", "dict", "the experiment the room is on, as checked "
                    "(lab.experiment's fields: base, rules, sysctls, listeners, traffic, "
                    "docker); null: the room is on its lesson step (where)", null=True)
# A room's messages cross processes through the channel layer (redis): while it is
# unreachable the sockets stay open and say so, and say again once it is back.
LAYER_STATES = ("reconnecting", "live")
LAYER_STATE = F("state", "str", "reconnecting: the channel layer (redis) is unreachable, the "
                "room's messages wait; live: they flow again", True, choices=LAYER_STATES)
SPOT_FIELDS = (F("run", "str", "the run shown"), F("lesson", "str"), F("step", "int"),
               F("name", "str", "the learner's name, when the instructor shows it", null=True),
               F("prediction_text", "str", "the run's own prediction, in words"),
               F("rules_text", "str", "the run's own rules, in words"))
ROW_DOC = ("ROW, a learner's row: {learner, name, lesson, step, ahead, with_room, sockets "
           "(workshop sockets counted open), socket_seen, active, arrived (ISO times), connected, "
           "state: working|idle|stuck|done, why: fails|time|null, "
           "idle_s, on_step_s, on_experiment (their page is the room's experiment: "
           "workshop.where), cells: {\"lesson:step\": CELL}, and while the room is on an "
           "experiment (else 0 and nulls) their runs of one since it was sent: exp_runs, "
           "exp_run (the latest's id), exp_ok, exp_outcome (its first request journey's, past "
           "the ARP), "
           "exp_died_at, exp_same (false: changed on the page)}; an experiment's run is no "
           "CELL; CELL, their latest attempt since "
           "the step's reset: {lesson, step, run, status: passed|failed|ran|reset, ok, rules, "
           "prediction, prediction_text, prediction_msg, prediction_right, died_at, attempts, failed, wrong, "
           "done, since, before_reset}")
PAUSED = F("paused", "bool", "true: paused by the instructor", True)
LEARNER = F("learner", "int", "a learner's id on the board (a row's learner)", True, min=1,
            max=2**31 - 1)
WORKSHOP = [
    M("workshop.where", "workshop", "client", (
        F("lesson", "str", "the lesson the page shows", True, max_len=100),
        F("step", "int", "its step", True, min=1, max=10_000),
        F("ahead", "bool", "the learner chose to stay ahead of the room"),
        F("experiment", "bool", "the page is the room's experiment (the experiment page "
          "opened for the room); lesson and step: the room's step it comes back to"),
    ), "where the learner's page is"),
    M("workshop.state", "workshop", "server", (
        F("code", "str"), F("title", "str"), WHERE, F("lessons", "list"),
        F("spotlight", "dict", null=True), F("closed", "bool"),
        F("you", "dict", "{name, ahead}"),
        F("paused", "bool", "the instructor paused the room: runs wait (workshop.paused)"),
        ROOM_EXPERIMENT,
    ), "the room, on connect"),
    M("workshop.goto", "workshop", "server", (F("lesson", "str"), F("step", "int"),
                                              ROOM_EXPERIMENT),
      "the instructor moved the room (with experiment: to that experiment, an extra step; "
      "the page opens it on the experiment page)"),
    M("workshop.spotlight", "workshop", "server", SPOT_FIELDS, "a run the instructor shows"),
    M("workshop.closed", "workshop", "server", (), "the workshop is over"),
    M("workshop.paused", "workshop", "server", (PAUSED,),
      "the instructor paused or resumed the room: while paused, runs are refused (lab.error "
      "busy) and the page holds its Run button"),
    M("workshop.reset", "workshop", "server", (LEARNER, F("lesson", "str"), F("step", "int")),
      "the instructor reset this learner's step: their attempts stay, no longer counted"),
    M("workshop.removed", "workshop", "server", (LEARNER,),
      "the instructor removed this learner from the room"),
    M("workshop.error", "workshop", "server", ERROR_FIELDS, "a refused message"),
    M("workshop.status", "workshop", "server", (LAYER_STATE,),
      "whether the instructor's moves reach this page (a workshop.state follows live)"),
]

BOARD = [
    M("workshop.goto", "board", "client", (
        LESSON, STEP,
        F("experiment", "dict", "send the room an experiment as an extra step: "
          "lab.experiment's fields, checked by core/experiment.py (a bad value is a "
          "board.error naming its field); lesson and step stay where the room comes back to",
          null=True),
    ), "move the room (and prepare)"),
    M("workshop.spotlight", "board", "client", (
        F("run", "str", "a run id of this workshop", True, max_len=64),
        F("show_name", "bool", "show the learner's name"),
    ), "show a learner's run to the room"),
    M("workshop.prepare", "board", "client", (
        F("lesson", "str", "default: where the room is", max_len=100),
    ), "hot start: ready sandboxes for the room"),
    M("workshop.close", "board", "client", (), "end the workshop"),
    M("workshop.pause", "board", "client", (), "pause the room: learners' runs wait"),
    M("workshop.resume", "board", "client", (), "resume the room"),
    M("workshop.reset", "board", "client", (LEARNER, LESSON, STEP),
      "reset a learner's step (their attempts stay, listed as before the reset)"),
    M("workshop.remove", "board", "client", (LEARNER,), "remove a learner from the room"),
    M("board.attempts", "board", "client", (LEARNER, LESSON, STEP),
      "a learner's attempts of a step (the reply is board.history)"),
    M("board.refresh", "board", "client", (), "send board.state again"),
    M("board.state", "board", "server", (
        F("code", "str"), F("title", "str"), F("seats", "int"), F("closed", "bool"), WHERE,
        F("spotlight", "dict", null=True), F("steps", "list"),
        F("rows", "list", "ROW, one a learner (see board.update)"),
        F("room", "dict", "per hook: how many learners' packets died there"),
        F("lab", "dict", "the sandbox cap of the board's process and why: {capacity, source: "
          "setting|memory|fallback, available_mib, sandbox_mib}"),
        F("paused", "bool", "the room is paused"),
        ROOM_EXPERIMENT,
        F("summaries", "dict", "per step \"lesson:step\": {ran, passed, predicted, "
          "predicted_right, wrong: {text, n}|null, died: {hook: n}} (workshops/roomview.py)"),
        F("counts", "dict", "{joined, connected}: learners seated, and with a page open now"),
        F("thresholds", "dict", "{idle_s, stuck_fails, stuck_s, connected_s}: a row's state "
          "(idle, stuck) from its active, arrived and cells; connected: sockets > 0 and "
          "socket_seen within connected_s"),
    ), "everything the board shows"),
    M("board.update", "board", "server", (F("row", "dict", ROW_DOC),),
      "a learner moved or ran"),
    M("board.where", "board", "server", (WHERE, ROOM_EXPERIMENT), "the room moved"),
    M("board.spotlight", "board", "server", (F("spotlight", "dict"),), "what the room is shown"),
    M("board.closed", "board", "server", (), "the workshop is over"),
    M("board.paused", "board", "server", (PAUSED,), "the room was paused or resumed"),
    M("board.removed", "board", "server", (LEARNER,), "a learner was removed from the room"),
    M("board.history", "board", "server", (
        LEARNER, F("name", "str"), F("lesson", "str"), F("step", "int"),
        F("attempts", "list", "oldest first: {n, run, url, created, status, ok, rules, rules_text, "
          "prediction, prediction_text, prediction_msg, prediction_right, died_at, before_reset}"),
    ), "the answer to board.attempts"),
    M("board.prepared", "board", "server", (
        F("lesson", "str"), F("count", "int", "seats to prepare, bounded by the machine"),
        F("ready", "int", "ready sandboxes in the board's own process"),
        F("capacity", "int"), F("in_use", "int"),
    ), "the answer to a prepare"),
    M("board.lab", "board", "server", (
        F("process", "str"), F("lesson", "str"), F("ready", "int"), F("target", "int"),
        F("capacity", "int"), F("in_use", "int"), F("error", "str"),
    ), "one web process's lab as it builds for the room"),
    M("board.error", "board", "server", ERROR_FIELDS, "a refused message"),
    M("board.status", "board", "server", (LAYER_STATE,),
      "whether the room hears the controls and the board its learners (a board.state "
      "follows live)"),
]

GROUP = [
    M("lab.message", "group", "server", (F("texts", "list"), F("final", "bool")),
      "a run's messages to its consumer, when they go through the layer"),
    M("board.rows", "group", "server", (F("rows", "list"),), "board rows that came together"),
    M("workshop.prepare", "group", "server", (
        F("lesson", "str"), F("count", "int"), F("board_group", "str")),
      "hot start: every learner socket of the room counts itself"),
]

OWNER = F("owner", "str", "whose sandbox", True, max_len=200)
LINE = [
    M("run", "line", "client", (
        OWNER, F("lesson", "str", "a lesson slug", True, max_len=200),
        F("step", "int", "default: the last", min=1, max=10_000), RULES,
        F("oracle", "bool", "also run nft monitor trace"),
        DOCKER), "run a step", key="op"),
    M("experiment", "line", "client", (
        OWNER, *EXPERIMENT, F("oracle", "bool", "also run nft monitor trace")),
      "run an experiment (lab.experiment's fields)", key="op"),
    M("release", "line", "client", (OWNER,), "drop the owner's sandbox", key="op"),
    M("snapshot", "line", "client", (OWNER,), "conntrack and rules of it", key="op"),
    M("warm", "line", "client", (
        F("lesson", "str", "a lesson slug", True, max_len=200),
        F("count", "int", "ready sandboxes wanted (hot start)", null=True, min=0, max=10_000),
        F("add", "int", "one more (+1) or one fewer (-1) ready sandbox wanted: a page "
          "opened or closed before its run", min=-1, max=1),
    ), "fill the lesson's ready pool", key="op"),
    M("ping", "line", "client", (), "the lab's state", key="op"),
    M("lab.reply", "line", "server", (F("ok", "bool"),), "the answer of a non-run op", open=True),
]

CLI = [
    M("event line", "cli", "server", (),
      "a line per trace event, as it arrives: the EVENT object itself, flat", key="", open=True),
    M("result line", "cli", "server", (
        F("result", "dict", "RESULT (with prediction_grade under --predict)", True),),
      "the last line", key=""),
]

REGISTRY = Registry(LAB + WORKSHOP + BOARD + GROUP + LINE + CLI)
ERROR_TYPES = {"lab": "lab.error", "workshop": "workshop.error", "board": "board.error"}


def make(route: str, type_: str, **fields) -> dict:
    """A declared message, ``{"type": type_, **fields}``."""
    return build(REGISTRY, route, type_, fields)


def _said(text) -> tuple:
    """(English, {id, args} or None) of a catalogue message, or of a plain string."""
    return (text.text(), text.wire()) if isinstance(text, phrases.Msg) else (text, None)


def error(kind: str, message, route: str = "lab") -> dict:
    """``lab.error`` / ``workshop.error`` / ``board.error``: a kind and a message
    (a catalogue message, or a plain string: see ``errors.Error``)."""
    text, msg = _said(message)
    return make(route, ERROR_TYPES[route], kind=kind, message=text, message_msg=msg)


def error_of(exc: errors.Error, route: str = "lab") -> dict:
    return error(exc.kind, exc.msg or exc.message, route)


def status(status_: str, detail, **extra) -> dict:
    """``lab.status``: ``detail`` a catalogue message, or a plain string (a command line)."""
    text, msg = _said(detail)
    return make("lab", "lab.status", status=status_, detail=text, detail_msg=msg, **extra)


def event(ev: dict) -> dict:
    return make("lab", "trace.event", event=ev)


def output(line: str) -> dict:
    return make("lab", "traffic.output", line=line)


def result(fields: dict) -> dict:
    return make("lab", "lab.result", **fields)


def reply(**fields) -> dict:
    return make("line", "lab.reply", **fields)


def request(op: str, **fields) -> dict:
    return make("line", op, **fields)


def cli_result(result_: dict) -> dict:
    return make("cli", "result line", result=result_)
