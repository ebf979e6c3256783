CREATE OR REPLACE FUNCTION set_updated_at_v3_9ff7b5b7() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    NEW.updated_at := CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON users
FOR EACH ROW WHEN (current_setting('rowstamp.untouched', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION set_updated_at_v3_9ff7b5b7();

DROP TRIGGER IF EXISTS update_timestamp ON users;

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at_v3_9ff7b5b7();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
