"""The lip-sync evaluation tool: its metrics on synthetic signals, its truths, and one end-to-end run."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

from eval import metrics, tts_truth  # noqa: E402
from eval.video_truth import EYE_SPANS, INNER_LIP_PAIRS, measure_video, mouth_opening, pad_square  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def smooth_noise(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.convolve(rng.standard_normal(n + 8), np.ones(5) / 5, mode="same")[4:-4]


@pytest.mark.parametrize("late_by", [-3, 0, 2, 5])
def test_best_lag_sign_says_how_late_the_prediction_is(late_by):
    truth = smooth_noise(300)
    pred = np.roll(truth, late_by)  # pred[t + late_by] == truth[t]
    lag, r = metrics.best_lag(truth, pred)
    assert lag == late_by
    assert r == pytest.approx(1.0, abs=0.02)


def test_lagged_r_ignores_frames_without_truth():
    truth = smooth_noise(200, seed=1)
    pred = 2.0 * truth + 1.0
    truth[50:60] = np.nan
    assert metrics.lagged_r(truth, pred, 0) == pytest.approx(1.0)
    assert np.isnan(metrics.pearson(np.ones(10), np.arange(10.0)))


def test_closure_recall_counts_runs_inside_speech_within_one_frame():
    n = 40
    truth_closed = np.zeros(n, bool)
    truth_closed[[5, 6, 15, 25, 35]] = True  # runs: 5-6, 15, 25, 35
    speech = np.ones(n, bool)
    speech[33:] = False  # the closure at 35 is a pause, not speech
    pred_closed = np.zeros(n, bool)
    pred_closed[[7, 17, 26]] = True  # 7: one frame after 5-6 (hit); 17: two late (miss); 26: hit
    recall, count = metrics.closure_recall(truth_closed, pred_closed, speech)
    assert count == 3
    assert recall == pytest.approx(2 / 3)


def test_closure_precision_exposes_a_mouth_that_stays_shut():
    rng = np.random.default_rng(3)
    truth = smooth_noise(300, seed=2)
    speech = np.ones(300, bool)
    truth_closed = metrics.closed_mask(truth)
    honest = metrics.score(truth, truth + 0.01 * rng.standard_normal(300), truth_closed, speech)
    shut = np.where(np.arange(300) % 4 == 0, 1.0, 0.0)   # closed three frames in four
    lazy = metrics.score(truth, shut, truth_closed, speech)
    assert lazy.closure_recall == pytest.approx(1.0)
    assert lazy.closure_precision < 0.5 < honest.closure_precision


def test_the_lips_own_seals_are_scored_as_closures_of_their_own():
    """A predictor that says where it seals the lips gets those seals scored against the truth's
    closures, apart from its aperture's bottom fifth; one that does not gets none."""
    truth = smooth_noise(300, seed=2)
    speech = np.ones(300, bool)
    truth_closed = metrics.closed_mask(truth)
    runs = metrics.runs(truth_closed)
    on_half = np.zeros(300, bool)
    for start, end in runs[::2]:
        on_half[start:end] = True                       # seals on every other true closure
    wrong = np.roll(on_half, 40) & ~truth_closed        # the same seals where the lips are open
    right = metrics.score(truth, truth, truth_closed, speech, pred_sealed=on_half, fps=25.0)
    moved = metrics.score(truth, truth, truth_closed, speech, pred_sealed=wrong, fps=25.0)
    assert right.seal_precision == 1.0 and right.seals == len(runs[::2])
    assert right.seal_recall == pytest.approx(len(runs[::2]) / len(runs), abs=0.01)
    assert moved.seal_precision < 0.5 and right.seal_chance_precision < 1.0
    none = metrics.score(truth, truth, truth_closed, speech)
    assert none.seals == 0 and np.isnan(none.seal_precision)


