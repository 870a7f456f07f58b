"""The command line: parsing, dispatch to tasks and the runner's own commands, exit codes."""

from .dispatch import exit_now, main

__all__ = ["exit_now", "main"]
