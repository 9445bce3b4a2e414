"""Agencies: organisations of new kinds (local authorities, integrated care boards, NHS
trusts, police forces, schools, providers and others) and partnerships' member agencies.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 07:14:31.686328

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The kind column is a VARCHAR(16) with a CHECK constraint (enum_column, never a native enum),
# so a new kind means a new constraint: batch mode recreates the table on SQLite.
OLD_KINDS = ('partnership', 'government')
NEW_KINDS = OLD_KINDS + (
    'local_authority', 'icb', 'nhs_trust', 'police_force', 'school', 'education',
    'health_care', 'voluntary', 'other',
)
KIND_CONSTRAINT = 'ck_organisations_organisationkind'


def _kinds_check(kinds):
    return 'kind IN (' + ', '.join(f"'{kind}'" for kind in kinds) + ')'


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(KIND_CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(KIND_CONSTRAINT), _kinds_check(NEW_KINDS))

    op.create_table('partnership_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('statutory', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('partnership_id <> agency_id', name=op.f('ck_partnership_members_not_own_member')),
    sa.ForeignKeyConstraint(['agency_id'], ['organisations.id'], name=op.f('fk_partnership_members_agency_id_organisations')),
    sa.ForeignKeyConstraint(['partnership_id'], ['organisations.id'], name=op.f('fk_partnership_members_partnership_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_members')),
    sa.UniqueConstraint('partnership_id', 'agency_id', name='uq_partnership_members_pair')
    )
    with op.batch_alter_table('partnership_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_members_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partnership_members_partnership_id'), ['partnership_id'], unique=False)


def downgrade():
    # Agencies may be named in declarations of interest and in people's records: going back
    # would lose them, so the downgrade stops, before changing anything, rather than delete.
    agencies = op.get_bind().scalar(
        sa.text('SELECT count(*) FROM organisations WHERE kind NOT IN (:a, :b)').bindparams(
            a=OLD_KINDS[0], b=OLD_KINDS[1]
        )
    )
    if agencies:
        raise RuntimeError(
            f'{agencies} organisation(s) are agencies, which this revision added: '
            'merge or remove them before downgrading'
        )

    with op.batch_alter_table('partnership_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_members_partnership_id'))
        batch_op.drop_index(batch_op.f('ix_partnership_members_agency_id'))

    op.drop_table('partnership_members')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(KIND_CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(KIND_CONSTRAINT), _kinds_check(OLD_KINDS))
