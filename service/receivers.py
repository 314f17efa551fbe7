"""What a recorded timeline line sets off: the one list of receivers.

A state change records a line (``service.reports.timeline.record``), which sends
``line_recorded``. Its receivers, in the order they run:

In the line's transaction (they commit or roll back with it; nothing is lost):
1. ``audit_line``: the hash-chained audit trail gets the change (``complaint.<action>``).
2. ``notifications.outbox.on_line``: the inbox rows of whoever the line concerns, and one
   outbox row per channel they chose, delivered by the relay after the commit.

After the commit (best effort; a console that missed one catches up on reconnect):
3. ``notifications.live.publish_after_commit``: the live stream the consoles listen to.

Importing this module connects them; the API, the workers and the CLI import it before
they handle anything (``service.main``, ``workers.app``, ``service.cli``).
"""

from sqlmodel import Session

from service import audit
from service.notifications import live, outbox
from service.reports.models import Complaint, ComplaintEvent
from service.reports.timeline import line_recorded


def audit_line(session: Session, complaint: Complaint, line: ComplaintEvent) -> None:
    # The actor is read back from the line: a system line (a worker, beat) has none.
    actor = audit.Caller(id=line.actor_id, role=line.actor_role) if line.actor_role else audit.SYSTEM
    audit.record(
        session=session,
        actor=actor,
        action=f"complaint.{line.action}",
        object_type="complaint",
        object_id=complaint.id,
        before={"status": line.from_status} if line.from_status else None,
        after={"status": line.to_status, "note": line.note, "internal_note": line.internal_note, "data": line.data},
        at=line.at,
    )


def connect() -> None:
    line_recorded.connect(audit_line)
    line_recorded.connect(outbox.on_line)
    line_recorded.connect_after_commit(live.publish_after_commit)


connect()
