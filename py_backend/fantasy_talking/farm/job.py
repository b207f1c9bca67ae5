"""Baking one line, in whichever process runs it: a pool worker, a Ray task, or the caller itself.

A line goes through exactly what `ftalk animate` (audio) or `ftalk say` (text) runs, the
pipeline and `formats.outputs`, so its files are byte for byte what those commands write with
the line's seed. Each output is written under a temporary name beside its destination and
renamed into place (on object storage: encoded in a private temporary folder, then PUT); the
line's stamp, `NAME.bake.json`, holding a hash of the line, its options, its input's bytes and
the product version, is published last. A rerun skips
a line whose stamp matches and whose files are all there; a crash in between leaves no stamp,
so the line is baked again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from fantasy_talking import __version__
from fantasy_talking.farm.plan import LineJob, animation_options
from fantasy_talking.farm.report import LineResult
from fantasy_talking.farm.storage import LocalStore, store_for

STAMP_SUFFIX = ".bake.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BakeContext:
    """What every line of one bake shares; sent to each worker once."""

    out: str
    head_glb: bytes | None = None
    head_sha256: str = ""
    force: bool = False
    has_text: bool = False
    started_at: float = 0.0
    """When the bake started (time.time()), so each line can say when in the bake it began."""


def warm_up(has_text: bool) -> None:
    """Load the engine, the encoders and (for text lines) the synthesisers once per worker process."""
    import fantasy_talking.formats.livelink_csv  # noqa: F401
    import fantasy_talking.pipeline  # noqa: F401

    if has_text:  # the speakers' fork server (`_in_fresh_child`) starts now, not with the first text line
        _in_fresh_child(int)


def line_key(job: LineJob, source_sha256: str, head_sha256: str) -> str:
    """The hash a line's outputs are stamped with: same key, same bytes."""
    document = {
        "version": __version__,
        "name": job.name,
        "text": job.text,
        "source_sha256": source_sha256,
        "fields": dict(sorted(job.fields.items())),
        "formats": list(job.formats),
        "head_sha256": head_sha256 if "glb" in job.formats else "",
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def output_path(out: str, name: str, suffix: str) -> str:
    return store_for(out).join(out, f"{name}{suffix}")


def bake_line(job: LineJob, context: BakeContext) -> LineResult:
    """Bake one line; every failure is returned as a failed result, never raised."""
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    result = LineResult(job.number, job.name, "failed", seed=job.fields.get("seed"),
                        worker=f"{socket.gethostname()}:{os.getpid()}",
                        started_s=round(time.time() - context.started_at, 4) if context.started_at else 0.0)
    try:
        _bake(job, context, result)
    except FileNotFoundError as exc:
        result.reason = f"{exc.filename or job.source}: no such file"
    except (ValueError, OSError) as exc:  # AudioError, OptionsError, TtsError, HeadError, OutputError, I/O
        result.reason = str(exc) or type(exc).__name__
    except Exception as exc:  # noqa: BLE001 - one bad line must never stop the batch
        log.exception("line %d (%s) failed", job.number, job.name)
        result.reason = f"internal error ({type(exc).__name__}: {exc})"
    result.seconds = round(time.perf_counter() - started, 4)
    result.cpu_s = round(_cpu_seconds() - cpu_started, 4)
    result.peak_rss_mb = _peak_rss_mb()
    result.process_cpu_s = round(_process_cpu_seconds(), 3)
    return result


def _bake(job: LineJob, context: BakeContext, result: LineResult) -> None:
    store = store_for(context.out)
    data = b""
    if not job.is_text:
        data = store_for(job.source).read(job.source)
    key = line_key(job, hashlib.sha256(data).hexdigest() if data else "", context.head_sha256)
    stamp_path = output_path(context.out, job.name, STAMP_SUFFIX)
    if not context.force and _is_done(store, context.out, job, stamp_path, key, result):
        return
    store.remove(stamp_path)

    audio, clip = _animate(job, data)
    from fantasy_talking.formats.outputs import write_clip_files

    base = PurePosixPath(job.name).name
    title = PurePosixPath(job.source.replace("\\", "/")).name if data else base
    if isinstance(store, LocalStore):  # straight into place, each file atomically (temp name + rename)
        written = write_clip_files(clip, audio, Path(output_path(context.out, job.name, "")), job.formats,
                                   title=title, head_glb=context.head_glb)
        result.files += [f"{job.name}{file.path.suffix}" for file in written]
    else:  # encoded locally, then each file PUT to the object store
        with tempfile.TemporaryDirectory(prefix="ftalk-bake-") as folder:
            written = write_clip_files(clip, audio, Path(folder) / base, job.formats, title=title,
                                       head_glb=context.head_glb)
            for file in written:
                suffix = file.path.suffix
                store.put(output_path(context.out, job.name, suffix), file.path.read_bytes())
                result.files.append(f"{job.name}{suffix}")
    result.audio_s = round(audio.duration_s, 4)
    stamp = {"key": key, "version": __version__, "files": result.files, "audio_s": result.audio_s,
             "seed": result.seed}
    store.put(stamp_path, (json.dumps(stamp, indent=1) + "\n").encode())
    result.status = "done"


def _is_done(store, out: str, job: LineJob, stamp_path: str, key: str, result: LineResult) -> bool:
    try:
        stamp = json.loads(store.read(stamp_path))
    except (OSError, ValueError):
        return False
    files = stamp.get("files", [])
    if stamp.get("key") != key or not files or not all(store.exists(store.join(out, f)) for f in files):
        return False
    result.status, result.files, result.audio_s = "skipped", list(files), float(stamp.get("audio_s", 0.0))
    return True


def _animate(job: LineJob, data: bytes):
    """The line's audio and clip, by the same calls `ftalk animate` and `ftalk say` make."""
    options = animation_options(job.fields)
    if job.is_text:
        return _in_fresh_child(_speak, job, options)
    from fantasy_talking.audio.decode import decode_file
    from fantasy_talking.pipeline import animate_audio

    audio = decode_file(data)
    return audio, animate_audio(audio, options)


def _speak(job: LineJob, options):
    from fantasy_talking.audio.decode import SAMPLE_RATE
    from fantasy_talking.pipeline.speak import plan_speech, speak, whole_utterance

    f = job.fields
    plan = plan_speech(job.text, f.get("language", ""), f.get("voice", ""), f.get("rate", 1.0),
                       f.get("pitch", 1.0), f.get("volume", 1.0), f.get("sample_rate", SAMPLE_RATE), options)
    return whole_utterance(plan, speak(plan))


FORKSERVER_PRELOAD = ["fantasy_talking.farm.job", "fantasy_talking.pipeline", "fantasy_talking.formats.outputs",
                      "fantasy_talking.formats.livelink_csv", "fantasy_talking.formats.json_frames",
                      "fantasy_talking.formats.plot", "fantasy_talking.formats.gltf_animation",
                      "fantasy_talking.pipeline.speak"]
"""What the fork server imports once, so pool workers and speakers forked from it start warm. Only what
a line runs: the fork server's imports are serial start-up before any worker bakes (scipy.signal, which
nothing here uses, cost half a second of it)."""


def _in_fresh_child(function, *args):
    """Run `function(*args)` in a fresh process forked from a pristine fork server; return its result.

    espeak-ng (1.51) carries state from one utterance to the next inside a process (the glottal
    flutter phase, libc's rand()), so the same text gives slightly different samples depending on
    what the process spoke before. Each text line is therefore spoken by a child of a fork server
    that has imported everything but never spoken, so every line sounds like a process's first
    utterance: the same bytes whatever --jobs, the order, the backend or what the calling process
    said before, and the same as `ftalk say TEXT`.
    """
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_speaker_main, args=(sender, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        message = receiver.recv()
    except EOFError:
        message = ("error", False, "the speech process died without an answer")
    finally:
        receiver.close()
        child.join()
    if message[0] == "ok":
        return message[1]
    _, is_value_error, text = message
    raise (ValueError if is_value_error else RuntimeError)(text)


def _speaker_main(sender, function, args) -> None:
    import ctypes

    ctypes.CDLL(None).srand(1)  # libc's default seed, as in a new process
    try:
        message = ("ok", function(*args))
    except Exception as exc:  # noqa: BLE001 - the parent reports it as the line's failure
        message = ("error", isinstance(exc, ValueError), str(exc) or type(exc).__name__)
    sender.send(message)
    sender.close()


def _cpu_seconds() -> float:
    """This process's CPU time plus that of its finished children (the forked speakers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _process_cpu_seconds() -> float:
    """This process's own CPU time since it started (its start-up included, its children not)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def _peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


# -- entry points for the process pool and for Ray ------------------------------------------------

_context: BakeContext | None = None


def init_pool_worker(context: BakeContext, environment: dict[str, str] | None = None) -> None:
    """Process-pool initializer: keep the context, take the caller's environment, leave Ctrl-C to the
    parent, load the engine.

    Workers fork from a fork server that kept the environment of when it started (the first bake of
    the process); `environment` is the caller's now, so credentials or an endpoint set since then
    (AWS_*, GOOGLE_*, RAY_*) reach the workers as they would a forked child.
    """
    import signal

    global _context
    _context = context
    if environment is not None and environment != dict(os.environ):
        os.environ.clear()
        os.environ.update(environment)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(context.has_text)


def bake_in_pool_worker(job: LineJob) -> LineResult:
    assert _context is not None, "init_pool_worker did not run"
    return bake_line(job, _context)


def bake_batch(jobs: list[LineJob], context: BakeContext) -> list[LineResult]:
    """A Ray task: a group of lines of about the same total duration as every other group."""
    warm_up(context.has_text)
    return [bake_line(job, context) for job in jobs]
