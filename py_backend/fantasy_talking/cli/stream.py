"""`ftalk stream`: the reference streaming client. Streams a file at real-time pace and reports latency."""
from __future__ import annotations

import argparse
from pathlib import Path

import grpc
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from fantasy_talking.animation.clip import AnimationClip, Frame, VisemeEvent
from fantasy_talking.audio.decode import AudioError, decode_file
from fantasy_talking.cli.errors import CliError
from fantasy_talking.server.client import StreamResult, open_channel, stream_samples
from fantasy_talking.server.config import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV, token_from_env
from fantasytalking.v1 import animation_pb2_grpc, common_pb2

OUTPUT_SUFFIXES = (".json", ".csv")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "stream", help="stream a speech file to a server and report latency",
        description="Decode SPEECH (any audio or video file), stream it to StreamAnimation at real-time "
                    "pace, and print frame count and latency (chunk sent → frame received: p50/p95/max).")
    p.add_argument("speech", type=Path, metavar="SPEECH", help="audio or video file")
    p.add_argument("--server", default=f"{DEFAULT_HOST}:{DEFAULT_PORT}", help="host:port of `ftalk serve`")
    p.add_argument("--token", help=f"bearer token (or set ${TOKEN_ENV})")
    p.add_argument("--tls-ca", type=Path, help="PEM certificate to trust; connects with TLS")
    p.add_argument("--chunk-ms", type=int, default=20, help="audio per message in ms (default 20)")
    p.add_argument("--lookahead-ms", type=int, help="engine look-ahead in ms, 0..500 (default: server's, 100)")
    p.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    p.add_argument("--as-fast-as-possible", action="store_true", help="send without real-time pacing")
    p.add_argument("--out", type=Path, help="write the received frames to .json (JSON frames) or .csv (Live Link Face)")
    p.set_defaults(func=run)


def _received_clip(result: StreamResult, duration_s: float) -> AnimationClip:
    """The received frames as a clip."""
    header = result.header
    frames = [Frame(f.index, f.time_s, np.array(f.blendshapes, np.float32),
                    np.array([[q.x, q.y, q.z, q.w] for q in f.joints], np.float32),
                    np.array(f.angles, np.float32), f.idle)
              for f in result.frames]
    visemes = [VisemeEvent(v.viseme_id, v.viseme, v.start_s, v.end_s, v.phoneme) for v in result.visemes]
    return AnimationClip.from_frames(frames, tuple(header.blendshape_names), header.fps, visemes,
                                     duration_s, header.engine)


def _write(clip: AnimationClip, path: Path) -> None:
    from fantasy_talking.formats import write_json_frames, write_livelink_csv
    (write_json_frames if path.suffix.lower() == ".json" else write_livelink_csv)(clip, path)


def run(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise CliError(f"--out must end in {' or '.join(OUTPUT_SUFFIXES)}, got {args.out.name}")
    if not 1 <= args.chunk_ms <= 1000:
        raise CliError(f"--chunk-ms must be 1..1000, got {args.chunk_ms}")
    if args.tls_ca is not None and not args.tls_ca.is_file():
        raise CliError(f"--tls-ca file not found: {args.tls_ca}")
    if not args.speech.is_file():
        raise CliError(f"no such file: {args.speech}")
    try:
        audio = decode_file(args.speech)
    except AudioError as exc:
        raise CliError(f"{args.speech.name}: {exc}") from exc
    options = common_pb2.AnimationOptions(fps=args.fps)
    if args.lookahead_ms is not None:
        options.lookahead_ms = args.lookahead_ms
    console = Console(stderr=True)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                   transient=True, disable=not console.is_terminal)
    try:
        with bar, open_channel(args.server, args.tls_ca) as channel:
            task = bar.add_task(f"streaming {audio.duration_s:.1f} s to {args.server}", total=1.0)
            result = stream_samples(animation_pb2_grpc.AnimationServiceStub(channel), audio.samples, options,
                                    chunk_ms=args.chunk_ms, realtime=not args.as_fast_as_possible,
                                    token=token_from_env(args.token),
                                    progress=lambda done: bar.update(task, completed=done))
    except grpc.RpcError as exc:
        raise CliError(f"{exc.code().name} from {args.server}: {exc.details()}") from exc
    header, status = result.header, result.status
    print(f"frames: {len(result.frames)} ({audio.duration_s:.2f} s audio, {header.fps} fps, "
          f"engine {header.engine}, look-ahead {header.lookahead_ms} ms, {len(header.blendshape_names)} curves)")
    print(f"visemes: {len(result.visemes)}")
    print(f"latency chunk sent → frame received: p50 {result.latency_ms(50):.1f} ms, "
          f"p95 {result.latency_ms(95):.1f} ms, max {result.max_latency_ms:.1f} ms "
          f"({len(result.latencies_s)} frames, {args.chunk_ms} ms chunks)")
    if status is not None:
        print(f"status: {common_pb2.StreamStatus.Code.Name(status.code)}: {status.message}")
    if args.out is not None:
        _write(_received_clip(result, audio.duration_s), args.out)
        print(f"wrote {args.out}")
    return 0
