"""The run service: validate a lab.run request, run it in the lab, record it.

The consumer hands each valid request to :func:`run`, which drives
``LabClient.shared()`` and hands every message back to the consumer in batches of
JSON texts: straight to the consumer's ``deliver`` (the run's task lives in the
process of the socket it streams to, and only that socket sees it), or else
through the channel layer (``{"type": "lab.message", "texts": [...], "final": bool}``).
Trace events travel as the texts the lab wrote: the web side neither decodes nor
encodes them on the way.  The only process-wide state is ``LabClient.shared()``.
"""
from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from django.conf import settings

from .core import errors, predict, rulecheck
from .core import lessons as lesson_registry
from .core.config import LabConfig
from .core.protocol import EVENT_TEXT_HEAD

log = logging.getLogger(__name__)

ALLOWED_KEYS = {"type", "lesson", "step", "rules", "prediction", "batch"}


class BadRequest(ValueError):
    """A websocket message the service refuses, with a message for the user."""

    def __init__(self, message: str, kind: str = errors.INPUT):
        super().__init__(message)
        self.kind = kind


def lab_config() -> LabConfig:
    """The one lab configuration, from Django settings."""
    return LabConfig.from_settings(settings)


def lessons() -> dict:
    return lesson_registry.all_lessons(settings.LESSONS_DIR)


def parse_request(text_data: str | None, bytes_data: bytes | None = None) -> dict:
    """Check one websocket message; return {lesson, step, rules} or raise BadRequest."""
    if text_data is None:
        raise BadRequest("binary frames are not accepted; send a JSON text message")
    size = len(text_data.encode("utf-8", "surrogatepass"))
    if size > settings.WS_MAX_MESSAGE:
        raise BadRequest(f"message too large: {size} bytes, the limit is {settings.WS_MAX_MESSAGE}")
    try:
        data = json.loads(text_data)
    except ValueError as e:
        raise BadRequest(f"message is not valid JSON: {e}") from None
    return validate(data)


def validate(data) -> dict:
    """Schema check of a decoded lab.run message."""
    if not isinstance(data, dict):
        raise BadRequest("message must be a JSON object like "
                         '{"type": "lab.run", "lesson": "...", "step": 1}')
    extra = sorted(set(data) - ALLOWED_KEYS)
    if extra:
        raise BadRequest(f"unknown key(s): {', '.join(extra)}; allowed: type, lesson, step, rules, "
                         "prediction, batch")
    if data.get("type") != "lab.run":
        raise BadRequest(f"unknown message type {data.get('type')!r}; the only one is 'lab.run'")
    slug = data.get("lesson")
    if not isinstance(slug, str) or not slug:
        raise BadRequest("'lesson' must be a lesson slug (a string)")
    known = lessons()
    if slug not in known:
        raise BadRequest(f"unknown lesson {slug[:100]!r}")
    lesson = known[slug]
    step = data.get("step")
    if isinstance(step, bool) or not isinstance(step, int):
        raise BadRequest("'step' must be an integer")
    if not 1 <= step <= len(lesson.steps):
        raise BadRequest(f"lesson {slug!r} has steps 1..{len(lesson.steps)}, not {step}")
    cfg = lab_config()
    try:
        clean = rulecheck.check_list(data.get("rules", []), cfg.max_rules, cfg.max_rule_len)
    except rulecheck.RuleRefused as e:
        raise BadRequest(e.message, e.kind) from None
    try:
        prediction = predict.check(data.get("prediction"))
    except predict.PredictionError as e:
        raise BadRequest(str(e)) from None
    if not isinstance(data.get("batch", False), bool):
        raise BadRequest("'batch' must be true or false")
    return {"lesson": slug, "step": step, "rules": clean, "prediction": prediction,
            "batch": data.get("batch", False)}


def lab_client():
    """The per-process LabClient (imported lazily: the web layer never needs pyroute2)."""
    from .lab.client import LabClient
    return LabClient.shared(lab_config())


def _lab_errors():
    try:
        from .lab.client import LabError, LabUnavailable
    except ImportError:   # the engine is not installed: nothing can raise these
        class LabError(Exception):  # noqa: N818
            pass
        LabUnavailable = LabError
    return LabError, LabUnavailable


