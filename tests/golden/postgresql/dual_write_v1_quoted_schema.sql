CREATE OR REPLACE FUNCTION audit."rowstamp_rename_Order ""x""_user_Full Name"() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    IF (TG_OP = 'INSERT' AND NEW."Full Name" IS NULL)
        OR (TG_OP = 'UPDATE' AND NEW."Full Name" IS NOT DISTINCT FROM OLD."Full Name") THEN
        NEW."Full Name" := NEW."user";
    ELSE
        NEW."user" := NEW."Full Name";
    END IF;
    RETURN NEW;
END;
$rowstamp$;

DROP TRIGGER IF EXISTS "rowstamp_rename_Order ""x""_user_Full Name" ON audit."Order ""x""";

CREATE TRIGGER "rowstamp_rename_Order ""x""_user_Full Name"
BEFORE INSERT OR UPDATE OF "user", "Full Name" ON audit."Order ""x"""
FOR EACH ROW EXECUTE FUNCTION audit."rowstamp_rename_Order ""x""_user_Full Name"();

DROP TRIGGER IF EXISTS "rowstamp_rename_Order ""x""_user_Full Name" ON audit."Order ""x""";

DROP FUNCTION IF EXISTS audit."rowstamp_rename_Order ""x""_user_Full Name"();
