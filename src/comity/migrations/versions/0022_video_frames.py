"""video_frames: a video's PDQ rows say which frame they hash (vPDQ, issue 17)

A video is hashed as the frames sampled from it, one PDQ row each in
`object_hashes` (so every PDQ search finds them); `frame_ms` is the frame's
time in the video, None on every other row. A plain ADD COLUMN on both
databases: no table rebuild, so the search triggers of 0020 are untouched.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("object_hashes", sa.Column("frame_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("object_hashes") as batch:
        batch.drop_column("frame_ms")
