"""``python -m rowstamp``: the same command as ``rowstamp``, for hooks that pin the interpreter."""

from rowstamp.cli import main

main()
