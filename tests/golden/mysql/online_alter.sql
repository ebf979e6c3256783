-- add column
ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NOT NULL DEFAULT '', ALGORITHM=INSTANT;

-- add column, other schema
ALTER TABLE audit.users ADD COLUMN age INTEGER, ALGORITHM=INSTANT;

-- rename column
ALTER TABLE users CHANGE name full_name VARCHAR(50) NULL, ALGORITHM=INSTANT;

-- server default
ALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon', ALGORITHM=INSTANT;

-- set not null
ALTER TABLE users MODIFY name VARCHAR(50) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;

-- drop not null
ALTER TABLE users MODIFY name VARCHAR(50) NULL, ALGORITHM=INPLACE, LOCK=NONE;

-- varchar lengthened
ALTER TABLE users MODIFY code VARCHAR(20) NULL, ALGORITHM=INPLACE, LOCK=NONE;

-- drop column
ALTER TABLE users DROP COLUMN nickname, ALGORITHM=INPLACE, LOCK=NONE;

-- create index
CREATE INDEX ix_users_name ON users (name) ALGORITHM=INPLACE LOCK=NONE;

-- create unique index, reserved word
CREATE UNIQUE INDEX ux_order ON `order` (`select`) ALGORITHM=INPLACE LOCK=NONE;

-- drop index
ALTER TABLE users DROP INDEX ix_users_name, ALGORITHM=INPLACE, LOCK=NONE;

-- drop index if exists, other schema
ALTER TABLE audit.users DROP INDEX IF EXISTS ix_users_name, ALGORITHM=INPLACE, LOCK=NONE;

-- unique constraint
ALTER TABLE users ADD CONSTRAINT uq_users_code UNIQUE (code), ALGORITHM=INPLACE, LOCK=NONE;

-- drop unique constraint
ALTER TABLE users DROP INDEX uq_users_code, ALGORITHM=INPLACE, LOCK=NONE;

-- drop foreign key
ALTER TABLE posts DROP FOREIGN KEY fk_posts_user_id, ALGORITHM=INPLACE, LOCK=NONE;

