from django.db import migrations, models


class Migration(migrations.Migration):
    """A learner's page is the room's experiment (workshop.where's experiment): the board
    says so, instead of the step they were last on."""

    dependencies = [
        ('workshops', '0005_workshop_experiment_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='learner',
            name='on_experiment',
            field=models.BooleanField(default=False),
        ),
    ]
