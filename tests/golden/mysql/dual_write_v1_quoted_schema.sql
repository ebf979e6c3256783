CREATE TRIGGER IF NOT EXISTS audit.`rowstamp_rename_Order "x"_user_Full Name_insert`
BEFORE INSERT ON audit.`Order "x"`
FOR EACH ROW SET NEW.user = IF(NEW.`Full Name` IS NULL, NEW.user, NEW.`Full Name`), NEW.`Full Name` = NEW.user;

CREATE TRIGGER IF NOT EXISTS audit.`rowstamp_rename_Order "x"_user_Full Name_update`
BEFORE UPDATE ON audit.`Order "x"`
FOR EACH ROW SET NEW.user = IF(NEW.`Full Name` <=> OLD.`Full Name`, NEW.user, NEW.`Full Name`), NEW.`Full Name` = NEW.user;

DROP TRIGGER IF EXISTS audit.`rowstamp_rename_Order "x"_user_Full Name_insert`;

DROP TRIGGER IF EXISTS audit.`rowstamp_rename_Order "x"_user_Full Name_update`;
