from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    """Workshops: rooms, instructors' boards, goto/spotlight, hot start, CSV."""

    name = "visualizer.workshops"
    label = "workshops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (a recorded run goes on its room's board)
