"""Stuck work recovers by itself: import jobs carry a heartbeat and a sweep queues again any job
that lost its worker; the outbox keeps a message until a worker has begun its task.

Run here with Celery eager (the re-queued task runs inline after commit); the same through a real
worker and broker, killed, is in tests/faults/test_stalled_work.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cxops.errors import ApplicationError
from cxops.models import ExperienceReport
from cxops.models import ImportJob
from cxops.models import OutboxMessage
from cxops.services import outbox
from cxops.services.imports import core
from cxops.services.imports.core import import_job_create
from cxops.services.imports.core import import_job_run
from cxops.services.imports.core import import_job_start
from cxops.services.imports.recovery import import_job_resume
from cxops.services.imports.recovery import import_jobs_recover
from cxops.services.outbox import outbox_drain
from cxops.services.outbox import outbox_message_started
from cxops.services.rollups import rollups_verify
from tests.cxops.test_import_pages import _big_file

ROWS = 50


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so the run cannot record a failure."""


def _ago(seconds: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=seconds)


def _stale() -> float:
    return settings.CXOPS_WORK_STALE_SECONDS + 1


@pytest.fixture
def killed_mid_import(monkeypatch, analyst, reference_data):
    """An import whose worker died after committing its first chunk of 10 rows."""
    job = import_job_create(
        actor=analyst, kind="reports", source_system="中断", original_name="p.csv", data=_big_file(ROWS)
    )
    import_job_start(actor=analyst, job=job, enqueue=False)
    monkeypatch.setattr(core, "chunk_rows", lambda total_lines=None: 10)
    real_commit = core._commit_chunk
    commits = {"count": 0}

    def commit_then_die(*args, **kwargs):
        commits["count"] += 1
        if commits["count"] == 2:
            raise WorkerKilled
        return real_commit(*args, **kwargs)

    monkeypatch.setattr(core, "_commit_chunk", commit_then_die)
    with pytest.raises(WorkerKilled):
        import_job_run(job_id=job.pk)
    monkeypatch.setattr(core, "_commit_chunk", real_commit)
    job.refresh_from_db()
    assert (job.status, job.processed_lines, job.inserted) == ("running", 11, 10)
    return job


@pytest.mark.django_db
def test_a_running_job_without_a_heartbeat_is_queued_again_and_finishes_exactly(
    killed_mid_import, django_capture_on_commit_callbacks
):
    job = killed_mid_import
    # given its last sign of life is older than the stale limit
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale()))
    # when the sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        recovered = import_jobs_recover()
    # then the job was queued again and resumed after its committed chunk, every row exactly once
    assert recovered == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.inserted, job.rejected, job.recoveries, job.attempts) == ("done", ROWS, 0, 1, 2)
    assert ExperienceReport.objects.filter(source_system="中断").count() == ROWS
    assert rollups_verify() == []


@pytest.mark.django_db
def test_a_job_with_a_recent_heartbeat_is_left_alone(killed_mid_import, django_capture_on_commit_callbacks):
    job = killed_mid_import
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale() - 5))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert import_jobs_recover() == []
    assert callbacks == []
    job.refresh_from_db()
    assert (job.status, job.recoveries, job.inserted) == ("running", 0, 10)


@pytest.mark.django_db
def test_a_queued_job_whose_message_still_waits_in_the_outbox_is_left_to_the_outbox(analyst, reference_data):
    from cxops.tasks import run_import_job

    job = import_job_create(
        actor=analyst, kind="reports", source_system="排队", original_name="p.csv", data=_big_file(5)
    )
    import_job_start(actor=analyst, job=job, enqueue=False)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale()))
    OutboxMessage.objects.create(task_name=run_import_job.name, args=[job.pk], sent_at=_ago(_stale()))
    assert import_jobs_recover() == []
    assert ImportJob.objects.get(pk=job.pk).recoveries == 0


@pytest.mark.django_db
def test_the_owner_resumes_a_stalled_job_and_another_analyst_may_not(
    killed_mid_import, make_user, django_capture_on_commit_callbacks
):
    job = killed_mid_import
    other = make_user("analyst")
    # while the job still shows signs of life, nobody may resume it
    with pytest.raises(ApplicationError) as refused:
        import_job_resume(actor=job.created_by, job=job)
    assert refused.value.code == "conflict"
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale()))
    # another analyst may not resume someone else's job
    with pytest.raises(ApplicationError) as refused:
        import_job_resume(actor=other, job=job)
    assert refused.value.code == "forbidden"
    assert ImportJob.objects.get(pk=job.pk).recoveries == 0
    # the owner may
    with django_capture_on_commit_callbacks(execute=True):
        import_job_resume(actor=job.created_by, job=job)
    job.refresh_from_db()
    assert (job.status, job.inserted, job.recoveries) == ("done", ROWS, 1)


@pytest.mark.django_db
def test_the_job_page_shows_a_stalled_job_and_offers_resume_to_its_owner_only(
    killed_mid_import, client_for, make_user, django_capture_on_commit_callbacks
):
    job = killed_mid_import
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale()))
    url = reverse("reports:import", args=[job.pk])
    resume = reverse("reports:import-resume", args=[job.pk])
    owner, other = client_for(job.created_by), client_for(make_user("analyst"))
    page = owner.get(url).content.decode()
    assert 'id="job-stalled"' in page and resume in page
    assert owner.get(reverse("reports:import-progress", args=[job.pk])).json()["stalled"] is True
    other_page = other.get(url).content.decode()
    assert 'id="job-stalled"' in other_page and resume not in other_page
    # the other analyst's POST is refused; the owner's resumes the job
    other.post(resume)
    assert ImportJob.objects.get(pk=job.pk).status == "running"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(resume)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.inserted) == ("done", ROWS)
    assert 'id="job-stalled"' not in owner.get(url).content.decode()


