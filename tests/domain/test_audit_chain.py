"""The audit trail is hash-chained: rows edited, deleted or cut off the end behind the
application's back are detected, and ``flask audit verify`` names the first broken row."""
import pytest
from sqlalchemy import func, select, text

from server.domain.audit import GENESIS, verify_chain
from server.extensions import db
from server.models import AuditEntry, AuditHead


@pytest.fixture
def trail(app, world):
    """Some real activity: organisations, accounts, a commission, an approved code, a visit."""
    agency, provider, enterprise = world.agency(), world.provider(), world.enterprise()
    world.completed_visit(agency, provider, enterprise)
    with app.app_context():
        total = db.session.scalar(select(func.count(AuditEntry.id)))
    assert total > 10
    return total


def run_verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_chain_verifies(app, runner, trail):
    with app.app_context():
        first = db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq))
        head = db.session.get(AuditHead, 1)
        assert (first.seq, first.prev_hash) == (1, GENESIS)
        assert head.last_seq == trail
    assert run_verify(runner) == (0, f"审计链完整：共 {trail} 条记录\n")


def test_an_edited_row_is_named(app, runner, trail):
    with app.app_context():
        entry_id = db.session.scalar(select(AuditEntry.id).where(AuditEntry.seq == 5))
        db.session.execute(text("UPDATE audit_entries SET action = 'code.approve_forged' WHERE seq = 5"))
        db.session.commit()
    code, output = run_verify(runner)
    assert code == 1
    assert f"第 5 条（id {entry_id}）：记录内容与其哈希不符（被改动）；此前 4 条完好" in output


def test_a_deleted_row_is_named(app, runner, trail):
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 7"))
        db.session.commit()
    code, output = run_verify(runner)
    assert code == 1
    assert "第 7 条：第 7 条记录缺失（被删除）；此前 6 条完好" in output


def test_a_row_cut_off_the_end_is_detected(app, runner, trail):
    with app.app_context():
        db.session.execute(text(f"DELETE FROM audit_entries WHERE seq = {trail}"))
        db.session.commit()
    code, output = run_verify(runner)
    assert code == 1
    assert f"链尾记录缺失：应有 {trail} 条，实有 {trail - 1} 条" in output


def test_a_rechained_forgery_still_breaks_at_the_next_row(app, trail):
    """Editing a row and fixing its own hash is not enough: the next row points at the old hash."""
    from server.domain.audit import row_hash

    with app.app_context():
        row = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 3))
        forged = row_hash(row.prev_hash, row.seq, row.at, row.actor_user_id, "org.delete", row.object_type,
                          row.object_id, row.before, row.after)
        db.session.execute(text("UPDATE audit_entries SET action = 'org.delete', row_hash = :h WHERE seq = 3"),
                           {"h": forged})
        db.session.commit()
        checked, broken = verify_chain()
        assert (checked, broken.seq, broken.problem) == (3, 4, "前一条记录的哈希不符（之前的记录被删除或改动）")
