"""Reading what a migration does without a database, and judging it: the review report,
its rules and acknowledgements, ``rowstamp lint`` (with squawk) and ``rowstamp check``."""
