"""FantasyTalking: speech and text to ARKit-52 face animation, served over gRPC."""

__version__ = "0.1.0"