def test_closure_chance_level_separates_timing_from_number_and_length():
    """Closures at the truth's times score above their chance level; the same closures at the
    wrong times score at it, and a mouth shut in long blocks earns a high precision by chance."""
    rng = np.random.default_rng(5)
    n = 1500
    truth_closed = np.zeros(n, bool)
    for start in np.cumsum(rng.integers(8, 40, size=60)):   # two-frame closures at irregular times
        truth_closed[start:start + 2] = True
    speech = np.ones(n, bool)
    timed = truth_closed.copy()
    precision, _ = metrics.closure_recall(timed, truth_closed, speech)
    chance_recall, chance_precision = metrics.closure_chance(truth_closed, timed, speech, fps=25)
    assert precision == pytest.approx(1.0)
    assert chance_precision < 0.5 and chance_recall < 0.5
    moved = np.roll(timed, 200)
    moved_precision, _ = metrics.closure_recall(moved, truth_closed, speech)
    assert moved_precision == pytest.approx(metrics.closure_chance(truth_closed, moved, speech, fps=25)[1], abs=0.15)
    blocks = (np.arange(n) // 25) % 3 == 0    # shut one second in three, whatever is said
    block_precision, _ = metrics.closure_recall(blocks, truth_closed, speech)
    assert block_precision > 0.7
    assert block_precision == pytest.approx(metrics.closure_chance(truth_closed, blocks, speech, fps=25)[1], abs=0.1)
    scores = metrics.score(np.where(truth_closed, 0.0, 1.0) + 0.01 * rng.standard_normal(n),
                           np.where(timed, 0.0, 1.0), truth_closed, speech, fps=25)
    assert scores.closure_precision > scores.chance_precision + 0.4


def test_closed_mask_uses_the_signal_own_range():
    signal = np.concatenate([np.linspace(10, 11, 50), np.linspace(11, 20, 50)])
    closed = metrics.closed_mask(signal)
    assert closed[:50].all() and not closed[-40:].any()
    assert np.array_equal(metrics.closed_mask(signal), metrics.closed_mask(signal * 3 + 7))


def test_speech_mask_bridges_stop_gaps_but_not_pauses():
    rate, fps = 16000, 25
    t = np.arange(4 * rate) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    on = np.ones_like(t)
    on[(t >= 1.0) & (t < 1.1)] = 0  # a 0.1 s stop closure: still speech
    on[(t >= 2.0) & (t < 2.8)] = 0  # a 0.8 s pause
    speech = metrics.speech_mask((tone * on).astype(np.float32), rate, fps, 4 * fps)
    assert speech[int(1.05 * fps)]
    assert not speech[int(2.4 * fps)]
    assert speech[int(0.5 * fps)] and speech[int(3.5 * fps)]


def test_mouth_opening_does_not_depend_on_zoom_or_position():
    rng = np.random.default_rng(3)
    points = rng.uniform(100, 300, size=(478, 2))
    for up, down in INNER_LIP_PAIRS:
        points[down] = points[up] + [0.0, 12.0]
    for a, b in EYE_SPANS:
        points[b] = points[a] + [60.0, 0.0]
    opening = mouth_opening(points)
    assert opening == pytest.approx(12.0 / 60.0)
    assert mouth_opening(points * 2.5 + 40) == pytest.approx(opening)


def test_pad_square_keeps_the_image_centred():
    image = np.ones((8, 4, 3), np.uint8)
    square = pad_square(image)
    assert square.shape == (8, 8, 3)
    assert square[:, 2:6].all() and not square[:, :2].any()


def test_espeak_phone_timings_are_exact_on_the_audio_clock():
    sample = tts_truth.synthesize("en")
    assert sample.audio.sample_rate == 16000
    visemes = [p.viseme for p in sample.phones]
    assert "PP" in visemes and "aa" in visemes
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in zip(sample.phones, sample.phones[1:]))
    fps = 100
    n = int(sample.audio.duration_s * fps)
    truth = tts_truth.truth_aperture(sample.phones, fps, n)
    rms = metrics.frame_rms(sample.audio.samples, sample.audio.sample_rate, fps, n)
    lag, r = metrics.best_lag(truth, rms, max_lag=10)
    assert abs(lag) <= 2 and r > 0.4  # loudness follows the phones with no offset
    closed = tts_truth.closure_frames(sample.phones, fps, n)
    open_ = truth > 0.6
    assert np.median(rms[closed]) < 0.5 * np.median(rms[open_])


def test_tool_writes_json_for_tts(tmp_path):
    import eval_lipsync

    out = tmp_path / "scores.json"
    plots = tmp_path / "plots"
    assert eval_lipsync.main(["--tts", "en", "--engine", "acoustic", "--json", str(out), "--plot", str(plots)]) == 0
    assert (plots / "tts-espeak-en.png").stat().st_size > 10_000
    report = json.loads(out.read_text())
    clip = report["sets"]["tts"]["clips"][0]
    assert clip["clip"] == "espeak-en"
    assert {"ours", "rms", "pylipsync"} <= set(clip["scores"])
    for scores in clip["scores"].values():
        assert -1.0 <= scores["best_lag_r"] <= 1.0 and abs(scores["best_lag"]) <= metrics.MAX_LAG
        assert scores["best_lag_r"] >= scores["r_lag0"] - 1e-9
    assert len(report["sets"]["tts"]["targets"]) == 7


