"""``manage.py trace <lesson>``: build a sandbox, run a step, print the kernel's events."""
from __future__ import annotations

import asyncio
import json
import sys

from django.core.management.base import BaseCommand

from visualizer.learn import experiment_cli
from visualizer.learn import pcapng_cli
from visualizer.learn.config import lab_config
from visualizer.core import dockersets, errors, experiment, lessons, messages, predict
from visualizer.lab.client import LabClient, LabError, LabUnavailable

JSON_KEYS = ("journey", "seq", "family", "table", "chain", "hook", "type", "verdict", "rule",
             "iif", "oif", "src", "dst", "proto", "sport", "dport", "icmp_type", "ct_state",
             "ct_direction")


class Command(BaseCommand):
    help = "Run a lesson step in a fresh sandbox and print the kernel's trace events."

    def add_arguments(self, parser):
        parser.add_argument("lesson", nargs="?", help="a lesson slug (or an experiment: --from)")
        experiment_cli.add_arguments(parser)
        parser.add_argument("--step", type=int, default=None, help="step number (default: last)")
        parser.add_argument("--rule", action="append", default=[], metavar="ARGS",
                            help='iptables arguments, applied in the sandbox host, e.g. '
                                 '"-I FORWARD -m physdev --physdev-is-bridged -j ACCEPT"')
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--predict", action="append", default=[], metavar="PART=VALUE",
                            help="predict before the run, graded by the kernel: through=yes|no, "
                                 "dies_at=ip:filter:forward, hooks=bridge:prerouting,ip:prerouting,"
                                 "..., nat_addr=203.0.113.10 (repeat for several parts)")
        parser.add_argument("--oracle", action="store_true",
                            help="also run the kernel's own `nft monitor trace` in the sandbox "
                                 "and print its text after the run (--json: the result's "
                                 "\"oracle\" field)")
        parser.add_argument("--explain", action="store_true",
                            help="after the run, print each journey's story: how it entered, "
                                 "the decisions, the NAT, the verdict and the outcome, in words "
                                 "(--json: every EVENT carries explain, every JOURNEY story)")
        pcapng_cli.add_argument(parser)
        parser.add_argument("--all", action="store_true",
                            help="also show the sandbox's own tracing rules (probes)")
        parser.add_argument("--docker", default=None, metavar="NAME",
                            help="run under this docker ruleset: 27 (up to Engine 27, the "
                                 "default), 28 (Engine 28+, iptables) or 29-nftables (Engine "
                                 "29's nftables backend); default: the step's")

    def handle(self, *args, **opts):
        try:
            cfg = lab_config()
            opts["experiment"] = None
            if experiment_cli.wanted(opts):
                # checked here as the lab will (it checks again): a bad flag names its field
                fields = experiment_cli.fields_of(opts)
                known = lessons.all_lessons(cfg.lessons_path)
                exp = experiment.check(fields, known, cfg.lessons_path, cfg.max_rules,
                                       cfg.max_rule_len)
                opts["experiment"] = fields
                lesson, step = experiment.as_step(exp, known, cfg.lessons_path)
                opts["step"] = step.number
            else:
                if not opts["lesson"]:
                    raise lessons.LessonError("name a lesson, or an experiment with --from and --to")
                lesson = lessons.get(opts["lesson"], cfg.lessons_path)
                lesson.step(opts["step"])
            opts["prediction"] = predict.parse_cli(opts["predict"])
            if opts["docker"]:      # an unknown name, or a lesson without docker: refused here
                dockersets.for_step(lesson, lesson.step(opts["step"]), opts["docker"])
        except (errors.InputError, predict.PredictionError) as e:
            self.stderr.write(f"error: {e}")
            sys.exit(2)
        try:
            code = asyncio.run(self._run(lesson, opts))
        except LabUnavailable as e:
            self.stderr.write(f"error: the live lab cannot start: {e.message}")
            sys.exit(3)
        except LabError as e:
            self.stderr.write(f"error: {e.message}")
            sys.exit(2 if e.kind in (errors.INPUT, errors.FORBIDDEN) else 1)
        sys.exit(code)

    async def _run(self, lesson, opts) -> int:
        client = LabClient(lab_config().replace(warm_lessons=(), pool_size=0))
        state = {"journey": None}
        events: list[dict] = []
        as_json, show_all = opts["json"], opts["all"]

        async def on_message(msg):
            if msg["type"] != "trace.event":
                return
            ev = msg["event"]
            events.append(ev)
            if as_json:
                self.stdout.write(json.dumps(ev, default=str))
                return
            if ev.get("probe") and not show_all:
                return
            if state["journey"] is not None and ev["journey"] != state["journey"]:
                self.stdout.write("")
            state["journey"] = ev["journey"]
            self.stdout.write(ev["text"])

        try:
            if opts["experiment"] is not None:
                result = await client.experiment("cli", opts["experiment"], on_message,
                                                 oracle=opts["oracle"])
            else:
                result = await client.run("cli", lesson.slug, opts["step"], opts["rule"],
                                          on_message, oracle=opts["oracle"],
                                          docker=opts["docker"])
        finally:
            await client.stop()
        pcapng_cli.take(result, opts["pcapng"], lesson.slug, opts["step"], self.stderr)
        predict.attach(result, opts["prediction"], lesson.step(opts["step"]), events)
        if as_json:
            self.stdout.write(json.dumps(messages.cli_result(result), default=str))
        else:
            self.stdout.write("")
            if result.get("command"):
                self.stdout.write(result["command"])
            if result.get("output"):
                self.stdout.write(result["output"])
            if result.get("oracle") is not None:
                self.stdout.write("\nnft monitor trace, in the same sandbox:")
                self.stdout.write(result["oracle"].rstrip())
            pg = result.get("prediction_grade")
            if pg:
                self.stdout.write(f"prediction: {pg['right']} of {pg['total']} right")
                for p in pg["parts"]:
                    mark = "right" if p["right"] else "wrong"
                    self.stdout.write(f"  {p['part']}: you said {p['said']}; {mark}"
                                      + (f" ({p['hint']})" if p["hint"] else ""))
            if opts["explain"]:
                self._stories(result)
            verdict = "ok" if result["ok"] else "FAILED"
            self.stdout.write(f"result: {verdict}: {result['transmitted']} sent, "
                              f"{result['received']} answered, {len(result['journeys'])} journeys")
        return 0

    def _stories(self, result):
        """Each journey's story (JOURNEY ``story``), under a line naming the journey."""
        self.stdout.write("\nThe journeys, in words:")
        for j in result["journeys"]:
            self.stdout.write(f"#{j['id']} {j['direction']} {j['summary']}: {j['outcome']}")
            for sentence in j.get("story") or []:
                self.stdout.write(f"  {sentence}")
