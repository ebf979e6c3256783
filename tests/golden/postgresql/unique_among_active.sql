CREATE UNIQUE INDEX uq_one_live_membership ON memberships (org, member) WHERE is_active;

DROP INDEX uq_one_live_membership;
