"""Django system checks: say, with a hint, why the live lab cannot start."""
from django.core import checks

from .lab.client import preflight_problems


@checks.register("lab", deploy=False)
def lab_can_start(app_configs, **kwargs):
    return [checks.Warning(p.message, hint=p.hint, id=p.id) for p in preflight_problems()]
