CREATE TRIGGER IF NOT EXISTS rowstamp_rename_people_name_full_name_insert
AFTER INSERT ON people FOR EACH ROW
WHEN NEW.full_name IS NOT NEW.name
BEGIN
    UPDATE people SET name = coalesce(NEW.full_name, NEW.name), full_name = coalesce(NEW.full_name, NEW.name) WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER IF NOT EXISTS rowstamp_rename_people_name_full_name_update
AFTER UPDATE OF name, full_name ON people FOR EACH ROW
WHEN NEW.full_name IS NOT NEW.name
BEGIN
    UPDATE people SET name = CASE WHEN NEW.full_name IS OLD.full_name THEN NEW.name ELSE NEW.full_name END, full_name = CASE WHEN NEW.full_name IS OLD.full_name THEN NEW.name ELSE NEW.full_name END WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name_insert;

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name_update;
