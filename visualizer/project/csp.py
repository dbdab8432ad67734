"""The Content-Security-Policy header, on every response (Django 5 has no built-in CSP).

The pages load only their own static files: ES modules (``<script type="module"
src=...>``), one stylesheet, and data blocks from ``json_script``
(``type="application/json"``, which is never run, so the policy needs no hash or
nonce for it).  No page has inline script, an ``on*=`` handler, a ``style=``
attribute or a ``<style>`` element (``tests/web/test_csp.py`` checks every page),
so neither scripts nor styles need ``'unsafe-inline'``; the JS sets styles only
through the CSSOM (``el.style.x = ...``), which a CSP does not block.  Why each
source is there:

- ``default-src 'self'``: anything not named below (fonts, media, workers) from here only.
- ``script-src 'self'``: the modules under /static/; no inline script, no eval.
- ``style-src 'self'``: /static/css/app.css; no inline style.
- ``img-src 'self' data:``: the favicon is a ``data:`` SVG (the diagram and QR code
  are inline SVG elements, not images).
- ``connect-src 'self'``: the page's own websocket (``ws.js`` opens ws(s)://<this
  host>/ws/...); in CSP Level 3, which current browsers follow, ``'self'`` also
  matches ws: and wss: to the page's own host, so no other host is allowed.
- ``object-src 'none'``, ``base-uri 'none'``: no plugins; no ``<base>`` to re-point
  the relative script URLs.
- ``frame-ancestors 'none'``: never framed (as ``X-Frame-Options: DENY`` says too).
- ``form-action 'self'``: sign-in, join and new-workshop forms post here only.

A deployment adds sources with ``CSP_EXTRA`` (environment or settings), e.g.
``"img-src https://cdn.example.org; connect-src wss://lab.example.org;
report-uri /csp-reports"``: each named directive gets those sources added (a new
directive is appended).  ``'unsafe-inline'``, ``'unsafe-eval'`` or a wildcard for
scripts (``script-src``, ``script-src-elem``, ``script-src-attr``) is refused at
start-up: inline script is what the policy is there to forbid.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.deprecation import MiddlewareMixin

HEADER = "Content-Security-Policy"
DEFAULT: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "frame-ancestors": ("'none'",),
    "form-action": ("'self'",),
}
SCRIPT_DIRECTIVES = ("script-src", "script-src-elem", "script-src-attr")
NEVER_FOR_SCRIPTS = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:",
                     "http:", "https:"}


def policy(extra: str = "") -> str:
    """The header's value: ``DEFAULT`` with ``extra``'s sources added
    (``"directive source ...; directive source ..."``)."""
    directives = {name: list(sources) for name, sources in DEFAULT.items()}
    for part in (extra or "").split(";"):
        if not part.strip():
            continue
        name, *sources = part.split()
        name = name.lower()
        if not name.replace("-", "").isalpha():
            raise ImproperlyConfigured(f"CSP_EXTRA: {name!r} is not a directive name")
        kept = directives.setdefault(name, [])
        if "'none'" in kept and sources:
            kept.remove("'none'")
        kept += [s for s in sources if s not in kept]
    for name in SCRIPT_DIRECTIVES:
        bad = NEVER_FOR_SCRIPTS.intersection(s.lower() for s in directives.get(name, ()))
        if bad:
            raise ImproperlyConfigured(
                f"CSP_EXTRA: {name} may not allow {', '.join(sorted(bad))}: the policy exists "
                "to forbid inline and foreign script")
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sets ``Content-Security-Policy`` on every response that has none of its own
    (sync and async alike, as Django's own middleware; the value is built once)."""

    def __init__(self, get_response):
        super().__init__(get_response)
        self.value = policy(getattr(settings, "CSP_EXTRA", ""))

    def process_response(self, request, response):
        if HEADER not in response:
            response[HEADER] = self.value
        return response
