"""Every field of every message the workshop sockets take is checked by its
declaration (``core/messages.py``): a wrong type, an out-of-range integer or a
deeply nested frame gets a ``*.error`` and the socket stays up."""
import pytest

from visualizer.core import messages

from ..support import GradedLab, communicator, use_lab
from .test_workshops import browser_join, instructor_session, receive_type, setup_room

pytestmark = pytest.mark.django_db(transaction=True)
WRONG = {"str": [5, {"x": 1}, "x" * 250, None], "int": ["1", True, -1, 10 ** 20, 1.5, None],
         "bool": ["yes", 1], "dict": ["x", 5, [1], {"traffic": []}]}


def bad_messages(route):
    """For each client message of ``route``, each field given each wrong value."""
    for m in messages.REGISTRY.accepted(route, "client"):
        good = {f.name: {"str": "container-to-container", "int": 1, "bool": False,
                         "dict": None}[f.type]
                for f in m.fields}
        for f in m.fields:
            for v in WRONG[f.type]:
                if v is None and not f.required:
                    continue
                if f.type == "str" and isinstance(v, str) and f.max_len is None:
                    continue
                yield {"type": m.type, **good, f.name: v}


async def _still_up(comm, error_type, frames):
    for frame in frames:
        await comm.send_to(text_data=frame)
        msg = await receive_type(comm, error_type)
        assert msg["kind"] in ("input", "forbidden"), (frame[:80], msg)


async def test_the_board_refuses_every_bad_field_and_stays_up(monkeypatch):
    import json
    use_lab(monkeypatch, GradedLab())
    w, teacher = await setup_room()
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    await receive_type(board, "board.state")
    frames = [json.dumps(m) for m in bad_messages("board")] + ["[" * 4000, "{" * 100]
    assert len(frames) > 10
    await _still_up(board, "board.error", frames)
    await board.send_json_to({"type": "board.refresh"})
    assert (await receive_type(board, "board.state"))["code"] == w.code
    await board.disconnect()


async def test_a_learner_socket_refuses_every_bad_field_and_stays_up():
    import json
    w, _ = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    page = await communicator("/ws/workshop/", session=ann)
    await receive_type(page, "workshop.state")
    frames = [json.dumps(m) for m in bad_messages("workshop")] + ["[" * 4000]
    await _still_up(page, "workshop.error", frames)
    await page.send_json_to({"type": "workshop.where", "lesson": "container-to-container",
                             "step": 2})
    await page.disconnect()
