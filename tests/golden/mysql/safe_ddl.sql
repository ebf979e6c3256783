COMMIT;

DROP INDEX ix_child_old ON child;

BEGIN;

ALTER TABLE child ADD CONSTRAINT fk_child_parent_id_parent FOREIGN KEY(parent_id) REFERENCES parent (id);

ALTER TABLE child ADD CONSTRAINT ck_child_n_positive CHECK (n > 0);

COMMIT;

BEGIN;

ALTER TABLE child MODIFY name VARCHAR(50) NOT NULL;

COMMIT;

CREATE INDEX ix_child_n ON child (n);

BEGIN;

