"""The IOC's scheduled work: the monthly report."""

from datetime import datetime

from service.core.database import session_scope
from service.core.tasks import TaskName
from service.core.timeutil import utcnow
from service.ioc import monthly
from workers.app import celery_app


@celery_app.task(name=TaskName.MONTHLY_REPORT)
def monthly_report(now: datetime | None = None) -> str:
    """Beat, on the 1st at 01:00 (Vietnam): make and keep last month's report. Run again,
    it replaces the one made before, so a retried or doubled beat leaves one report."""
    moment = now or utcnow()
    month = monthly.previous_month(now=moment)
    with session_scope() as session:
        report = monthly.make(session=session, month=month, now=moment, created_by=None)
        return report.storage_key
