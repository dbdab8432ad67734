"""ASGI entry point: HTTP through Django, websockets through Channels."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visualizer.project.settings")
django_app = get_asgi_application()

from django.core import checks  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

# the app refuses to start where its own security check fails (the built-in key in public)
_refused = [e for e in checks.run_checks(tags=["security"]) if e.id.startswith("nfvis.E")]
if _refused:
    raise ImproperlyConfigured(f"{_refused[0].msg}: {_refused[0].hint}")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.auth import AuthMiddlewareStack  # noqa: E402

from .origin import SameOriginValidator  # noqa: E402
from .routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter({
    "http": django_app,
    "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
})
