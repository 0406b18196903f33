"""New public event ids are version 7 UUIDs (`models.event_uuid`): time-ordered, so the unique indexes on them
grow at their end. Only the Python default changes; the columns are unchanged, so nothing is written to the
database (on SQLite an AlterField would rebuild every registry table)."""

import kinward.apps.registry.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0006_choice_labels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.AlterField(
                model_name='abandonmentreport',
                name='public_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, null=True, unique=True),
            ),
            migrations.AlterField(
                model_name='adoptionfile',
                name='public_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, null=True, unique=True),
            ),
            migrations.AlterField(
                model_name='antenatalvisit',
                name='event_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, unique=True),
            ),
            migrations.AlterField(
                model_name='birth',
                name='event_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, unique=True),
            ),
            migrations.AlterField(
                model_name='certificate',
                name='public_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, null=True, unique=True),
            ),
            migrations.AlterField(
                model_name='custodyevent',
                name='event_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, unique=True),
            ),
            migrations.AlterField(
                model_name='pregnancy',
                name='event_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, null=True, unique=True),
            ),
            migrations.AlterField(
                model_name='pregnancyevent',
                name='event_id',
                field=models.UUIDField(default=kinward.apps.registry.models.event_uuid, editable=False, unique=True),
            ),
            ],
        ),
    ]
