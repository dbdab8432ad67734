"""Django system checks: say, with a hint, why the live lab cannot start.

Started as root, the lab drops to the lab user (``LAB_USER``) first: the
checks also name each folder that user cannot read, and what to change.
"""
import sys

from django.conf import settings
from django.core import checks

from ..core.config import LabConfig
from ..lab.client import preflight_problems, sandbox_cap


LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1", "testserver"}   # testserver: Django's tests


@checks.register("security")
def secret_key_is_set(app_configs, **kwargs):
    """The built-in key is for one machine only: served beyond loopback without
    DEBUG, the app refuses to start until SECRET_KEY is set."""
    public = [h for h in settings.ALLOWED_HOSTS if h not in LOOPBACK]
    if settings.DEBUG or not public or settings.SECRET_KEY != settings.DEV_SECRET_KEY:
        return []
    return [checks.Error(
        f"SECRET_KEY is the built-in development key, and ALLOWED_HOSTS serves {public[0]}",
        hint="set a secret of your own in the environment, e.g. SECRET_KEY=$(python3 -c "
             "'import secrets; print(secrets.token_urlsafe(50))')",
        id="nfvis.E001")]


@checks.register("lab", deploy=False)
def lab_can_start(app_configs, **kwargs):
    cfg = LabConfig.from_settings(settings)
    problems, notices = preflight_problems(cfg)
    cap, _, why = sandbox_cap(cfg)
    # What the cap is, and why, for whoever sets a machine up; a deployment's own
    # check (--deploy) lists what must change, and the cap is not that.
    told = [] if "--deploy" in sys.argv else [
        checks.Info(f"the lab holds at most {cap} sandboxes: {why}", id="nfvis.I002")]
    return (told + [checks.Warning(p.message, hint=p.hint, id=p.id) for p in problems]
            + [checks.Info(p.message, hint=p.hint, id=p.id) for p in notices])
