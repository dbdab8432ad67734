"""Recorded runs (replayable without the lab) and each browser's progress.

A run belongs to whoever made it: ``owner`` is the browser's session key, and
its permalink uses ``uid``, a random token, so one run's address says nothing
about another's.  ``Progress`` is kept per browser session and lesson step.
"""
import json
import secrets
import zlib

from django.db import models

from ..core import pcapexport


def new_uid() -> str:
    return secrets.token_urlsafe(16)


class Run(models.Model):
    """One finished run of one lesson step, as the kernel reported it."""

    uid = models.CharField(max_length=32, unique=True, default=new_uid, editable=False)
    owner = models.CharField(max_length=64, blank=True, default="", db_index=True)
    learner = models.ForeignKey("workshops.Learner", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="runs")
    lesson = models.CharField(max_length=100)
    step = models.PositiveIntegerField()
    rules = models.JSONField(default=list, blank=True)
    # the events as one zlib-compressed JSON text (see ``events``); a run recorded
    # before it (migration 0005) has them in the JSON column, which stays ``[]`` after
    events_z = models.BinaryField(null=True, blank=True, editable=False)
    events_json = models.JSONField(default=list, blank=True, db_column="events")
    result = models.JSONField(default=dict, blank=True)
    # the captured frames (RESULT "frames": {iface: [FRAME...]}, each PKT's bytes) as
    # zlib-compressed JSON, for the pcap-ng download; None: recorded before they were kept
    frames_z = models.BinaryField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"run {self.uid}: {self.lesson} step {self.step}"

    @property
    def events(self) -> list:
        """The run's trace events, as the lab sent them (a new list at each read: assign
        to change them).  Stored compressed: a run's events are up to ~160 KiB of JSON
        that repeats itself (every event names all its fields), 3 to 7 KiB as zlib."""
        if self.events_z is None:
            return self.events_json
        return json.loads(zlib.decompress(self.events_z))

    @events.setter
    def events(self, value: list) -> None:
        self.events_z = zlib.compress(json.dumps(value, separators=(",", ":")).encode())
        self.events_json = []

    @property
    def frames(self) -> dict | None:
        """{iface: [FRAME...]} at the indexes of ``result["captures"]``, or None."""
        return None if self.frames_z is None else json.loads(zlib.decompress(self.frames_z))

    @frames.setter
    def frames(self, value: dict | None) -> None:
        self.frames_z = None if value is None else zlib.compress(
            json.dumps(value, separators=(",", ":")).encode())

    def as_pcapng(self) -> bytes | None:
        """The run's captures as a pcap-ng file (``core/pcapexport.py``), or None."""
        frames = self.frames
        if frames is None:
            return None
        res = self.result or {}
        return pcapexport.build(res.get("captures") or {}, frames, res.get("journeys") or [],
                                self.lesson, self.step, self.uid)

    def as_dict(self) -> dict:
        """The JSON download: always marked as a recorded run."""
        return {
            "recorded": True,
            "label": "recorded run",
            "id": self.uid,
            "lesson": self.lesson,
            "step": self.step,
            "rules": self.rules,
            "created": self.created.isoformat() if self.created else None,
            "events": self.events,
            "result": self.result,
        }

    def as_text(self) -> str:
        """Seed-style text: a header, each event's text line, each journey's story
        (JOURNEY ``story``, as comment lines), the traffic output."""
        res = self.result or {}
        lines = [
            f"# recorded run {self.uid}: lesson {self.lesson} step {self.step}",
            f"# created {self.created.isoformat() if self.created else '?'}",
        ]
        if self.rules:
            lines += [f"# rule: iptables {r}" for r in self.rules]
        if res.get("command"):
            lines.append(f"# command: {res['command']}")
        lines.append(f"# transmitted {res.get('transmitted', 0)}, received {res.get('received', 0)}, "
                     f"ok={bool(res.get('ok'))}")
        lines.append("")
        for ev in self.events:
            text = ev.get("text") or _fallback_text(ev)
            lines.append(text)
        stories = [j for j in res.get("journeys") or [] if j.get("story")]
        if stories:
            lines += ["", "# the journeys, in words"]
            for j in stories:
                lines.append(f"# #{j.get('id')} {j.get('direction')} {j.get('summary')}: "
                             f"{j.get('outcome')}")
                lines += [f"#   {sentence}" for sentence in j["story"]]
        if res.get("output"):
            lines += ["", "# traffic output", res["output"].rstrip("\n")]
        return "\n".join(lines) + "\n"


def _fallback_text(ev: dict) -> str:
    parts = [ev.get("family"), ev.get("table"), ev.get("chain"), ev.get("type"),
             ev.get("rule"), ev.get("verdict")]
    return " ".join(str(p) for p in parts if p)


class Progress(models.Model):
    """What one browser did at one lesson step: runs, predictions, whether it passed."""

    owner = models.CharField(max_length=64, db_index=True)
    lesson = models.CharField(max_length=100)
    step = models.PositiveIntegerField()
    runs = models.PositiveIntegerField(default=0)
    predicted = models.PositiveIntegerField(default=0)      # runs with a prediction
    predicted_right = models.PositiveIntegerField(default=0)  # ... every part of it right
    passed = models.BooleanField(default=False)     # a run showed what the step expects
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "lesson", "step"],
                                               name="one_progress_per_step")]

    def as_dict(self) -> dict:
        return {"step": self.step, "runs": self.runs, "predicted": self.predicted,
                "predicted_right": self.predicted_right, "passed": self.passed}
