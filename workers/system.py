"""Housekeeping tasks."""

from service.core.redis import get_redis
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from workers.app import celery_app

HEARTBEAT_KEY = "phananh:beat:last"


@celery_app.task(name=TaskName.HEARTBEAT)
def heartbeat() -> str:
    """Beat sends this every minute and a worker records when it ran, so operators can see
    that the scheduler and at least one worker are alive."""
    moment = utcnow().isoformat()
    get_redis().set(HEARTBEAT_KEY, moment, ex=600)
    return moment
