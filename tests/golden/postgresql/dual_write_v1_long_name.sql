CREATE OR REPLACE FUNCTION rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW.dddddddddddddddddddddddddddddd IS NULL)
        OR (TG_OP = 'UPDATE' AND NEW.dddddddddddddddddddddddddddddd IS NOT DISTINCT FROM OLD.dddddddddddddddddddddddddddddd) THEN
        NEW.dddddddddddddddddddddddddddddd := NEW.cccccccccccccccccccccccccccccc;
    ELSE
        NEW.cccccccccccccccccccccccccccccc := NEW.dddddddddddddddddddddddddddddd;
    END IF;
    RETURN NEW;
END;
$rowstamp$;

DROP TRIGGER IF EXISTS rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3 ON tttttttttttttttttttttttttttttttttttttttt;

CREATE TRIGGER rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3
BEFORE INSERT OR UPDATE OF cccccccccccccccccccccccccccccc, dddddddddddddddddddddddddddddd ON tttttttttttttttttttttttttttttttttttttttt
FOR EACH ROW EXECUTE FUNCTION rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3();

DROP TRIGGER IF EXISTS rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3 ON tttttttttttttttttttttttttttttttttttttttt;

DROP FUNCTION IF EXISTS rowstamp_rename_tttttttttttttttttttttttttttttttttttttt_493140d3();
