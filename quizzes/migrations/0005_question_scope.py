from django.db import migrations, models

SCOPE_CHOICES = [("lecture", "lecture"), ("advanced", "advanced")]


class Migration(migrations.Migration):
    """Questions get a generator scope. Existing rows become "advanced", what they drew before, so
    their variants do not change; new questions default to the lecture's scope."""

    dependencies = [
        ("quizzes", "0004_practice_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="scope",
            field=models.CharField(
                choices=SCOPE_CHOICES,
                default="advanced",
                help_text="Parametric questions: lecture scope or the advanced forms.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="scope",
            field=models.CharField(
                choices=SCOPE_CHOICES,
                default="lecture",
                help_text="Parametric questions: lecture scope or the advanced forms.",
                max_length=20,
            ),
        ),
    ]
