"""Database layer: the declarative ``Base`` every table inherits."""
