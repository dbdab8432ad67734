from django.apps import AppConfig


class LearnConfig(AppConfig):
    """The learner side: lessons, runs, progress and the lab socket.

    Its label stays ``visualizer`` (the app's name before the split), so the
    tables, migrations and permissions of existing databases keep their names."""

    name = "visualizer.learn"
    label = "visualizer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
