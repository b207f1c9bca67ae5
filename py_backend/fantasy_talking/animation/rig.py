"""Curve and joint names: the contract between the engine, the encoders and every client.

ARKit-52 names follow Live Link Face (capitalised, in the order its CSV writes them), so a
curve's index is the same in a frame, a CSV column and a glTF morph target.
"""
from __future__ import annotations

from enum import Enum

from fantasy_talking.speech.phonemes import VISEMES   # the phone classes, defined where phones are

ARKIT_52: tuple[str, ...] = (
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft",
    "EyeSquintLeft", "EyeWideLeft",
    "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight", "EyeLookOutRight", "EyeLookUpRight",
    "EyeSquintRight", "EyeWideRight",
    "JawForward", "JawRight", "JawLeft", "JawOpen",
    "MouthClose", "MouthFunnel", "MouthPucker", "MouthRight", "MouthLeft",
    "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft", "MouthFrownRight",
    "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper",
    "MouthPressLeft", "MouthPressRight", "MouthLowerDownLeft", "MouthLowerDownRight",
    "MouthUpperUpLeft", "MouthUpperUpRight",
    "BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight",
    "CheekPuff", "CheekSquintLeft", "CheekSquintRight",
    "NoseSneerLeft", "NoseSneerRight", "TongueOut",
)

# The nine head and eye angles Live Link Face appends after the 52 blendshapes (radians in
# our frames; Live Link Face's CSV stores them normalised to [-1, 1], see formats/livelink_csv.py).
LIVELINK_ANGLES: tuple[str, ...] = (
    "HeadYaw", "HeadPitch", "HeadRoll",
    "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
    "RightEyeYaw", "RightEyePitch", "RightEyeRoll",
)

LIVELINK_CURVES: tuple[str, ...] = ARKIT_52 + LIVELINK_ANGLES

TONGUE_EXTRAS: tuple[str, ...] = ("TongueTipUp", "TongueBackUp", "TongueBetweenTeeth", "TongueWide")

VISEME_CURVES: tuple[str, ...] = tuple(f"viseme_{v}" for v in VISEMES)

JOINTS: tuple[str, ...] = ("jaw", "neck", "head", "eye_L", "eye_R")


class RigProfile(Enum):
    """Which curves a frame carries. Values match the proto enum RigProfile."""

    ARKIT_52 = 1
    ARKIT_52_TONGUE = 2
    ARKIT_52_VISEMES = 3


def curve_names(profile: RigProfile = RigProfile.ARKIT_52) -> tuple[str, ...]:
    """Blendshape names a frame carries under `profile`, in frame order."""
    if profile is RigProfile.ARKIT_52_TONGUE:
        return ARKIT_52 + TONGUE_EXTRAS
    if profile is RigProfile.ARKIT_52_VISEMES:
        return ARKIT_52 + VISEME_CURVES
    return ARKIT_52


ALL_CURVES: tuple[str, ...] = ARKIT_52 + TONGUE_EXTRAS + VISEME_CURVES
"""Every curve the engine computes internally; profiles select a subset."""

CURVE_INDEX: dict[str, int] = {name: i for i, name in enumerate(ALL_CURVES)}
