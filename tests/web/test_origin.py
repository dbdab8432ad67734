"""The websocket Origin must be the page's own scheme, host and port."""
import pytest
from channels.testing import WebsocketCommunicator
from django.test import override_settings

pytestmark = pytest.mark.django_db(transaction=True)


async def _connects(origin: str, host: str | None, path="/ws/lab/", extra=()) -> bool:
    from visualizer.project.asgi import application
    headers = [(b"origin", origin.encode())] + ([(b"host", host.encode())] if host else [])
    comm = WebsocketCommunicator(application, path, headers=headers + list(extra))
    ok, _ = await comm.connect()
    await comm.disconnect()
    return ok


@pytest.mark.parametrize("origin, host, ok", [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
    ("http://localhost", "localhost", True),
    ("http://localhost:9999", "localhost:8000", False),     # another port of the same host
    ("https://127.0.0.1", "127.0.0.1", False),              # another scheme
    ("http://evil.example", "127.0.0.1:8000", False),
    ("null", "127.0.0.1:8000", False),
    ("http://127.0.0.1", None, True),                        # no Host: ALLOWED_HOSTS alone
    ("http://evil.example", None, False),
])
async def test_origin_must_be_the_pages_own(origin, host, ok):
    assert await _connects(origin, host) is ok
    assert await _connects(origin, host, "/ws/workshop/") is ok


@override_settings(ALLOWED_HOSTS=["lab.example.org"],
                   SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
async def test_behind_an_https_proxy_the_origin_is_https():
    proto = [(b"x-forwarded-proto", b"https")]
    assert await _connects("https://lab.example.org", "lab.example.org", extra=proto)
    assert not await _connects("http://lab.example.org", "lab.example.org", extra=proto)
    assert not await _connects("https://lab.example.org", "lab.example.org")
