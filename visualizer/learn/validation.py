"""A ``lab.run`` from the page: the wire's own check, then the lesson and its steps."""
from __future__ import annotations

from django.conf import settings

from ..core import dockersets, errors, experiment, messages, wire
from .config import lab_config, lessons


def parse_request(text_data: str | None, bytes_data: bytes | None = None) -> dict:
    """One websocket message -> {lesson, step, rules, prediction, batch, docker} of a
    ``lab.run``, or {"open": lesson} of a ``lab.open``; or ``errors.InputError``
    saying what is wrong."""
    data = wire.decode(text_data, settings.WS_MAX_MESSAGE)
    return validate(data)


def validate(data) -> dict:
    """A decoded message, checked by its declaration (the rule limits from the one
    ``LabConfig``), then against the lesson registry."""
    cfg = lab_config()
    msg, clean = wire.check(messages.REGISTRY, "lab", data, cfg)
    known = lessons()
    if msg.type == "lab.experiment":
        exp = experiment.check(clean, known, cfg.lessons_path, cfg.max_rules, cfg.max_rule_len)
        return {"experiment": exp.as_dict(), "batch": bool(clean["batch"])}
    slug, step = clean["lesson"], clean["step"]
    if slug not in known:
        raise errors.InputError(errors.say("error.lesson.unknown", slug=repr(slug[:100])))
    if msg.type == "lab.open":
        return {"open": slug}
    if not 1 <= step <= len(known[slug].steps):
        raise errors.InputError(errors.say("error.lesson.steps", slug=repr(slug),
                                           steps=len(known[slug].steps), step=step))
    docker = clean.get("docker") or ""
    if docker:      # a name of dockersets, for a lesson that loads docker's rules
        dockersets.for_step(known[slug], known[slug].step(step), docker)
    return {"lesson": slug, "step": step, "rules": clean["rules"] or [],
            "prediction": clean["prediction"], "batch": bool(clean["batch"]),
            **({"docker": docker} if docker else {})}
