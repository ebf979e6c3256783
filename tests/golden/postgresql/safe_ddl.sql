COMMIT;

DROP INDEX CONCURRENTLY ix_child_old;

BEGIN;

ALTER TABLE child ADD CONSTRAINT fk_child_parent_id_parent FOREIGN KEY(parent_id) REFERENCES parent (id) NOT VALID;

ALTER TABLE child ADD CONSTRAINT ck_child_n_positive CHECK (n > 0) NOT VALID;

ALTER TABLE child ADD CONSTRAINT ck_child_name_not_null CHECK (name IS NOT NULL) NOT VALID;

COMMIT;

ALTER TABLE child VALIDATE CONSTRAINT ck_child_name_not_null;

ALTER TABLE child VALIDATE CONSTRAINT fk_child_parent_id_parent;

ALTER TABLE audit.child VALIDATE CONSTRAINT ck_child_n_positive;

BEGIN;

ALTER TABLE child ALTER COLUMN name SET NOT NULL;

-- squawk-ignore ban-drop-constraint
ALTER TABLE child DROP CONSTRAINT ck_child_name_not_null;

ALTER TABLE audit."Order ""x""" ADD CONSTRAINT "ck_Order ""x""_note_not_null" CHECK ("user" IS NOT NULL) NOT VALID;

-- squawk-ignore ban-drop-constraint
ALTER TABLE audit."Order ""x""" DROP CONSTRAINT "ck_Order ""x""_note_not_null";

COMMIT;

CREATE INDEX CONCURRENTLY ix_child_n ON child (n);

BEGIN;