@pytest.mark.samples
def test_video_truth_tracks_the_mouth_on_a_real_clip():
    video = SAMPLES / "video" / "talking_woman_frontal_5s.mp4"
    if not video.exists():
        pytest.skip(f"shared samples not found at {video}")
    truth = measure_video(video)
    assert truth.fps == 25 and len(truth.opening) == 125
    assert truth.face_found > 0.95
    assert np.allclose(truth.times_s, np.arange(125) / 25, atol=1e-3)
    low, high = np.nanpercentile(truth.opening, [2, 98])
    assert low < 0.05 < 0.15 < high < 1.0  # closes fully at times, opens wide at others


def test_contact_closures_are_the_frames_where_the_lips_touch(tmp_path):
    """--contact-closures: the truth's closures become the frames whose inner-lip gap is under the
    given share of the eye distance, not the clip's bottom fifth."""
    import eval_lipsync

    video = SAMPLES / "video" / "talking_woman_frontal_5s.mp4"
    if not video.exists():
        pytest.skip(f"shared samples not found at {video}")
    (tmp_path / video.name).symlink_to(video)
    fifth = eval_lipsync.evaluate_videos(tmp_path, {}, use_cache=True)[0]
    contact = eval_lipsync.evaluate_videos(tmp_path, {}, use_cache=True, contact=0.02)[0]
    opening = contact.truth_curve
    assert np.array_equal(contact.truth_closed, np.isfinite(opening) & (opening < 0.02))
    assert np.array_equal(fifth.truth_closed, metrics.closed_mask(opening))
    assert 0 < contact.truth_closed.sum() < fifth.truth_closed.sum()


