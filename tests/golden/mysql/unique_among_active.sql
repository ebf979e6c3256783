ALTER TABLE memberships ADD COLUMN IF NOT EXISTS uq_one_live_membership TINYINT AS (CASE WHEN is_active THEN 1 END) VIRTUAL INVISIBLE, ADD UNIQUE INDEX uq_one_live_membership (org, member, uq_one_live_membership);
ALTER TABLE memberships DROP INDEX uq_one_live_membership, DROP COLUMN IF EXISTS uq_one_live_membership;
