"""Weights of the learned opening (cue and spectral halves): written by tools/eval/train_opening.py, not by hand.

Fitted on 7 talking-face videos (talking_male_de_frontal_20s, talking_male_en_frontal_5s, talking_male_en_frontal_60s, talking_man_frontal_15s, talking_woman_frontal_5s, talking_woman_frontal_8s, talking_woman_seated_portrait_hevc_10s), ridge strength 10000,
spectral context (0, -4, -8) (both chosen leave-one-clip-out).
"""
from fantasy_talking.articulation.opening_model import LinearOpening
from fantasy_talking.articulation.spectral_opening import SpectralOpening

OPENING = LinearOpening(
    bias=-1.210695e+00,
    weights=(
        -1.124334e-01,  # loudness
        -6.272549e-03,  # tilt
        +1.140227e-03,  # f1_hz
        +1.615028e-04,  # f2_hz
        -1.229566e-01,  # voicing
        -2.656841e-01,  # hf_ratio
        -3.628457e-01,  # vad
        +8.303294e-01,  # rule_open
        -1.070789e-01,  # rule_close
        +2.036163e-01,  # rule_funnel
        +4.941817e-01,  # rule_spread
        +1.054093e-02,  # mid_low
        +5.913580e-02,  # high_level
        +5.362874e-03,  # upper_level
    ),
)

SPECTRAL = SpectralOpening(
    offsets=(0, -4, -8),
    prior_db=(
        +1.261895e+01,
        +1.619833e+01,
        +1.258915e+01,
        +1.403660e+01,
        +1.281005e+01,
        +8.598788e+00,
        +4.221971e+00,
        -9.808494e-01,
        -2.617605e+00,
        -3.672884e+00,
        -4.246250e+00,
        -5.539231e+00,
        -5.515930e+00,
        -6.242603e+00,
        -1.043457e+01,
        -1.341296e+01,
        -1.319770e+01,
        -1.490436e+01,
        -1.934037e+01,
        -2.025600e+01,
        -1.898344e+01,
        -1.785506e+01,
        -1.751143e+01,
        -2.190308e+01,
    ),
    weights=(
        (  # offset 0
            -6.917597e-05,
            -2.079745e-03,
            -3.286629e-04,
            -3.571428e-03,
            -3.785461e-03,
            +4.155107e-04,
            +3.000169e-03,
            +3.273259e-03,
            -1.033811e-03,
            -3.851301e-04,
            +1.409267e-03,
            +1.703126e-03,
            +2.042285e-03,
            +3.673179e-03,
            +7.392618e-03,
            +5.598838e-03,
            -1.069779e-03,
            +2.118124e-03,
            -1.223060e-04,
            +2.088132e-03,
            +6.110206e-03,
            +3.839661e-03,
            +5.597834e-04,
            -5.277035e-03,
        ),
        (  # offset -4
            -3.036709e-03,
            -3.976212e-03,
            -1.570739e-03,
            -3.065516e-03,
            -3.415796e-03,
            +1.020208e-03,
            +2.883604e-03,
            +3.447664e-03,
            -4.302236e-04,
            +5.402412e-05,
            +1.418613e-03,
            +3.602471e-03,
            +4.582359e-03,
            +5.638673e-03,
            +9.635912e-03,
            +8.422969e-03,
            +1.389863e-04,
            +2.877174e-03,
            -2.432324e-04,
            +1.407409e-03,
            +5.387140e-03,
            +1.533158e-03,
            -1.781419e-03,
            -6.586089e-03,
        ),
        (  # offset -8
            -5.121001e-03,
            -5.568245e-03,
            -1.028444e-03,
            -1.566336e-03,
            -3.812969e-03,
            -1.323173e-03,
            -6.412317e-04,
            +4.899360e-04,
            -2.887473e-03,
            -2.715495e-03,
            -1.966415e-03,
            +1.398483e-03,
            +1.981080e-03,
            +3.307067e-03,
            +6.411445e-03,
            +5.907660e-03,
            -1.219593e-04,
            +1.217316e-03,
            -1.206099e-03,
            +5.694356e-04,
            +2.726864e-03,
            -1.340445e-03,
            -3.901648e-03,
            -6.246997e-03,
        ),
    ),
)
