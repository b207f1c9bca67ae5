"""Gather a second, unseen set of talking-face videos for tools/eval_lipsync.py from public git repositories.

    .venv/bin/python tools/eval/unseen_videos.py --out /tmp/unseen \\
        --repo OpenTalker/SadTalker=/path/to/SadTalker.git --repo OpenTalker/video-retalking=/path/to/video-retalking.git \\
        --repo yerfor/MimicTalk=/path/to/MimicTalk.git
    .venv/bin/python tools/eval_lipsync.py --videos /tmp/unseen --rhubarb …

The shared videos (../shared/samples/video) train the learned opening and choose every tuned
constant, so even their leave-one-clip-out figure has seen six of the seven speakers' recording
set-up. These nine clips (nine speakers, 5–10 s each, with their own sound, in sync within the
±200 ms that tools/eval_lipsync.py searches) have never been used to fit or choose anything in the
engine; they say how the engine does on faces and voices it has never met. Five are HDTF clips that
SadTalker ships as examples, three are VideoReTalking's example faces, one is MimicTalk's example
training video (EDTalk's `uncrop_Obama.mp4` was left out: its sound trails the mouth by about
240 ms, outside that search). They are not redistributed here: each is read from a clone of its
repository (any clone whose history holds the commit), found by its git blob id, so the set is the
same everywhere.

SadTalker and VideoReTalking also ship footage that is in the shared set (SadTalker's
Ocasio-Cortez clip is talking_woman_frontal_8s, VideoReTalking's face 2 is
talking_male_en_frontal_5s and its face 3 the first five seconds of the same Ocasio-Cortez
address), so those three are left out, and every clip written is checked against the shared videos
by its sound (`shared_footage`): a clip that repeats one of them is refused, re-encoded or cut as it
may be.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from fantasy_talking.audio.decode import AudioError, decode_file

SHARED_VIDEOS = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "video"
SAME_FOOTAGE_R = 0.9
"""Envelope correlation above which a clip's sound is taken for a shared video's: the same footage
re-encoded and cut reaches 0.98, different speech 0.6 at most (the shared and unseen sets)."""
ENVELOPE_HOP = 160   # 10 ms at 16 kHz


@dataclass(frozen=True)
class UnseenClip:
    """One video file in a public repository's history, named by its git blob id."""

    repo: str
    commit: str
    path: str
    blob: str

    @property
    def name(self) -> str:
        return _PREFIXES[self.repo] + Path(self.path).name


_SADTALKER, _RETALKING, _MIMICTALK = "OpenTalker/SadTalker", "OpenTalker/video-retalking", "yerfor/MimicTalk"
_PREFIXES = {_SADTALKER: "", _RETALKING: "vr_", _MIMICTALK: "mt_"}
"""File-name prefixes that keep every repository's clips apart (VideoReTalking's are numbered)."""
CLIPS: tuple[UnseenClip, ...] = (
    UnseenClip(_SADTALKER, "68651ebaa6fedad57ca9c878221f9b57212040cb", "test/examples/source_image/RD_Radio2_000.mp4",
               "e815dc1856e0f88e4572e8a803388d21f4e37d60"),
    UnseenClip(_SADTALKER, "68651ebaa6fedad57ca9c878221f9b57212040cb", "test/examples/source_image/RD_Radio34_000.mp4",
               "113cfb2c9885e7788f6cd47853f209577e238d94"),
    UnseenClip(_SADTALKER, "68651ebaa6fedad57ca9c878221f9b57212040cb",
               "test/examples/source_image/WDA_BobMenendez_000.mp4", "245ad9dbe5c848ae86409a26bef5727c3bac1164"),
    UnseenClip(_SADTALKER, "68651ebaa6fedad57ca9c878221f9b57212040cb",
               "test/examples/source_image/WDA_EdMarkey0_000.mp4", "4753ac23ab3c2e1ab6a14ee949386cff069cbb5a"),
    UnseenClip(_SADTALKER, "52c561414921e9edc4206c6c792670e213a98ee6", "examples/ref_video/WDA_KatieHill_000.mp4",
               "1e295d54abf3fbeb988626e49580560dca52201c"),
    UnseenClip(_RETALKING, "6f584bd6e761fc20331c886b6afc8180fd9ee547", "examples/face/1.mp4",
               "e007613894bd0c97915eeab78f7380c0976babfb"),
    UnseenClip(_RETALKING, "c20de926e2f1954150840128eead9542263369d3", "examples/face/4.mp4",
               "205922bbc887da41e3417300260c542797f67b80"),
    UnseenClip(_RETALKING, "c20de926e2f1954150840128eead9542263369d3", "examples/face/5.mp4",
               "3115469dc72e87dee7d107738c8b33c932a185f5"),
    UnseenClip(_MIMICTALK, "44bde25e93ec89d31b6517fe94e7a356d8694fa8", "data/raw/examples/Trump_10s.mp4",
               "7e131a24035726dfda47aa5bfa72d3963dc78f74"),
)
"""The unseen set: repository, a commit that holds the file, its path there and its blob id."""


