"""An instructor sends the room an experiment as an extra step (issue 19): the board's
workshop.goto with ``experiment`` is checked (a bad value: board.error naming the field,
the room unmoved, the socket up), stored, and reaches the learners' pages and the board;
a goto without one brings the room back; a page opened later hears it in workshop.state."""
import pytest

from visualizer.workshops.models import Workshop

from .test_workshops import (LESSONS, browser_join, instructor_session, lab,  # noqa: F401
                             receive_type, setup_room)
from ..support import communicator

pytestmark = pytest.mark.django_db(transaction=True)
EXPERIMENT = {"base": "", "traffic": [{"from": "c2", "to": "203.0.113.10", "proto": "udp",
                                        "port": 5353}]}


async def test_goto_an_experiment_reaches_the_room_and_back(lab):  # noqa: F811
    w, teacher = await setup_room()
    _, _, ann = await browser_join(w.code, "Ann")
    board = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    assert (await receive_type(board, "board.state"))["experiment"] is None
    learner = await communicator("/ws/workshop/", session=ann)
    assert (await receive_type(learner, "workshop.state"))["experiment"] is None
    # a bad value names its field; nothing moves
    bad = {"base": "", "traffic": [{"from": "nowhere", "to": "10.0.0.1"}]}
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 1,
                              "experiment": bad})
    err = await receive_type(board, "board.error")
    assert err["kind"] == "input" and "traffic[0].from" in err["message"]
    assert (await Workshop.objects.aget(pk=w.pk)).experiment == {}
    # a good one: checked, stored, sent to the room and the board
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 2,
                              "experiment": EXPERIMENT})
    goto = await receive_type(learner, "workshop.goto")
    assert (goto["lesson"], goto["step"]) == (LESSONS[0], 2)
    sent = goto["experiment"]
    assert sent["traffic"][0]["from"] == "c2" and sent["traffic"][0]["port"] == 5353
    assert sent["traffic"][0]["count"] == 3           # as checked: the defaults filled in
    where = await receive_type(board, "board.where")
    assert where["experiment"] == sent and where["where"]["step"] == 2
    assert (await Workshop.objects.aget(pk=w.pk)).experiment == sent
    # a page opened now hears it on connect; so does a board
    late = await communicator("/ws/workshop/", session=ann)
    assert (await receive_type(late, "workshop.state"))["experiment"] == sent
    board2 = await communicator(f"/ws/board/{w.code}/", session=await instructor_session(teacher))
    assert (await receive_type(board2, "board.state"))["experiment"] == sent
    # a goto without one brings the room back to its lesson step
    await board.send_json_to({"type": "workshop.goto", "lesson": LESSONS[0], "step": 2})
    back = await receive_type(learner, "workshop.goto")
    assert back["experiment"] is None and back["step"] == 2
    assert (await receive_type(board, "board.where"))["experiment"] is None
    assert (await Workshop.objects.aget(pk=w.pk)).experiment == {}
    for c in (board, board2, learner, late):
        await c.disconnect()
