-- one column
SET @rowstamp_foreign_key_checks = @@foreign_key_checks, foreign_key_checks = 0;

ALTER TABLE posts ADD CONSTRAINT fk_posts_user_id FOREIGN KEY(user_id) REFERENCES users (id), ALGORITHM=INPLACE, LOCK=NONE;

SET foreign_key_checks = @rowstamp_foreign_key_checks;

SELECT orphan.user_id 
FROM posts AS orphan LEFT OUTER JOIN users AS referent ON referent.id = orphan.user_id 
WHERE orphan.user_id IS NOT NULL AND referent.id IS NULL 
 LIMIT 1;

-- two columns, other schemas, reserved words, on delete
SET @rowstamp_foreign_key_checks = @@foreign_key_checks, foreign_key_checks = 0;

ALTER TABLE audit.`order` ADD CONSTRAINT fk_order_lines FOREIGN KEY(`group`, `key`) REFERENCES shop.`select` (`group`, id) ON DELETE CASCADE, ALGORITHM=INPLACE, LOCK=NONE;

SET foreign_key_checks = @rowstamp_foreign_key_checks;

SELECT orphan.`group`, orphan.`key` 
FROM audit.`order` AS orphan LEFT OUTER JOIN shop.`select` AS referent ON referent.`group` = orphan.`group` AND referent.id = orphan.`key` 
WHERE orphan.`group` IS NOT NULL AND orphan.`key` IS NOT NULL AND referent.`group` IS NULL 
 LIMIT 1;

