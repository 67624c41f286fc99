"""REST API routes of the quizzes, mounted under /api/."""

urlpatterns: list = []
