"""tools/eval/unseen_videos.py: the unseen evaluation set is read from a clone by git blob id, byte
for byte, and a clone without the blob is reported, not guessed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


def test_the_set_is_eleven_distinct_files():
    assert len({c.blob for c in unseen_videos.CLIPS}) == len({c.name for c in unseen_videos.CLIPS}) == 11
