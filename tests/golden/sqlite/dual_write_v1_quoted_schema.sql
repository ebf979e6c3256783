CREATE TRIGGER IF NOT EXISTS audit."rowstamp_rename_Order ""x""_user_Full Name_insert"
AFTER INSERT ON "Order ""x""" FOR EACH ROW
WHEN NEW."Full Name" IS NOT NEW.user
BEGIN
    UPDATE "Order ""x""" SET user = coalesce(NEW."Full Name", NEW.user), "Full Name" = coalesce(NEW."Full Name", NEW.user) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS audit."rowstamp_rename_Order ""x""_user_Full Name_update"
AFTER UPDATE OF user, "Full Name" ON "Order ""x""" FOR EACH ROW
WHEN NEW."Full Name" IS NOT NEW.user
BEGIN
    UPDATE "Order ""x""" SET user = CASE WHEN NEW."Full Name" IS OLD."Full Name" THEN NEW.user ELSE NEW."Full Name" END, "Full Name" = CASE WHEN NEW."Full Name" IS OLD."Full Name" THEN NEW.user ELSE NEW."Full Name" END WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS audit."rowstamp_rename_Order ""x""_user_Full Name_insert";

DROP TRIGGER IF EXISTS audit."rowstamp_rename_Order ""x""_user_Full Name_update";
