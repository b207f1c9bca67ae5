"""The one error type the CLI shows to users (one line, exit code 2)."""


class CliError(Exception):
    """A user-facing error: bad input, missing file, unreachable server."""
