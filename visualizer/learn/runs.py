"""A learner's run: hand a valid ``lab.run`` to the lab, stream it back, record it.

The consumer hands each valid request to :func:`run`, which drives the process's
lab client and gives every message to the consumer through an :class:`Outbox`.
The process-wide state is the lab client (``config.lab_client``) alone.
"""
from __future__ import annotations

import asyncio
import logging

from django.conf import settings

from ..core import errors, messages, predict
from ..core import experiment as experiment_core
from . import config, unwritable
from .outbox import Outbox, decode_events
from .recording import save_run

log = logging.getLogger(__name__)


async def run(channel_name: str, lesson: str, step: int, rules: list,
              prediction: dict | None = None, owner: str = "", batch: bool = False,
              deliver=None, docker: str = "") -> None:
    """Run one validated request in the sandbox of connection ``channel_name``, for
    browser session ``owner`` (its runs and progress); always ends with a final message.
    ``deliver``: the consumer's own ``await deliver(texts, final)`` (see :class:`Outbox`)."""
    events: list = []           # trace event messages: texts from the lab (or dicts)
    out = Outbox(channel_name, batch, deliver)

    async def on_message(msg) -> None:
        if isinstance(msg, str) or msg.get("type") == "trace.event":
            events.append(msg)
        out.put(msg)

    result = await _lab(out, config.lab_client().run(
        owner=channel_name, lesson=lesson, step=step, rules=rules, on_message=on_message,
        text_events=True, docker=docker or None))
    if result is None:
        return
    frames = result.pop("frames", None)     # the frames' bytes go to the database, not the socket
    try:
        await finish(result, lesson, step, rules, decode_events(events), prediction, owner, out,
                     frames)
    except Exception as e:   # recording failed: the learner still gets the kernel's result
        if unwritable.cannot_write(e):
            log.warning("a run of %s step %s was %s (%s)", lesson, step, unwritable.NOT_SAVED, e)
        else:
            log.exception("recording the run failed")
        await out.close(messages.result({
            **result, "ok": bool(result.get("ok")), "lesson": lesson, "step": step,
            "run": None, "recorded": False, **not_saved(e)}))


async def experiment(channel_name: str, experiment: dict, owner: str = "",
                     batch: bool = False, deliver=None) -> None:
    """Run one checked experiment in the sandbox of connection ``channel_name``; always
    ends with a final message.  Recorded like a lesson step's run (a /runs/<uid>/
    permalink, its pcap-ng): the Run's lesson and step are the experiment's base
    (``core.experiment.PLAIN`` and 1 for the plain docker bridge), and its result keeps
    the experiment in ``result["experiment"]`` (what save-as-lesson reads)."""
    events: list = []
    out = Outbox(channel_name, batch, deliver)

    async def on_message(msg) -> None:
        if isinstance(msg, str) or msg.get("type") == "trace.event":
            events.append(msg)
        out.put(msg)

    result = await _lab(out, config.lab_client().experiment(
        channel_name, experiment, on_message=on_message, text_events=True))
    if result is None:
        return
    frames = result.pop("frames", None)     # the frames' bytes go to the database
    lesson, step = _base_of(result.get("experiment") or experiment)
    reply = {**result, "ok": bool(result.get("ok")), "recorded": False}
    try:
        record, after = await save_run(lesson, step, [], decode_events(events), result,
                                       owner, frames)
        for follow_up in after:
            await follow_up()
        reply["run"] = record.uid
    except Exception as e:   # recording failed: the learner still gets the kernel's result
        log.warning("an experiment's run was not saved (%s)", e, exc_info=True)
        reply.update(run=None, **not_saved(e))
    await out.close(messages.result(reply))


def not_saved(e: Exception) -> dict:
    """A result's ``warning`` (English) and ``warning_msg`` (its catalogue message) when
    recording the run failed: the database could not be written, or something else."""
    m = (errors.say("error.db_read_only") if unwritable.cannot_write(e)
         else errors.say("error.not_saved", why=type(e).__name__))
    return {"warning": m.text(), "warning_msg": m.wire()}


def _base_of(exp: dict) -> tuple[str, int]:
    """(lesson, step) a recorded experiment's run files under: its base lesson and
    step, or (PLAIN, 1) for the plain docker bridge."""
    base = str(exp.get("base") or "")
    if not base:
        return experiment_core.PLAIN, 1
    slug, _, step = base.partition(":")
    return slug, int(step) if step.isdigit() else 0


async def finish(result, lesson, step, rules, events, prediction, owner, out, frames=None):
    """Grade the prediction, record the run (its listeners follow up), reply."""
    predict.attach(result, prediction, config.lessons()[lesson].step(step), events)
    record, after = await save_run(lesson, step, rules, events, result, owner, frames)
    for follow_up in after:
        await follow_up()
    await out.close(messages.result({
        **result, "ok": bool(result.get("ok")), "transmitted": result.get("transmitted", 0),
        "received": result.get("received", 0), "lesson": lesson, "step": step,
        "run": record.uid, "recorded": False}))


async def _lab(out: Outbox, call) -> dict | None:
    """The lab's result of ``call`` (its type dropped); None once whatever failed has
    been sent as the final lab.error (the socket stays up)."""
    # The lab bounds the time in line (LAB_QUEUE_TIMEOUT, then lab_full) and the run;
    # this bounds the whole, building a sandbox included, should the lab stop answering.
    timeout = settings.LAB_QUEUE_TIMEOUT + settings.LAB_RUN_TIMEOUT + 90
    try:
        result = await asyncio.wait_for(call, timeout)
    except asyncio.CancelledError:
        out.task.cancel()
        raise
    except Exception as e:
        err = errors.from_exception(e, errors.say("error.run_timeout", seconds=timeout), errors.INTERNAL)
        if err.kind == errors.INTERNAL:
            log.exception("lab run failed")
        await out.close(messages.error_of(err))
        return None
    result = dict(result or {})
    result.pop("type", None)
    return result


async def prewarm(lesson: str, add: int) -> None:
    """One more (or fewer) ready sandbox of ``lesson``; never raises: a sandbox built
    ahead is a courtesy, and the run builds one anyway."""
    try:
        await config.lab_client().warm(lesson, add=add)
    except ImportError:
        pass
    except Exception:
        log.warning("building ahead for %s failed", lesson, exc_info=True)


async def release(owner: str) -> None:
    """Drop the owner's sandbox; never raises (the connection is going away)."""
    try:
        await config.lab_client().release(owner)
    except ImportError:
        pass
    except Exception:
        log.exception("releasing %s failed", owner)


async def release_when_idle(owner: str, delay: float | None = None) -> None:
    """Sleep for the idle timeout, then release (cancel the task to keep the sandbox)."""
    await asyncio.sleep(settings.LAB_IDLE_TIMEOUT if delay is None else delay)
    await release(owner)