def extract(clip: UnseenClip, git_dir: Path, out: Path) -> Path:
    """Write the clip's bytes from `git_dir` (a clone or bare repository) to `out`/name.

    Raises LookupError when that repository does not hold the blob."""
    done = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "blob", clip.blob],
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise LookupError(f"{git_dir} does not hold {clip.repo}@{clip.commit[:10]}:{clip.path} "
                          f"(blob {clip.blob[:10]})")
    target = out / clip.name
    target.write_bytes(done.stdout)
    return target


def loudness_envelope(path: Path) -> np.ndarray:
    """Log RMS of the file's sound in 10 ms frames: what survives re-encoding, resampling and gain."""
    samples = decode_file(path).samples.astype(np.float64)
    frames = samples[: len(samples) // ENVELOPE_HOP * ENVELOPE_HOP].reshape(-1, ENVELOPE_HOP)
    return np.log(np.sqrt((frames ** 2).mean(axis=1)) + 1e-4)


def containment_r(short: np.ndarray, long: np.ndarray) -> float:
    """Highest correlation of `short` with any stretch of `long` of its length (NaN if it is longer)."""
    if len(short) < 2 or len(short) > len(long):
        return float("nan")
    windows = sliding_window_view(long, len(short))
    windows = windows - windows.mean(axis=1, keepdims=True)
    centred = short - short.mean()
    norms = np.linalg.norm(windows, axis=1) * np.linalg.norm(centred) + 1e-12
    return float(np.max(windows @ centred / norms))


def shared_footage(path: Path, shared: list[tuple[str, np.ndarray]]) -> str | None:
    """The name of the shared video whose sound `path` repeats (either one holding the other), or None.

    `shared`: (name, loudness_envelope) of every shared video."""
    clip = loudness_envelope(path)
    for name, envelope in shared:
        short, long = (clip, envelope) if len(clip) <= len(envelope) else (envelope, clip)
        if containment_r(short, long) >= SAME_FOOTAGE_R:
            return name
    return None


def shared_envelopes(folder: Path) -> list[tuple[str, np.ndarray]]:
    """(name, loudness_envelope) of every video in `folder`; none when it is absent."""
    found = []
    for video in sorted(folder.glob("*.mp4")) if folder.is_dir() else []:
        try:
            found.append((video.name, loudness_envelope(video)))
        except AudioError:
            continue   # a video without sound cannot be repeated by one with it
    return found


def git_dir_of(path: Path) -> Path:
    """A work tree's .git, or a bare repository itself."""
    return path / ".git" if (path / ".git").exists() else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the videos (created)")
    parser.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME=PATH",
                        help="where a clone of that repository is (repeatable)")
    parser.add_argument("--shared", type=Path, default=SHARED_VIDEOS,
                        help=f"the shared videos no clip may repeat (default {SHARED_VIDEOS})")
    args = parser.parse_args(argv)
    clones: dict[str, Path] = {}
    for item in args.repo:
        name, sep, path = item.partition("=")
        if not sep or name not in {c.repo for c in CLIPS}:
            print(f"unseen_videos: --repo wants OWNER/NAME=PATH with one of "
                  f"{sorted({c.repo for c in CLIPS})}, got {item!r}", file=sys.stderr)
            return 2
        clones[name] = git_dir_of(Path(path))
    args.out.mkdir(parents=True, exist_ok=True)
    shared = shared_envelopes(args.shared)
    if not shared:
        print(f"unseen_videos: no shared videos in {args.shared}: clips are not checked against them",
              file=sys.stderr)
    written, missing = 0, []
    for clip in CLIPS:
        if clip.repo not in clones:
            missing.append(f"{clip.repo}:{clip.path} (no --repo {clip.repo}=PATH)")
            continue
        try:
            target = extract(clip, clones[clip.repo], args.out)
        except LookupError as exc:
            missing.append(str(exc))
            continue
        repeated = shared_footage(target, shared)
        if repeated is not None:
            target.unlink()
            missing.append(f"{clip.repo}:{clip.path}: its sound is the shared {repeated}'s, so it is not unseen")
            continue
        written += 1
    for line in missing:
        print(f"unseen_videos: skipped {line}", file=sys.stderr)
    print(f"wrote {written} of {len(CLIPS)} videos to {args.out}")
    return 0 if written else 2


if __name__ == "__main__":
    sys.exit(main())
