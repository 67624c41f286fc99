from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import Course, Enrollment, Invitation, User


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "neptun_code", "full_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "groups", "enrollments__course"]
    search_fields = ["neptun_code", "username", "full_name", "email"]
    ordering = ["username"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Course identity", {"fields": ("neptun_code", "full_name")}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        ("Course identity", {"fields": ("neptun_code", "full_name", "email")}),
    )


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "term", "created_at"]
    search_fields = ["code", "title", "enrollments__user__neptun_code"]
    inlines = [EnrollmentInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["course", "user", "role", "created_at"]
    list_filter = ["course", "role"]
    search_fields = ["user__neptun_code", "user__username", "user__full_name", "course__code"]
    autocomplete_fields = ["user", "course"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "created_at", "expires_at", "used_at"]
    list_filter = ["course"]
    search_fields = ["user__neptun_code", "user__username"]
    readonly_fields = ["token_hash", "created_at", "used_at"]
