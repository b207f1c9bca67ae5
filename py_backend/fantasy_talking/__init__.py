"""FantasyTalking: speech and text to ARKit-52 face animation, served over gRPC."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # `fantasy_talking.bake(...)` without importing the farm (and numpy) for everyone who imports the package.
    if name == "bake":
        from fantasy_talking.farm import bake

        return bake
    raise AttributeError(f"module 'fantasy_talking' has no attribute {name!r}")
