"""The guide's project layout: which files make it (the repository's own example, or
the copy a wheel carries) and ``rowstamp init``, which writes them into a project."""
