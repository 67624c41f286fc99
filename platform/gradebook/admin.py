"""Admin: weights per course, and every adjustment (searchable by Neptun code), read as a record."""

from django.contrib import admin

from gradebook.models import Adjustment, GradebookWeights


@admin.register(GradebookWeights)
class GradebookWeightsAdmin(admin.ModelAdmin):
    list_display = [
        "course",
        "quiz_weight",
        "assignment_weight",
        "milestone_weight",
        "updated_by",
        "updated_at",
    ]
    readonly_fields = ["updated_by", "updated_at"]


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin):
    list_display = [
        "student",
        "course",
        "column_key",
        "column_title",
        "kind",
        "points",
        "extension_days",
        "created_by",
        "created_at",
        "withdrawn_at",
    ]
    list_filter = ["course", "kind"]
    search_fields = ["student__neptun_code", "student__full_name", "column_title", "reason"]
    autocomplete_fields = ["student"]
    readonly_fields = ["created_by", "created_at", "withdrawn_by", "withdrawn_at"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change) -> None:
        from django.utils import timezone

        if not change:
            obj.created_by = request.user
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)
