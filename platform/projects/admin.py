"""Admin for every projects model; teams, submissions and grades are searchable by Neptun code.

Instructors set up milestones and their rubrics here (or start from `manage.py project_milestones_setup`).
"""

from django.contrib import admin

from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneGradeMember,
    MilestoneSubmission,
    Project,
    RubricCriterion,
    TeamInvitation,
    TeamMembership,
)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["student"]
    fields = ["student", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "repository_url", "created_at"]
    list_filter = ["course"]
    search_fields = ["title", "members__student__neptun_code", "members__student__full_name"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [TeamMembershipInline]


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["student", "project", "course", "joined_at"]
    list_filter = ["course"]
    search_fields = ["student__neptun_code", "student__full_name", "project__title"]
    autocomplete_fields = ["student", "project"]
    fields = ["project", "student", "course", "joined_at"]
    readonly_fields = ["course", "joined_at"]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 1
    fields = ["order", "name", "max_points", "description"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["course", "order", "title", "kind", "deadline", "needs_url", "needs_pdf", "max_pdf_bytes"]
    list_filter = ["course", "kind"]
    search_fields = ["title", "course__code"]
    inlines = [RubricCriterionInline]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "milestone", "max_points", "order"]
    list_filter = ["milestone__course", "milestone"]
    search_fields = ["name", "milestone__title"]


@admin.register(MilestoneSubmission)
class MilestoneSubmissionAdmin(admin.ModelAdmin):
    list_display = ["project", "milestone", "submitted_at", "submitted_by", "in_english", "repository_url"]
    list_filter = ["milestone__course", "milestone", "in_english"]
    search_fields = ["project__title", "project__members__student__neptun_code", "repository_url"]
    readonly_fields = ["pdf_original_name", "pdf_bytes"]
    date_hierarchy = "submitted_at"


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0


class MilestoneGradeMemberInline(admin.TabularInline):
    """Who is credited with the grade: the team's members at its first grading."""

    model = MilestoneGradeMember
    extra = 0
    autocomplete_fields = ["student"]


@admin.register(MilestoneGrade)
class MilestoneGradeAdmin(admin.ModelAdmin):
    list_display = ["project", "milestone", "points", "graded_by", "graded_at"]
    list_filter = ["milestone__course", "milestone"]
    search_fields = ["project__title", "project__members__student__neptun_code", "comment"]
    inlines = [MilestoneGradeMemberInline, CriterionScoreInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # a grade made here is credited like one made by milestone_grade
            MilestoneGradeMember.objects.bulk_create(
                [MilestoneGradeMember(grade=obj, student_id=m.student_id) for m in obj.project.members.all()],
                ignore_conflicts=True,
            )


@admin.register(TeamInvitation)
class TeamInvitationAdmin(admin.ModelAdmin):
    list_display = ["project", "student", "invited_by", "created_at"]
    list_filter = ["project__course"]
    search_fields = ["project__title", "student__neptun_code"]


@admin.register(CriterionScore)
class CriterionScoreAdmin(admin.ModelAdmin):
    list_display = ["grade", "criterion", "points"]
    list_filter = ["criterion__milestone__course"]
    search_fields = ["grade__project__members__student__neptun_code", "criterion__name"]
