"""The result types of the engine: frames, viseme events and whole clips."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fantasy_talking.animation.rig import JOINTS


@dataclass(frozen=True)
class VisemeEvent:
    """A viseme with its time span on the audio clock; `phoneme` is empty on the acoustic path."""

    viseme_id: int
    viseme: str
    start_s: float
    end_s: float
    phoneme: str = ""


@dataclass(frozen=True)
class Frame:
    """One animation frame.

    `weights` follows the clip's curve names; `joints` is (len(JOINTS), 4) quaternions (x, y, z, w);
    `angles` holds the nine Live Link head/eye angles in radians (see rig.LIVELINK_ANGLES).
    """

    index: int
    time_s: float
    weights: np.ndarray
    joints: np.ndarray
    angles: np.ndarray
    idle: bool = False


@dataclass
class AnimationClip:
    """A whole animation: curves (T, C), joints (T, J, 4) and angles (T, 9) at a fixed fps."""

    curve_names: tuple[str, ...]
    fps: int
    weights: np.ndarray
    joints: np.ndarray
    angles: np.ndarray
    idle: np.ndarray
    visemes: list[VisemeEvent] = field(default_factory=list)
    duration_s: float = 0.0
    engine: str = "acoustic"
    joint_names: tuple[str, ...] = JOINTS
    first_index: int = 0
    """Index of the first frame on the stream clock (non-zero for later sentences of a TTS stream)."""

    @property
    def n_frames(self) -> int:
        return int(self.weights.shape[0])

    @property
    def times(self) -> np.ndarray:
        return (self.first_index + np.arange(self.n_frames)) / float(self.fps)

    def curve(self, name: str) -> np.ndarray:
        return self.weights[:, self.curve_names.index(name)]

    def frames(self):
        """Iterate the clip as Frame records."""
        for i in range(self.n_frames):
            index = self.first_index + i
            yield Frame(index, index / self.fps, self.weights[i], self.joints[i], self.angles[i], bool(self.idle[i]))

    @classmethod
    def from_frames(cls, frames: list[Frame], curve_names: tuple[str, ...], fps: int,
                    visemes: list[VisemeEvent], duration_s: float, engine: str) -> "AnimationClip":
        n_c, n_j = len(curve_names), len(JOINTS)
        return cls(
            curve_names=curve_names,
            fps=fps,
            weights=np.array([f.weights for f in frames], dtype=np.float32).reshape(-1, n_c),
            joints=np.array([f.joints for f in frames], dtype=np.float32).reshape(-1, n_j, 4),
            angles=np.array([f.angles for f in frames], dtype=np.float32).reshape(-1, 9),
            idle=np.array([f.idle for f in frames], dtype=bool),
            visemes=list(visemes),
            duration_s=duration_s,
            engine=engine,
        )
