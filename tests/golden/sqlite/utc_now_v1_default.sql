CREATE TABLE t (
	created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f000', 'now'))
);
