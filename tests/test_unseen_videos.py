"""tools/eval/unseen_videos.py: the unseen evaluation set is read from a clone by git blob id, byte
for byte, a clone without the blob is reported, not guessed, and a clip whose sound is a shared
video's (re-encoded or cut) is refused."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import encode_audio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from eval import unseen_videos  # noqa: E402


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture()
def clone(tmp_path: Path) -> tuple[Path, bytes, str]:
    """A real repository with one committed binary file; its path, the bytes and their blob id."""
    repo = tmp_path / "repo"
    (repo / "examples" / "face").mkdir(parents=True)
    data = bytes(range(256)) * 40
    (repo / "examples" / "face" / "1.mp4").write_bytes(data)
    git("init", "-q", cwd=repo)
    git("add", ".", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "clip", cwd=repo)
    return repo, data, git("rev-parse", "HEAD:examples/face/1.mp4", cwd=repo)


def test_a_clip_is_read_by_its_blob_id(clone, tmp_path):
    repo, data, blob = clone
    clip = unseen_videos.UnseenClip("OpenTalker/video-retalking", "0" * 40, "examples/face/1.mp4", blob)
    out = tmp_path / "out"
    out.mkdir()
    written = unseen_videos.extract(clip, unseen_videos.git_dir_of(repo), out)
    assert written.name == "vr_1.mp4" and written.read_bytes() == data


def test_a_clone_without_the_blob_is_reported(clone, tmp_path):
    repo, _, _ = clone
    with pytest.raises(LookupError, match="does not hold"):
        unseen_videos.extract(unseen_videos.CLIPS[0], unseen_videos.git_dir_of(repo), tmp_path)


def test_the_cli_refuses_an_unknown_repository_and_skips_what_it_cannot_find(clone, tmp_path, capsys):
    repo, _, _ = clone
    assert unseen_videos.main(["--out", str(tmp_path / "a"), "--repo", f"someone/else={repo}"]) == 2
    assert "OWNER/NAME=PATH" in capsys.readouterr().err
    # The clone is a real repository but holds none of the set: nothing written, every clip named.
    assert unseen_videos.main(["--out", str(tmp_path / "b"), "--repo", f"OpenTalker/SadTalker={repo}"]) == 2
    err = capsys.readouterr().err
    assert err.count("skipped") == len(unseen_videos.CLIPS)


def test_the_set_is_nine_distinct_files():
    assert len({c.blob for c in unseen_videos.CLIPS}) == len({c.name for c in unseen_videos.CLIPS}) == 9


def speech_like(seconds: float, seed: int) -> np.ndarray:
    """Noise under a syllable-rate loudness envelope with pauses: what the envelope match sees of speech."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 16_000)
    steps = rng.uniform(0.0, 1.0, int(seconds * 6) + 1) ** 2   # one level per ~170 ms, many near silence
    level = np.interp(np.arange(n), np.linspace(0, n, len(steps)), steps)
    return (0.3 * level * rng.standard_normal(n)).astype(np.float32)


def write_mp4(path: Path, samples: np.ndarray, rate: int = 44_100) -> Path:
    """An MP4 with the samples (16 kHz) as AAC at `rate`, as the example videos carry their sound."""
    path.write_bytes(encode_audio(samples, "mp4", "aac", rate))
    return path


def test_a_clip_cut_from_a_shared_video_is_recognised_and_other_speech_is_not(tmp_path):
    voice = speech_like(8.0, seed=1)
    shared_dir = tmp_path / "shared"
    shared_dir.mkdir()
    write_mp4(shared_dir / "talking_8s.mp4", voice)
    shared = unseen_videos.shared_envelopes(shared_dir)
    # Seconds 1.5-6.5 of the same sound, quieter and through another encoder rate: the same footage.
    cut = write_mp4(tmp_path / "cut.mp4", 0.5 * voice[24_000:104_000], rate=48_000)
    assert unseen_videos.shared_footage(cut, shared) == "talking_8s.mp4"
    other = write_mp4(tmp_path / "other.mp4", speech_like(5.0, seed=2))
    assert unseen_videos.shared_footage(other, shared) is None


def test_the_cli_refuses_a_clip_that_repeats_a_shared_video(clone, tmp_path, monkeypatch, capsys):
    repo, _, _ = clone
    video = write_mp4(repo / "examples" / "face" / "2.mp4", speech_like(6.0, seed=3))
    git("add", ".", cwd=repo)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "second", cwd=repo)
    clip = unseen_videos.UnseenClip("OpenTalker/video-retalking", "0" * 40, "examples/face/2.mp4",
                                    git("rev-parse", "HEAD:examples/face/2.mp4", cwd=repo))
    monkeypatch.setattr(unseen_videos, "CLIPS", (clip,))
    shared_dir = tmp_path / "shared"
    shared_dir.mkdir()
    (shared_dir / "talking_6s.mp4").write_bytes(video.read_bytes())
    out = tmp_path / "out"
    args = ["--out", str(out), "--repo", f"OpenTalker/video-retalking={repo}", "--shared", str(shared_dir)]
    assert unseen_videos.main(args) == 2
    assert "is the shared talking_6s.mp4's, so it is not unseen" in capsys.readouterr().err
    assert not (out / "vr_2.mp4").exists()
    # Against a shared set without it, the same clip is written.
    assert unseen_videos.main([*args[:-1], str(tmp_path / "none")]) == 0
    assert (out / "vr_2.mp4").exists()
