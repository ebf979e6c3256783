CREATE TRIGGER IF NOT EXISTS rowstamp_rename_people_name_full_name_insert
BEFORE INSERT ON people
FOR EACH ROW SET NEW.name = IF(NEW.full_name IS NULL, NEW.name, NEW.full_name), NEW.full_name = NEW.name;

CREATE TRIGGER IF NOT EXISTS rowstamp_rename_people_name_full_name_update
BEFORE UPDATE ON people
FOR EACH ROW SET NEW.name = IF(NEW.full_name <=> OLD.full_name, NEW.name, NEW.full_name), NEW.full_name = NEW.name;

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name_insert;

DROP TRIGGER IF EXISTS rowstamp_rename_people_name_full_name_update;
