"""failed-scan indexes hold failed scans only; sign-in epoch

The failed-scan views read only scans whose ``valid`` is false, so the three indexes that serve
them become partial: a valid scan at the door updates the table and one index instead of four.
``users.sign_in_epoch`` is raised when an account is disabled, so that enabling it again does not
bring back the sessions and access tokens of before.

Revision ID: 2c9726a70278
Revises: 0788d4a2d8dc
Create Date: 2026-12-04 00:31:32.347297

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2c9726a70278'
down_revision = '0788d4a2d8dc'
branch_labels = None
depends_on = None

FAILED_ONLY = {"sqlite_where": sa.text("valid IS 0"), "postgresql_where": sa.text("valid IS false")}
COLUMNS = ("scanned_at", "claimed_code_id", "scanner_org_id")


def upgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f"ix_scans_{column}")
            batch_op.create_index(f"ix_failed_scans_{column}", [column], unique=False, **FAILED_ONLY)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_in_epoch', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('sign_in_epoch')

    with op.batch_alter_table('scans', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f"ix_failed_scans_{column}", **FAILED_ONLY)
            batch_op.create_index(f"ix_scans_{column}", [column], unique=False)