async def _send(channel_name: str, texts: list[str], final: bool) -> None:
    # Already JSON: the in-memory layer deep-copies what it carries (a string
    # copies for free), and one channel message carries a batch of them: each
    # dispatch to a consumer costs a hop through Django's sync thread.
    layer = get_channel_layer()
    envelope = {"type": "lab.message", "texts": texts, "final": final}
    for _ in range(3000):
        try:
            await layer.send(channel_name, envelope)
            return
        except ChannelFull:   # the consumer is busy forwarding: let it drain
            await asyncio.sleep(0.01)
    log.warning("dropping %d messages for %s: channel full", len(texts), channel_name)


class Outbox:
    """A run's messages to its consumer, in order: whatever piles up while the
    previous batch is on its way goes out together as the next batch.  ``deliver``
    (``await deliver(texts, final)``) hands them to the consumer directly; without
    it they go through the channel layer to ``channel_name``."""

    def __init__(self, channel_name: str, batch: bool = False, deliver=None):
        self.channel_name = channel_name
        self.batch = batch
        self.deliver = deliver or (lambda texts, final: _send(channel_name, texts, final))
        self.texts: list[str] = []
        self.final = False
        self.ready = asyncio.Event()
        self.task = asyncio.ensure_future(self._forward())

    def put(self, message: dict | str):
        """A message, or its JSON text as it goes to the page."""
        self.texts.append(message if isinstance(message, str)
                          else json.dumps(message, separators=(",", ":"), default=str))
        self.ready.set()

    async def _forward(self):
        while True:
            await self.ready.wait()
            self.ready.clear()
            batch, self.texts, final = self.texts, [], self.final
            if self.batch:
                batch = combine_events(batch)
            if batch:
                await self.deliver(batch, final)
            if final:
                return

    async def close(self, final: dict):
        """Send what is left, then the final message (a batch on its way is not cut off)."""
        self.put(final)
        self.final = True
        await self.task


EVENT_HEADS = (EVENT_TEXT_HEAD, '{"type": "trace.event", "event": ')
EVENTS_HEAD = '{"type":"trace.events","events":['


def combine_events(texts: list[str]) -> list[str]:
    """Consecutive ``trace.event`` messages -> one ``trace.events`` message (for a client
    that asked for ``batch``): under load a websocket frame per event costs more than
    the event.  Other messages, and their order, are left as they are."""
    out: list[str] = []
    run: list[str] = []
    for text in texts + [""]:
        head = next((h for h in EVENT_HEADS if text.startswith(h)), None)
        if head and text.endswith("}"):
            run.append(text[len(head):-1])
            continue
        if len(run) == 1:
            out.append(EVENT_TEXT_HEAD + run[0] + "}")
        elif run:
            out.append(EVENTS_HEAD + ",".join(run) + "]}")
        run = []
        if text:
            out.append(text)
    return out


def decode_events(messages: list) -> list[dict]:
    """The run's events as data, from what the lab sent (texts, or already decoded)."""
    texts = [m for m in messages if isinstance(m, str)]
    if not texts:
        return [m.get("event") for m in messages]
    decoded = iter(json.loads("[" + ",".join(texts) + "]"))      # one parse for the run
    return [(next(decoded) if isinstance(m, str) else m).get("event") for m in messages]


@database_sync_to_async
def save_run(lesson: str, step: int, rules: list, events: list, result: dict, owner: str = ""):
    """Record the run for its owner (a browser session), and count it in their progress."""
    from django.db import transaction
    from django.db.models import F

    from . import workshops
    from .models import Progress, Run
    learner = workshops.learner_of(owner)
    with transaction.atomic():
        run = Run.objects.create(lesson=lesson, step=step, rules=rules, events=events,
                                 result=result, owner=owner, learner=learner)
        if owner:
            pg = result.get("prediction_grade") or {}
            Progress.objects.get_or_create(owner=owner, lesson=lesson, step=step)
            Progress.objects.filter(owner=owner, lesson=lesson, step=step).update(
                runs=F("runs") + 1, predicted=F("predicted") + (1 if pg else 0),
                predicted_right=F("predicted_right") + (1 if pg and pg["right"] == pg["total"] else 0))
            if (result.get("grade") or {}).get("passed") in (True, None):
                Progress.objects.filter(owner=owner, lesson=lesson, step=step).update(passed=True)
    # A workshop learner's run goes on the instructors' board.
    board = (learner.workshop.board_group, workshops.row(learner)) if learner else None
    return run, board


