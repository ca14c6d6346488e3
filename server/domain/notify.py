"""Notifications: an in-app message for every event, and outbound channels as adapters.

``notify`` stores the in-app message in the current transaction and queues the outbound copy; the
queue is handed to the channels only after the transaction commits, so nobody gets an SMS about a
change that was rolled back. SMS and WeChat template messages are adapters with the same
``send(message)`` method as the logging adapter shipped here.
"""
import logging
from dataclasses import dataclass

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ..clock import now
from ..extensions import db
from ..models import Notification
from .errors import NotFound

log = logging.getLogger("service_codes.notify")

#: Kinds of notification, with their Chinese label.
KINDS = {
    "warned": "预警",
    "suspended": "暂停赋码",
    "exited": "退出",
    "reinstated": "恢复",
    "bad_review": "新差评",
    "case_overdue": "差评处理逾期",
    "flag_decided": "红线问题认定",
}


@dataclass(frozen=True)
class OutboundMessage:
    """What an outbound channel receives."""

    org_id: int
    kind: str
    title: str
    body: str


class LoggingChannel:
    """Writes each message to the application log (the default channel; useful in a demo and as
    the pattern for SMS / WeChat adapters)."""

    def send(self, message):
        log.info("notify org=%s kind=%s title=%s body=%s", message.org_id, message.kind, message.title, message.body)


_channels = [LoggingChannel()]


def set_channels(channels):
    """Replace the outbound channels (tests use a list-collecting channel)."""
    _channels[:] = list(channels)


def notify(org_id, kind, title, body, obj=None):
    """Store an in-app message for ``org_id`` and queue the outbound copy for after commit."""
    message = Notification(org_id=org_id, kind=kind, title=title, body=body, created_at=now(),
                           object_type=getattr(obj, "__tablename__", None), object_id=getattr(obj, "id", None))
    db.session.add(message)
    db.session.info.setdefault("outbound", []).append(OutboundMessage(org_id, kind, title, body))
    return message


@event.listens_for(Session, "after_commit")
def _send_outbound(session):
    queued = session.info.pop("outbound", [])
    for message in queued:
        for channel in list(_channels):
            try:
                channel.send(message)
            except Exception:  # noqa: BLE001 - one failing channel must not stop the others
                log.exception("notification channel %r failed", channel)


@event.listens_for(Session, "after_rollback")
def _drop_outbound(session):
    session.info.pop("outbound", None)


def notifications_for(org_id, limit=100, unread_first=False):
    """The organisation's messages, newest first (``unread_first``: the unread ones before the rest)."""
    order = (Notification.read_at.is_not(None), Notification.id.desc()) if unread_first else (Notification.id.desc(),)
    return db.session.scalars(select(Notification).where(Notification.org_id == org_id)
                              .order_by(*order).limit(limit)).all()


def unread_count(org_id):
    """How many of the organisation's messages nobody has opened yet."""
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.org_id == org_id, Notification.read_at.is_(None)))


def mark_read(org_id, notification_id=None):
    """Mark one message (or all) of the organisation read. Returns how many changed (0 for a
    message read already). Raises NotFound for a message id that is not the organisation's."""
    query = select(Notification).where(Notification.org_id == org_id, Notification.read_at.is_(None))
    if notification_id is not None:
        if db.session.scalar(select(Notification.id).where(Notification.id == notification_id,
                                                           Notification.org_id == org_id)) is None:
            raise NotFound("消息不存在")
        query = query.where(Notification.id == notification_id)
    changed = db.session.scalars(query).all()
    for message in changed:
        message.read_at = now()
    return len(changed)
