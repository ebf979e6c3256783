"""What a model declares: the metadata columns, their types, soft delete, uniqueness among
live rows, and the matching Pydantic fields. Nothing here talks to a database."""