async def run(channel_name: str, lesson: str, step: int, rules: list,
              prediction: dict | None = None, owner: str = "", batch: bool = False,
              deliver=None) -> None:
    """Run one validated request in the sandbox of connection ``channel_name``, for
    browser session ``owner`` (its runs and progress); always ends with a final message.
    ``deliver``: the consumer's own ``await deliver(texts, final)`` (see :class:`Outbox`)."""
    LabError, LabUnavailable = _lab_errors()
    events: list = []           # trace event messages: texts from the lab (or dicts)
    out = Outbox(channel_name, batch, deliver)

    async def on_message(msg) -> None:
        if isinstance(msg, str) or msg.get("type") == "trace.event":
            events.append(msg)
        out.put(msg)

    timeout = settings.LAB_RUN_TIMEOUT + 90   # building a sandbox comes on top of the run
    try:
        client = lab_client()
        result = await asyncio.wait_for(
            client.run(owner=channel_name, lesson=lesson, step=step, rules=rules,
                       on_message=on_message, text_events=True),
            timeout)
    except asyncio.CancelledError:
        out.task.cancel()
        raise
    except ImportError as e:
        await out.close({"type": "lab.error", "kind": "unavailable",
                         "message": f"The lab engine is not installed here ({e})."})
        return
    except LabUnavailable as e:
        await out.close({"type": "lab.error", "kind": "unavailable", "message": str(e)})
        return
    except LabError as e:
        await out.close({"type": "lab.error", "kind": getattr(e, "kind", "lab"),
                         "message": str(e)})
        return
    except asyncio.TimeoutError:
        await out.close({"type": "lab.error", "kind": "timeout",
                         "message": f"the run took longer than {timeout} s"})
        return
    except Exception as e:   # a bug in the engine must not kill the socket
        log.exception("lab run failed")
        await out.close({"type": "lab.error", "kind": "internal",
                         "message": f"the lab failed: {type(e).__name__}: {e}"})
        return
    result = dict(result or {})
    result.pop("type", None)
    events = decode_events(events)
    try:
        await finish(result, lesson, step, rules, events, prediction, owner, out)
    except Exception as e:   # recording failed: the learner still gets the kernel's result
        log.exception("recording the run failed")
        await out.close({**result, "type": "lab.result", "ok": bool(result.get("ok")),
                         "lesson": lesson, "step": step, "run": None, "recorded": False,
                         "warning": f"the run was not recorded: {type(e).__name__}"})


async def finish(result, lesson, step, rules, events, prediction, owner, out):
    """Grade the prediction, record the run (and put it on a workshop board), reply."""
    predict.attach(result, prediction, lessons()[lesson].step(step), events)
    record, board = await save_run(lesson, step, rules, events, result, owner)
    if board:
        board_update(*board)
    await out.close({**result, "type": "lab.result", "ok": bool(result.get("ok")),
                     "transmitted": result.get("transmitted", 0),
                     "received": result.get("received", 0),
                     "lesson": lesson, "step": step,
                     "run": record.uid, "recorded": False})


BOARD_BATCH_S = 0.05
_board_rows: dict[str, list] = {}      # rows on their way to a board group (transient)
_board_flushes: set = set()


def board_update(group: str, row: dict) -> None:
    """Put a learner's new row on the instructors' board.  Rows that come together (a
    room's runs end together) go as one group message: the board's process takes a
    group message at a time from the layer, a few redis round trips each, so a
    hundred rows one by one kept the last waiting most of a second."""
    rows = _board_rows.get(group)
    if rows is not None:
        rows.append(row)
        return
    _board_rows[group] = [row]
    task = asyncio.ensure_future(_flush_board(group))
    _board_flushes.add(task)
    task.add_done_callback(_board_flushes.discard)


async def _flush_board(group: str) -> None:
    await asyncio.sleep(BOARD_BATCH_S)
    rows = _board_rows.pop(group, [])
    try:
        await get_channel_layer().group_send(group, {"type": "board.rows", "rows": rows})
    except Exception:
        log.exception("a board update for %s was not sent", group)


async def release(owner: str) -> None:
    """Drop the owner's sandbox; never raises (the connection is going away)."""
    try:
        await lab_client().release(owner)
    except ImportError:
        pass
    except Exception:
        log.exception("releasing %s failed", owner)


async def release_when_idle(owner: str, delay: float | None = None) -> None:
    """Sleep for the idle timeout, then release (cancel the task to keep the sandbox)."""
    await asyncio.sleep(settings.LAB_IDLE_TIMEOUT if delay is None else delay)
    await release(owner)
