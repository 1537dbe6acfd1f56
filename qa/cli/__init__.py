"""The ``cableqa`` command line: the commands in :mod:`qa.cli.app`, model installs in :mod:`qa.cli.models`."""

from qa.cli.app import main

__all__ = ["main"]
