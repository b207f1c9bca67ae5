"""Frame composition: mouth curves + non-verbal layer + bones → one `Frame`.

Both engines (the acoustic stream and the phone animator) end here, so a frame means the
same thing whichever path produced it.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.animation.bones import joint_rotations, livelink_angles
from fantasy_talking.animation.clip import Frame
from fantasy_talking.animation.emotions import EmotionTrack
from fantasy_talking.animation.nonverbal import NonverbalLayer
from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.animation.pose import mouth_curves
from fantasy_talking.animation.rig import CURVE_INDEX, curve_names

SPEAKING_ACTIVITY = 0.15


class FrameComposer:
    """Turns per-frame articulation and prosody into frames, numbering them on one clock."""

    def __init__(self, options: AnimationOptions) -> None:
        self.options = options
        self.curve_names = curve_names(options.rig)
        self._select = np.array([CURVE_INDEX[n] for n in self.curve_names])
        self._jaw = CURVE_INDEX["JawOpen"]
        self.nonverbal = NonverbalLayer(options.fps, options.seed, options.head_motion,
                                        options.blink, options.expression)
        self.emotions = EmotionTrack(options.fps, dict(options.emotions))
        self.next_index = 0

    def compose(self, articulators: np.ndarray, viseme_weights: np.ndarray,
                activity: np.ndarray, f0: np.ndarray) -> list[Frame]:
        """One frame per row, continuing the frame count."""
        mouth = mouth_curves(articulators, viseme_weights)
        n = len(mouth)
        start = self.next_index
        times = [(start + row) / self.options.fps for row in range(n)]
        extra = self.nonverbal.steps(times, activity.tolist(), f0.tolist())
        mouth += extra.curves + self.options.expression * self.emotions.steps(times)
        head, gaze = extra.head, extra.gaze
        curves = np.clip(mouth, 0.0, 1.0)
        joints = joint_rotations(curves[:, self._jaw], head, gaze)
        angles = livelink_angles(head, gaze)
        weights = curves[:, self._select]
        self.next_index += n
        idle = (activity < SPEAKING_ACTIVITY).tolist()
        return [Frame(start + row, time_s, curve_row, joint_row, angle_row, still)
                for row, (time_s, curve_row, joint_row, angle_row, still)
                in enumerate(zip(times, weights, joints, angles, idle))]
