"""Any exception in a socket's handler is that socket's *.error; the socket stays up."""
import pytest

from .support import communicator

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_bug_in_the_lab_sockets_handler_is_an_internal_error(monkeypatch):
    from visualizer.learn import consumers

    def broken(*a, **k):
        raise RuntimeError("boom")
    monkeypatch.setattr(consumers, "parse_request", broken)
    comm = await communicator()
    await comm.send_to(text_data="{}")
    msg = await comm.receive_json_from(timeout=5)
    assert msg == {"type": "lab.error", "kind": "internal", "message": "RuntimeError: boom",
                   "message_msg": {"id": "error.failed", "args": {"what": "RuntimeError", "why": "boom"}}}
    await comm.send_to(text_data="{}")              # still up
    assert (await comm.receive_json_from(timeout=5))["kind"] == "internal"
    await comm.disconnect()


async def test_a_bug_in_a_workshop_handler_is_a_workshop_error(monkeypatch):
    from visualizer.workshops import consumers

    def broken(self, text_data):
        raise KeyError("x")
    monkeypatch.setattr(consumers.LearnerConsumer, "parse", broken)
    comm = await communicator("/ws/workshop/")
    first = await comm.receive_json_from(timeout=5)           # not joined: an input error
    assert first["type"] == "workshop.error"
    await comm.send_to(text_data='{"type": "workshop.where"}')
    msg = await comm.receive_json_from(timeout=5)
    assert msg["type"] == "workshop.error" and msg["kind"] == "internal"
    await comm.disconnect()
