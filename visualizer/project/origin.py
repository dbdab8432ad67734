"""The websocket's Origin must be the page's own: scheme, host and port.

Channels' ``AllowedHostsOriginValidator`` compares the host only, so a page on
another port or scheme of the same host (``http://127.0.0.1:9999``) could open
a learner's sockets with their cookie.  Here the Origin must equal the scheme
the request came by (``wss``/``https``, or the proxy's header named by
``SECURE_PROXY_SSL_HEADER``) with the request's own Host, and that host must
be allowed.  A client that sends no Host (channels' test communicator) is
held to ``ALLOWED_HOSTS`` alone, as before.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORT = {"http": 80, "https": 443}


def _secure(scope, headers: dict) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode()
        return headers.get(name, b"").decode("latin-1").split(",")[0].strip() == proxy[1]
    return False


def _hostport(netloc: str, scheme: str) -> tuple[str, int]:
    host, port = split_domain_port(netloc)
    return host, int(port) if port else DEFAULT_PORT[scheme]


def same_origin(scope) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin", b"").decode("latin-1")
    parsed = urlsplit(origin)
    if parsed.scheme not in DEFAULT_PORT or not parsed.netloc:
        return False
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        return validate_host(split_domain_port(parsed.netloc)[0], settings.ALLOWED_HOSTS)
    scheme = "https" if _secure(scope, headers) else "http"
    want = _hostport(host, scheme)
    return (parsed.scheme == scheme and _hostport(parsed.netloc, scheme) == want
            and validate_host(want[0], settings.ALLOWED_HOSTS))


class SameOriginValidator:
    """ASGI middleware: a websocket whose Origin is not the page's own is refused."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)
