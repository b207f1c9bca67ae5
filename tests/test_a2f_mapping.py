"""Audio2Face-3D parameter mapping: pure functions, no server."""
from __future__ import annotations

import numpy as np
import pytest

from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.animation.rig import ARKIT_52
from fantasy_talking.server import a2f_mapping as mapping
from nvidia_ace_compat import a2f_pb2, audio_pb2, controller_pb2


def test_nvidia_documented_example_unclamped_and_clamped():
    params = a2f_pb2.BlendShapeParameters(bs_weight_multipliers={"JawOpen": 3.0}, bs_weight_offsets={"JawOpen": -1.0})
    weights = np.full(len(mapping.A2F_BLENDSHAPES), 0.9, dtype=np.float32)
    jaw = mapping.A2F_BLENDSHAPES.index("JawOpen")
    assert mapping.blendshape_adjustment(params).apply(weights)[jaw] == pytest.approx(1.7)
    params.enable_clamping_bs_weight = True
    adjusted = mapping.blendshape_adjustment(params).apply(weights)
    assert adjusted[jaw] == pytest.approx(1.0)
    assert np.allclose(np.delete(adjusted, jaw), 0.9)


def test_a2f_order_maps_our_curves_by_name():
    weights = np.arange(len(ARKIT_52), dtype=np.float32)
    reordered = weights[mapping.a2f_order(ARKIT_52)]
    for i, name in enumerate(mapping.A2F_BLENDSHAPES):
        assert reordered[i] == ARKIT_52.index(name)


def test_emotion_strength_scales_expression_from_nim_default():
    def settings(**post):
        head = controller_pb2.AudioStreamHeader(
            audio_header=audio_pb2.AudioHeader(channel_count=1, samples_per_second=16000, bits_per_sample=16),
            emotion_post_processing_params=a2f_pb2.EmotionPostProcessingParameters(**post))
        return mapping.stream_settings(head, AnimationOptions())

    assert settings().options == AnimationOptions(fps=30)
    assert settings(emotion_strength=0.6).options == AnimationOptions(fps=30)
    assert settings(emotion_strength=0.0).options.expression == 0.0
    assert settings(emotion_strength=1.0).options.expression == pytest.approx(1 / 0.6, abs=1e-4)
    with pytest.raises(mapping.A2FRequestError, match="max_emotions"):
        settings(max_emotions=9)
