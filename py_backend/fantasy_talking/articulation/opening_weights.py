"""Weights of the learned opening correction: written by tools/eval/train_opening.py, not by hand.

Fitted on 7 talking-face videos (talking_male_de_frontal_20s, talking_male_en_frontal_5s, talking_male_en_frontal_60s, talking_man_frontal_15s, talking_woman_frontal_5s, talking_woman_frontal_8s, talking_woman_seated_portrait_hevc_10s), ridge strength 10000.
"""
from fantasy_talking.articulation.opening_model import LinearOpening

OPENING = LinearOpening(
    bias=-3.665081e+00,
    weights=(
        -2.688070e-02,  # loudness
        -2.552709e-02,  # tilt
        +1.957047e-03,  # f1_hz
        +7.075676e-04,  # f2_hz
        -1.453129e-01,  # voicing
        -3.268537e-01,  # hf_ratio
        -4.176062e-01,  # vad
        +1.423671e+00,  # rule_open
        -2.487989e-01,  # rule_close
        -1.220595e-01,  # rule_funnel
        +9.159898e-01,  # rule_spread
        +2.123032e-02,  # mid_low
        +1.031642e-01,  # high_level
        +6.748370e-02,  # upper_level
    ),
)
