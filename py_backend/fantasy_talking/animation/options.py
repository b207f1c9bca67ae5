"""Animation options: one typed record shared by the CLI, gRPC services and the farm."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from fantasy_talking.animation.emotions import emotion_vector
from fantasy_talking.animation.rig import RigProfile

MIN_FPS, MAX_FPS = 1, 120
MAX_LOOKAHEAD_MS = 500
DEFAULT_LOOKAHEAD_MS = 100


class Engine(Enum):
    """Which speech analysis turns audio into articulation. Values match the proto SpeechEngine."""

    AUTO = 0
    ACOUSTIC = 1
    PHONETIC = 2
    FUSED = 3
    """The acoustic path with a streaming phone loop's lip shapes fused in (animation/fusion.py)."""
    WORDS = 4
    """The acoustic path with the lips sealed on the /p b m/ of the whole clip's words, recognised
    or from the transcript (animation/lip_seal.py); clips only."""


class OptionsError(ValueError):
    """An option is out of range; the message says which and what is allowed."""


@dataclass(frozen=True)
class AnimationOptions:
    """How to animate. Every field has a default, so `AnimationOptions()` is the product default."""

    fps: int = 30
    lookahead_ms: int = DEFAULT_LOOKAHEAD_MS
    language: str = ""
    transcript: str = ""
    head_motion: float = 1.0
    blink: float = 1.0
    expression: float = 1.0
    rig: RigProfile = RigProfile.ARKIT_52
    seed: int = 0
    engine: Engine = Engine.AUTO
    emotions: tuple[tuple[str, float], ...] = ()
    """Starting emotion mix as (name, strength) pairs; names from animation.emotions.EMOTIONS."""

    def __post_init__(self) -> None:
        if not MIN_FPS <= self.fps <= MAX_FPS:
            raise OptionsError(f"fps must be {MIN_FPS}..{MAX_FPS}, got {self.fps}")
        if not 0 <= self.lookahead_ms <= MAX_LOOKAHEAD_MS:
            raise OptionsError(f"lookahead_ms must be 0..{MAX_LOOKAHEAD_MS}, got {self.lookahead_ms}")
        for name in ("head_motion", "blink", "expression"):
            value = getattr(self, name)
            if not 0.0 <= value <= 2.0:
                raise OptionsError(f"{name} must be 0..2, got {value}")
        try:
            emotion_vector(dict(self.emotions))
        except ValueError as exc:
            raise OptionsError(str(exc)) from None
        if self.seed < 0:
            raise OptionsError(f"seed must be >= 0, got {self.seed}")

    @property
    def is_english(self) -> bool:
        return self.language.lower().startswith("en")


ENGINE_NAMES: dict[str, Engine] = {"auto": Engine.AUTO, "acoustic": Engine.ACOUSTIC, "phonetic": Engine.PHONETIC,
                                   "fused": Engine.FUSED, "words": Engine.WORDS}
"""The engine names users type (CLI flags, farm manifests, config files)."""

RIG_NAMES: dict[str, RigProfile] = {"arkit52": RigProfile.ARKIT_52, "tongue": RigProfile.ARKIT_52_TONGUE,
                                    "visemes": RigProfile.ARKIT_52_VISEMES}
"""The rig-profile names users type."""
