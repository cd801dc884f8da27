"""queues: the on/off wrap-up flag becomes a wrap-up limit (`wrapup_s`)

`wrapup = true` (wrap-up until the platform ends it) becomes `wrapup_s = NULL`, `wrapup = false`
(no wrap-up) becomes `wrapup_s = 0`. Going down, a limit of N > 0 seconds becomes `true`: the
flag cannot say "at most N seconds".

Revision ID: 0011_wrapup_limit
Revises: 0010_fact_prune_marks
Create Date: 2026-12-06 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_wrapup_limit'
down_revision: str | None = '0010_fact_prune_marks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

queues = sa.table(
    'queues', sa.column('wrapup', sa.Boolean()), sa.column('wrapup_s', sa.Double())
)


def upgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wrapup_s', sa.Double(), nullable=True))
    op.execute(queues.update().where(queues.c.wrapup == sa.false()).values(wrapup_s=0.0))
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('wrapup')


def downgrade() -> None:
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('wrapup', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(queues.update().where(queues.c.wrapup_s == 0).values(wrapup=False))
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_column('wrapup_s')
