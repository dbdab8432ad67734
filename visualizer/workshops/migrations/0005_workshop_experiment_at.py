from django.db import migrations, models


class Migration(migrations.Migration):
    """When the room was sent its experiment: the board counts each learner's experiment
    runs since then (roomview.experiment_runs)."""

    dependencies = [
        ('workshops', '0004_workshop_experiment'),
    ]

    operations = [
        migrations.AddField(
            model_name='workshop',
            name='experiment_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
