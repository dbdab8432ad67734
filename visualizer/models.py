"""Recorded runs: every finished lab run, replayable without the lab."""
from django.db import models


class Run(models.Model):
    """One finished run of one lesson step, as the kernel reported it."""

    lesson = models.CharField(max_length=100)
    step = models.PositiveIntegerField()
    rules = models.JSONField(default=list, blank=True)
    events = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"run {self.pk}: {self.lesson} step {self.step}"

    def as_dict(self) -> dict:
        """The JSON download: always marked as a recorded run."""
        return {
            "recorded": True,
            "label": "recorded run",
            "id": self.pk,
            "lesson": self.lesson,
            "step": self.step,
            "rules": self.rules,
            "created": self.created.isoformat() if self.created else None,
            "events": self.events,
            "result": self.result,
        }

    def as_text(self) -> str:
        """Seed-style text: a header, each event's text line, the traffic output."""
        res = self.result or {}
        lines = [
            f"# recorded run {self.pk}: lesson {self.lesson} step {self.step}",
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
        if res.get("output"):
            lines += ["", "# traffic output", res["output"].rstrip("\n")]
        return "\n".join(lines) + "\n"


def _fallback_text(ev: dict) -> str:
    parts = [ev.get("family"), ev.get("table"), ev.get("chain"), ev.get("type"),
             ev.get("rule"), ev.get("verdict")]
    return " ".join(str(p) for p in parts if p)
