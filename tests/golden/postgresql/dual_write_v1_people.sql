CREATE OR REPLACE FUNCTION rowstamp_rename_people_name_full_name() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.full_name IS NULL)
        OR (TG_OP = 'UPDATE' AND NEW.full_name IS NOT DISTINCT FROM OLD.full_name) THEN
        NEW.full_name := NEW.name;
    ELSE
        NEW.name := NEW.full_name;
    END IF;
    RETURN NEW;
END;
$rowstamp$;

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name ON people;

CREATE TRIGGER rowstamp_rename_people_name_full_name
BEFORE INSERT OR UPDATE OF name, full_name ON people
FOR EACH ROW EXECUTE FUNCTION rowstamp_rename_people_name_full_name();

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name ON people;

DROP FUNCTION IF EXISTS rowstamp_rename_people_name_full_name();
