"""The one error type of the head pipeline: the photo cannot become a head, and why."""


class HeadError(ValueError):
    """Bad input for head creation (no face, face too small, not an image...). The message says what to do."""
