"""``python -m survey``: the ``survey`` command, for a process started by another (the report worker)."""

from survey.cli import main

main()
