"""The audit trail (全程留痕): every state change goes through ``record``; ``verify_chain`` checks it.

Each row's hash covers its content and the previous row's hash. Writers lock the single chain head
row, so the chain has no forks even when requests run at the same time.
"""
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select

from ..clock import as_utc, now
from ..extensions import db
from ..models import AuditEntry, AuditHead

GENESIS = "0" * 64
HEAD_ID = 1


def row_hash(prev_hash, seq, at, actor_user_id, action, object_type, object_id, before, after):
    """SHA-256 over the canonical form of one audit row (version 1 of the form; never change it
    without a migration that re-chains)."""
    payload = json.dumps(
        [seq, as_utc(at).isoformat(timespec="microseconds"), actor_user_id, action, object_type, object_id,
         before, after],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _head():
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        # Normally made by the migration; a database built another way gets it here.
        head = AuditHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    return head


def record(actor, action, obj, before=None, after=None):
    """Append one chained audit row for ``obj`` (a flushed model instance with an ``id``).

    ``actor`` is whoever caused the change (anything with an ``id``: a User, a Scanner) or None for
    the system (rules, CLI).
    """
    head = _head()
    entry = AuditEntry(
        seq=head.last_seq + 1, prev_hash=head.last_hash, at=now(),
        actor_user_id=getattr(actor, "id", None), action=action, object_type=obj.__tablename__,
        object_id=obj.id, before=before, after=after,
    )
    entry.row_hash = row_hash(entry.prev_hash, entry.seq, entry.at, entry.actor_user_id, entry.action,
                              entry.object_type, entry.object_id, entry.before, entry.after)
    head.last_seq, head.last_hash = entry.seq, entry.row_hash
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first breaks: the row (by seq and id, if it exists) and what is wrong."""

    seq: int
    entry_id: int | None
    problem: str


def verify_chain(batch=2000):
    """Walk the whole chain in order. Returns ``(rows_checked, ChainBreak | None)``."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = db.session.execute(
            select(AuditEntry.id, AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.row_hash, AuditEntry.at,
                   AuditEntry.actor_user_id, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                   AuditEntry.before, AuditEntry.after)
            .where(AuditEntry.seq >= expected_seq).order_by(AuditEntry.seq).limit(batch)
        ).all()
        for row in rows:
            if row.seq != expected_seq:
                return checked, ChainBreak(expected_seq, None, f"第 {expected_seq} 条记录缺失（被删除）")
            if row.prev_hash != expected_prev:
                return checked, ChainBreak(row.seq, row.id, "前一条记录的哈希不符（之前的记录被删除或改动）")
            actual = row_hash(row.prev_hash, row.seq, row.at, row.actor_user_id, row.action, row.object_type,
                              row.object_id, row.before, row.after)
            if actual != row.row_hash:
                return checked, ChainBreak(row.seq, row.id, "记录内容与其哈希不符（被改动）")
            expected_prev, expected_seq = row.row_hash, row.seq + 1
            checked += 1
        if len(rows) < batch:
            break
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return checked, ChainBreak(checked + 1, None,
                                   f"链尾记录缺失：应有 {head.last_seq} 条，实有 {checked} 条")
    return checked, None
