"""Celery tasks of the projects app: thin wrappers over services."""

from celery import shared_task


@shared_task(name="projects.commits_sweep")
def commits_sweep_task() -> int:
    from projects.services import milestone_commits_sweep

    return milestone_commits_sweep()


@shared_task(name="projects.commit_record", ignore_result=True)
def commit_record_task(submission_id: int) -> None:
    from projects.models import MilestoneSubmission
    from projects.services import milestone_commit_record

    submission = MilestoneSubmission.objects.select_related("milestone").filter(id=submission_id).first()
    if submission is not None and submission.repository_url:
        milestone_commit_record(submission=submission)
