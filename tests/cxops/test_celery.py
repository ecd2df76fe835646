import pytest

from cxops.models import WorkerHeartbeat
from cxops.tasks import worker_heartbeat
from tests.conftest import wait_for


@pytest.mark.django_db
def test_task_runs_inline_in_embedded_mode():
    worker_heartbeat.delay()
    assert WorkerHeartbeat.objects.filter(worker="eager").exists() or WorkerHeartbeat.objects.count() == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_through_real_broker_is_executed_by_real_worker_and_committed(celery_worker_process):
    # given a real worker on the test database, and no heartbeat yet
    WorkerHeartbeat.objects.all().delete()
    # when a task goes through the broker
    worker_heartbeat.delay()
    # then the worker (not this process) ran it and its write is committed where we can read it
    heartbeat = wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=30)
    assert heartbeat.worker.startswith("pytest-")
