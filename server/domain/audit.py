"""Writing the audit trail. Every state change goes through ``record``."""
from ..extensions import db
from ..models import AuditEntry


def record(actor, action, obj, before=None, after=None):
    """Append one audit row for ``obj`` (a model instance with an ``id``); flushes nothing itself.

    ``actor`` is the User who caused the change, or None for the system (rules, CLI).
    """
    entry = AuditEntry(
        actor_user_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
