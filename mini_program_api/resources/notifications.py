"""In-app messages (站内消息) of the caller's organisation."""
from flask import g
from flask_smorest import Blueprint

from server.domain import notify
from server.extensions import db

from ..auth import SECURITY, role_required
from ..schemas import MarkReadArgsSchema, MarkReadSchema, NotificationListSchema

blp = Blueprint("api_notifications", __name__, url_prefix="/api/v1/notifications",
                description="Notifications (站内消息)")


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@role_required("agency", "provider", "enterprise", "admin")
@blp.response(200, NotificationListSchema)
def list_notifications():
    """The organisation's messages, newest first, and how many are unread."""
    org_id = g.user.org_id
    return {"unread": notify.unread_count(org_id), "items": notify.notifications_for(org_id)}


@blp.route("/read", methods=["POST"])
@blp.doc(security=SECURITY)
@role_required("agency", "provider", "enterprise", "admin")
@blp.arguments(MarkReadArgsSchema)
@blp.response(200, MarkReadSchema)
def mark_read(args):
    """Mark one message (``id``) or all of the organisation's read (404 for another's message)."""
    marked = notify.mark_read(g.user.org_id, args["id"])
    db.session.commit()
    return {"marked": marked, "unread": notify.unread_count(g.user.org_id)}
