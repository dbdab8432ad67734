"""The workshop models move here from the learner app (label ``visualizer``).

Only Django's state moves: the tables keep their names (``db_table``), and the
content types (so the ``run_workshop`` permission and who holds it) follow."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import visualizer.workshops.models

MOVED = ("workshop", "learner")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="workshops", model=model).exists():
            ContentType.objects.using(db).filter(app_label="visualizer", model=model).update(
                app_label="workshops")


def move_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(
        app_label="workshops", model__in=MOVED).update(app_label="visualizer")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("visualizer", "0003_workshops"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Workshop",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(default=visualizer.workshops.models.new_code, max_length=12, unique=True)),
                ("title", models.CharField(max_length=200)),
                ("lessons", models.JSONField(default=list)),
                ("seats", models.PositiveIntegerField(default=30)),
                ("lesson", models.CharField(blank=True, default="", max_length=100)),
                ("step", models.PositiveIntegerField(default=1)),
                ("spotlight", models.JSONField(blank=True, default=dict)),
                ("closed", models.BooleanField(default=False)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("instructors", models.ManyToManyField(blank=True, related_name="workshops", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "db_table": "visualizer_workshop",
                "ordering": ["-created"],
                "permissions": [("run_workshop", "Can create and run workshops")],
            },
        ),
        migrations.CreateModel(
            name="Learner",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=40)),
                ("owner", models.CharField(db_index=True, max_length=64)),
                ("lesson", models.CharField(blank=True, default="", max_length=100)),
                ("step", models.PositiveIntegerField(default=1)),
                ("ahead", models.BooleanField(default=False)),
                ("joined", models.DateTimeField(auto_now_add=True)),
                ("workshop", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="learners", to="workshops.workshop")),
            ],
            options={
                "db_table": "visualizer_learner",
                "ordering": ["joined"],
                "constraints": [models.UniqueConstraint(fields=("workshop", "owner"), name="one_seat_per_browser")],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
        migrations.RunPython(move_content_types, move_back),
    ]
