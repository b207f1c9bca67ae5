"""Weights of the learned opening (cue and spectral halves): written by tools/eval/train_opening.py, not by hand.

Fitted on 7 talking-face videos (talking_male_de_frontal_20s, talking_male_en_frontal_5s, talking_male_en_frontal_60s, talking_man_frontal_15s, talking_woman_frontal_5s, talking_woman_frontal_8s, talking_woman_seated_portrait_hevc_10s), ridge strength 1000,
spectral context (0, -4, -8) (both chosen leave-one-clip-out).
"""
from fantasy_talking.articulation.opening_model import LinearOpening
from fantasy_talking.articulation.spectral_opening import SpectralOpening

OPENING = LinearOpening(
    bias=-3.340449e-01,
    weights=(
        -2.281918e-01,  # loudness
        -1.110744e-03,  # tilt
        +1.490936e-03,  # f1_hz
        +7.911566e-05,  # f2_hz
        -1.872141e-01,  # voicing
        -4.581984e-01,  # hf_ratio
        -5.120800e-01,  # vad
        +4.862432e-01,  # rule_open
        -5.053944e-02,  # rule_close
        +2.456279e-03,  # rule_funnel
        +9.425227e-01,  # rule_spread
        +2.426180e-02,  # mid_low
        +6.245167e-02,  # high_level
        -5.538541e-02,  # upper_level
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
            +7.800878e-03,
            +7.186880e-04,
            +6.948128e-03,
            -9.343781e-03,
            -1.114295e-02,
            -4.426671e-04,
            +4.837489e-03,
            +7.945414e-03,
            -6.275799e-03,
            -2.439280e-03,
            +6.536190e-03,
            +2.266114e-03,
            -2.271311e-03,
            -1.183296e-03,
            +7.405006e-03,
            +8.170831e-03,
            -1.111074e-02,
            +5.965535e-03,
            -3.965473e-03,
            +1.500132e-03,
            +1.290169e-02,
            +1.253995e-02,
            +4.556857e-03,
            -1.656533e-02,
        ),
        (  # offset -4
            -2.189839e-03,
            -6.499875e-03,
            +5.506107e-04,
            -4.898518e-03,
            -8.347648e-03,
            +3.445150e-03,
            +5.606744e-03,
            +7.972415e-03,
            -4.379770e-03,
            -1.494299e-03,
            +2.917486e-03,
            +5.887381e-03,
            +3.897439e-03,
            +3.411304e-03,
            +1.262403e-02,
            +1.456690e-02,
            -1.012074e-02,
            +7.696811e-03,
            -3.580644e-03,
            -1.811030e-03,
            +1.113937e-02,
            +4.861662e-03,
            -9.114367e-04,
            -1.686627e-02,
        ),
        (  # offset -8
            -6.716353e-03,
            -1.119845e-02,
            +5.877207e-03,
            +4.284217e-03,
            -6.971527e-03,
            -6.660709e-05,
            -3.547810e-04,
            +5.472194e-03,
            -5.780560e-03,
            -3.957528e-03,
            -4.532699e-03,
            +4.812835e-03,
            +2.838043e-04,
            +2.191689e-03,
            +8.230184e-03,
            +1.130547e-02,
            -5.452355e-03,
            +5.239280e-03,
            -3.462313e-03,
            +2.714380e-04,
            +6.778770e-03,
            -6.997340e-04,
            -4.539661e-03,
            -1.153634e-02,
        ),
    ),
)
