"""The ``cableqa`` command line: the commands in :mod:`qa.cli.commands`, model installs in :mod:`qa.cli.models`."""

from qa.cli.commands import app, main

__all__ = ["app", "main"]