def test_baselines_are_centred_on_the_frame_times():
    from fantasy_talking.audio.decode import Audio
    from eval.predictors import pylipsync_aperture, rms_envelope

    rate, fps = 16000, 25
    t = np.arange(rate // 2) / rate
    samples = np.zeros(2 * rate, np.float32)
    samples[rate:rate + rate // 2] = 0.3 * np.sin(2 * np.pi * 700 * t) + 0.2 * np.sin(2 * np.pi * 1200 * t)
    audio = Audio(samples, rate)
    for predict in (rms_envelope, pylipsync_aperture):
        on = predict(audio, fps, 2 * fps) > 0
        assert not on[:24].any() and on[25:37].all() and not on[39:].any(), predict.__name__


def test_predictions_made_at_30_fps_land_on_a_29_97_fps_video_grid():
    from eval.predictors import at_frame_rate

    made = np.arange(300) / 30.0  # each value is its own time stamp
    placed = at_frame_rate(made, 30, 30000 / 1001, 299)
    assert np.allclose(placed, np.arange(299) * 1001 / 30000)
    assert np.array_equal(at_frame_rate(made, 25, 25, 310)[-10:], np.full(10, made[-1]))


def test_common_lag_is_the_one_shift_that_suits_most_clips():
    truths = [smooth_noise(200, seed=s) for s in range(3)]
    curves = [metrics.score(t, np.roll(t, 2), np.zeros(200, bool), np.ones(200, bool)).lag_r for t in truths]
    curves.append(metrics.score(truths[0], np.roll(truths[0], -4), np.zeros(200, bool), np.ones(200, bool)).lag_r)
    lag, r = metrics.common_lag(curves)
    assert lag == 2 and r > 0.5


def test_leave_one_clip_out_scores_each_clip_with_a_choice_made_without_it():
    from eval import loco

    # Combination 0 is good everywhere; combination 1 is superb on clip 0 only (it learnt that clip);
    # combination 2 is poor. The choice made without clip 0 cannot have seen its one success.
    table = np.array([
        [0.50, 0.52, 0.48, 0.51, 0.49],
        [0.95, 0.30, 0.31, 0.29, 0.30],
        [0.10, 0.12, 0.11, 0.09, 0.10],
    ])
    result = loco.leave_one_clip_out(table)
    assert result.chosen.tolist() == [0, 0, 0, 0, 0]
    assert result.held_out.tolist() == table[0].tolist()
    assert result.median == pytest.approx(0.50)
    # In-sample, the overfit row would have looked best on clip 0: the held-out score is lower.
    assert table[:, 0].max() > result.held_out[0]
    # Ties go to the earlier (shipped) combination.
    tied = loco.leave_one_clip_out(np.array([[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]))
    assert tied.chosen.tolist() == [0, 0, 0] and tied.in_sample == 0


def test_a_learned_part_refitted_per_fold_scores_each_clip_with_its_own_fold():
    from eval import loco

    # With a model refitted without each clip, clip c's choice and held-out score come from fold c's
    # table: here fold 1's model (fitted without clip 1) does worse on clip 1 than the shipped one.
    shipped = np.array([[0.6, 0.6, 0.6], [0.4, 0.4, 0.4]])
    folds = np.stack([shipped, shipped, shipped])
    folds[1] = [[0.6, 0.2, 0.6], [0.5, 0.3, 0.5]]
    result = loco.leave_one_clip_out(shipped, folds)
    assert result.chosen.tolist() == [0, 0, 0]
    assert result.held_out.tolist() == [0.6, 0.2, 0.6]
    assert result.in_sample == 0


GAIN = 1.0   # a constant of the synthetic "engine" below, set by loco.override


def test_loco_over_a_declared_grid_on_synthetic_clips(capsys):
    """End to end: a predictor whose best constant differs per clip. Four clips want 0.5, two
    want 2.0; held out, the minority clips get the majority's choice, and the report says so."""
    import eval_lipsync
    from eval import loco

    want = [0.5, 0.5, 0.5, 0.5, 2.0, 2.0]
    rng = np.random.default_rng(5)
    clips = []
    for k, target in enumerate(want):
        truth = smooth_noise(400, seed=10 + k)
        clip = eval_lipsync.ClipResult("video", f"synthetic-{k}", 25.0, truth, truth_closed=metrics.closed_mask(truth),
                                       speech=np.ones(400, bool))
        clips.append((clip, target, rng.standard_normal(400)))

    def predict(audio, fps, n):
        clip, target, noise = next(c for c in clips if c[0].frames == n and c[0].audio is audio)
        # The further GAIN is from this clip's target, the more noise drowns the truth.
        return clip.truth_curve + abs(np.log(GAIN / target)) * 3 * noise

    for clip, _, _ in clips:
        clip.audio = object()   # a token the predictor uses to tell the clips apart
    report = eval_lipsync.run_loco([c[0] for c in clips], predict, {f"{__name__}.GAIN": (1.0, 0.5, 2.0)})
    table = np.array(report["table"])
    assert table.shape == (3, 6)
    assert report["in_sample_choice"] == 1                      # 0.5 suits most clips
    assert report["chosen"] == [1] * 6
    held_out = np.array(report["held_out"])
    assert np.all(held_out[:4] > 0.99) and np.all(held_out[4:] < table[2, 4:] - 0.3)   # the minority pays
    assert report["median_loco"] == pytest.approx(np.median(held_out))
    assert GAIN == 1.0                                           # restored after the run
    assert "leave-one-clip-out" in capsys.readouterr().out

    # A learned part refitted per fold: fold c's "model" (here OFFSET) is applied to every score that
    # chooses for clip c and to its held-out score; a model that hurts its own held-out clip shows.
    folds = [{f"{__name__}.OFFSET": 5.0 if c == 0 else 0.0} for c in range(6)]

    spoiler = np.random.default_rng(6).standard_normal(400)

    def shifted(audio, fps, n):
        clip = next(c for c in clips if c[0].audio is audio)[0]
        pred = predict(audio, fps, n)
        return pred + OFFSET * spoiler if clip is clips[0][0] else pred

    report = eval_lipsync.run_loco([c[0] for c in clips], shifted, {f"{__name__}.GAIN": (1.0, 0.5, 2.0)},
                                   fold_overrides=folds)
    assert report["held_out"][0] < 0.5 < report["table"][1][0]   # the fold-0 model spoils clip 0 held out
    assert np.allclose(report["held_out"][1:4], held_out[1:4])
    assert OFFSET == 0.0

    # A second predictor chooses (an engine that runs with another engine's constants): every clip
    # gets the chooser's choice, scored on the predictor held out; here the chooser wants 2.0.
    def wants_two(audio, fps, n):
        clip = next(c for c in clips if c[0].audio is audio)[0]
        return clip.truth_curve + abs(np.log(GAIN / 2.0)) * 3 * spoiler

    report = eval_lipsync.run_loco([c[0] for c in clips], predict, {f"{__name__}.GAIN": (1.0, 0.5, 2.0)},
                                   chooser=wants_two)
    assert report["chosen"] == [2] * 6 and report["in_sample_choice"] == 2
    assert np.allclose(report["held_out"], np.array(report["table"])[2])   # the predictor's own scores at 2.0
    assert np.all(np.array(report["held_out"])[:4] < held_out[:4] - 0.3)    # which cost the clips wanting 0.5


OFFSET = 0.0   # a second constant of the synthetic engine, standing in for a per-fold learned part


def test_override_reaches_class_constants_and_restores_them():
    from eval import loco
    from fantasy_talking.articulation.acoustic import AcousticArticulation

    before = AcousticArticulation.HANGOVER_FRAMES
    with loco.override({"fantasy_talking.articulation.acoustic.AcousticArticulation.HANGOVER_FRAMES": 7}):
        assert AcousticArticulation().HANGOVER_FRAMES == 7
    assert AcousticArticulation.HANGOVER_FRAMES == before
    with pytest.raises(AttributeError):
        with loco.override({"fantasy_talking.articulation.acoustic.AcousticArticulation.NO_SUCH": 1}):
            pass


def test_declared_grid_starts_with_the_shipped_values():
    from eval import loco

    shipped = loco.shipped_values()
    assert all(shipped[target] == values[0] for target, values in loco.TUNED.items())
    assert 1 < len(loco.combinations(loco.TUNED)) <= 200   # small enough to run in minutes


def test_pooled_closure_rates_weigh_every_event_alike():
    import eval_lipsync

    # 1 of 2 events on a short clip, 8 of 8 on a long one, a clip without closures: 9 of 10.
    assert eval_lipsync.pooled([(0.5, 2), (1.0, 8), (float("nan"), 0)]) == pytest.approx(0.9)
    assert np.isnan(eval_lipsync.pooled([(float("nan"), 0)]))


def test_the_median_interval_says_how_far_a_handful_of_clips_could_move_it():
    rng = np.random.default_rng(7)
    spread = rng.uniform(0.2, 0.7, 9)
    low, high = metrics.median_interval(list(spread))
    assert low <= np.median(spread) <= high and high - low > 0.05
    tight_low, tight_high = metrics.median_interval(list(0.45 + 0.1 * (spread - 0.45)))
    assert tight_high - tight_low < 0.2 * (high - low)          # ten times less spread, a tenth the width
    assert metrics.median_interval([0.3, 0.3, float("nan")]) == (0.3, 0.3)


def test_a_paired_comparison_sees_a_steady_lead_that_clip_difficulty_hides():
    rng = np.random.default_rng(8)
    difficulty = rng.uniform(0.1, 0.7, 9)                      # clips far apart in how hard they are
    ours = difficulty + 0.05 + rng.normal(0, 0.01, 9)
    steady = metrics.compare(list(ours), list(difficulty))
    assert steady.wins == steady.clips == 9
    assert 0.03 < steady.low < steady.mean_difference < steady.high < 0.07
    # Unpaired, the same lead is lost in the clips' spread: the two medians' intervals overlap.
    assert metrics.median_interval(list(ours))[0] < metrics.median_interval(list(difficulty))[1]
    # A lead on some clips and a loss on others: the interval straddles zero.
    mixed = metrics.compare(list(difficulty + rng.normal(0, 0.15, 9)), list(difficulty))
    assert mixed.low < 0 < mixed.high
    # Clips one of the two could not score are left out of both.
    assert metrics.compare([0.5, float("nan"), 0.4], [0.3, 0.2, 0.1]).clips == 2


def test_the_summary_compares_each_engine_with_the_best_baseline(capsys):
    import eval_lipsync

    results = []
    for k in range(6):
        truth = smooth_noise(300, seed=40 + k)
        clip = eval_lipsync.ClipResult("video", f"synthetic-{k}", 25.0, truth,
                                       truth_closed=metrics.closed_mask(truth), speech=np.ones(300, bool))
        noise = np.random.default_rng(50 + k)
        for name, scale in (("ours", 0.5), ("rms", 2.0), ("rhubarb-phonetic", 1.0)):
            pred = truth + scale * smooth_noise(300, seed=60 + k) + 0.1 * noise.standard_normal(300)
            clip.scores[name] = metrics.score(truth, pred, clip.truth_closed, clip.speech, fps=25.0)
        results.append(clip)
    summary = eval_lipsync.summarise(results)
    assert eval_lipsync.best_baseline(summary) == "rhubarb-phonetic"
    against = eval_lipsync.comparisons(results, summary)
    assert set(against) == {"ours"} and against["ours"].wins == 6 and against["ours"].low > 0
    assert summary["ours"]["best_lag_r_low"] <= summary["ours"]["best_lag_r"] <= summary["ours"]["best_lag_r_high"]
    eval_lipsync.print_summary("video", summary, against=against)
    assert "against rhubarb-phonetic (best baseline): higher on 6 of 6 clips" in capsys.readouterr().out