# --- the outbox keeps a message until the worker begins the task ----------------------------------


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(outbox.current_app, "send_task", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.mark.django_db
def test_a_message_the_broker_lost_is_published_again_after_the_stale_limit_then_with_backoff(published):
    stale = settings.CXOPS_WORK_STALE_SECONDS
    message = OutboxMessage.objects.create(
        task_name="cxops.tasks.run_import_job",
        args=[7],
        created_at=_ago(stale + 60),
        sent_at=_ago(stale + 1),
        attempts=1,
    )
    # when the drain runs and the message was published but no worker ever began it
    assert outbox_drain() == {"pending": 0, "sent": 0, "resent": 1}
    # then it was published again under the same task id
    assert published == [
        (
            "cxops.tasks.run_import_job",
            {"args": [7], "kwargs": {}, "task_id": f"outbox-{message.pk}", "retry": False},
        )
    ]
    message.refresh_from_db()
    assert (message.attempts, message.started_at) == (2, None)
    # and not again before twice the stale limit has passed
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=_ago(2 * stale - 5))
    assert outbox_drain()["resent"] == 0
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=_ago(2 * stale + 1))
    assert outbox_drain()["resent"] == 1
    assert len(published) == 2


@pytest.mark.django_db
def test_a_started_message_is_never_published_again_and_is_purged_after_a_day(published):
    stale = settings.CXOPS_WORK_STALE_SECONDS
    message = OutboxMessage.objects.create(task_name="x", args=[], sent_at=_ago(stale + 1), attempts=1)
    # when a worker begins the task (the worker's task_prerun hook)
    assert outbox_message_started(task_id=f"outbox-{message.pk}") is True
    assert outbox_message_started(task_id=f"outbox-{message.pk}") is False  # recorded once
    assert outbox_message_started(task_id="3f2a-not-from-the-outbox") is False
    # then the drain leaves it alone, and forgets it a day later
    assert outbox_drain() == {"pending": 0, "sent": 0, "resent": 0}
    assert published == []
    OutboxMessage.objects.filter(pk=message.pk).update(started_at=_ago(86_400 + 1))
    outbox_drain()
    assert OutboxMessage.objects.count() == 0


def test_beat_sweeps_for_stalled_work_every_interval():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["recover-stalled-work"] == {
        "task": "cxops.tasks.recover_stalled_work",
        "schedule": settings.CXOPS_SWEEP_INTERVAL_SECONDS,
    }
    assert schedule["drain-outbox"]["schedule"] == settings.CXOPS_SWEEP_INTERVAL_SECONDS


@pytest.mark.django_db
def test_a_job_that_stops_at_the_same_line_again_and_again_fails_and_its_owner_is_told(
    killed_mid_import, monkeypatch, django_capture_on_commit_callbacks
):
    """A chunk that kills every worker taking it: taken again three times, then failed by the next
    worker instead of run, not handed from worker to worker for ever."""
    from cxops.models import Notification

    job = killed_mid_import  # taken once, died after line 11

    def die(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(core, "_commit_chunk", die)
    for sweep in range(1, core.MAX_STALLS_WITHOUT_PROGRESS + 2):
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=_ago(_stale()))
        try:
            with django_capture_on_commit_callbacks(execute=True):
                import_jobs_recover()
        except WorkerKilled:  # the re-queued task runs inline (Celery eager) and dies again
            pass
        job.refresh_from_db()
        if sweep < core.MAX_STALLS_WITHOUT_PROGRESS:
            assert (job.status, job.recoveries, job.stalls_without_progress) == ("running", sweep, sweep - 1)
    # taken first from line 0, then three times at line 11 (run, died); the fourth there fails it
    assert (job.status, job.processed_lines) == ("failed", 11)
    assert job.attempts == job.recoveries == core.MAX_STALLS_WITHOUT_PROGRESS + 1
    assert "11" in job.error
    told = Notification.objects.get(recipient=job.created_by)
    assert "p.csv" in told.title and told.url == reverse("reports:import", args=[job.pk])
    # the broker handing the same message over again changes nothing now
    assert import_job_run(job_id=job.pk).status == "failed"
    # a failed job is the owner's to resume, which starts the count again (its task is queued on commit)
    import_job_resume(actor=job.created_by, job=job)
    job.refresh_from_db()
    assert (job.status, job.stalls_without_progress, job.stalled_at_line) == ("queued", 0, None)


@pytest.mark.django_db
def test_a_job_taken_again_further_on_each_time_is_run_each_time(killed_mid_import, monkeypatch):
    job = killed_mid_import
    monkeypatch.setattr(core, "_run", lambda job, progress: None)  # taken, then (say) killed again
    for line in (11, 21, 31, 41, 51):  # each take a chunk further on
        ImportJob.objects.filter(pk=job.pk).update(processed_lines=line, status="queued")
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.stalls_without_progress, job.stalled_at_line) == (0, line)
    assert job.status == "done"


@pytest.mark.django_db
def test_starting_a_failed_job_again_counts_its_stalls_afresh(killed_mid_import):
    job = killed_mid_import
    ImportJob.objects.filter(pk=job.pk).update(status="failed", stalls_without_progress=3, stalled_at_line=11)
    import_job_start(actor=job.created_by, job=job, enqueue=False)
    job.refresh_from_db()
    assert (job.status, job.stalls_without_progress, job.stalled_at_line) == ("queued", 0, None)
