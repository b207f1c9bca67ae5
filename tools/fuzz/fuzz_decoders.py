"""Coverage-guided fuzzing (atheris, libFuzzer) of the decoders a client's bytes reach first.

    .venv/bin/pip install atheris          # optional: not part of the install; wheels exist for Linux x86-64
    .venv/bin/python tools/fuzz/fuzz_decoders.py audio_file -max_total_time=300
    .venv/bin/python tools/fuzz/fuzz_decoders.py all -max_total_time=60   # each target in turn

Targets: `pcm` (raw PCM of any format through PcmStream), `audio_file` (decode_file, any bytes),
`image` (the service's size check, then head/image.py's decoder), `stream_request` (bytes parsed
as a StreamAnimationRequest, its config decoded as the server does), `clip_request`, `a2f_header`.
A target passes when every input either decodes or raises the decoder's own error type (AudioError,
HeadError, OptionsError, A2FRequestError, protobuf's DecodeError); anything else is a crash that
libFuzzer reports with the input that caused it. Hypothesis runs the same properties in CI
(tests/test_fuzz.py); this is the long run.
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["fantasy_talking", "fantasytalking", "nvidia_ace_compat"]):
    import numpy as np
    from google.protobuf.message import DecodeError

    from fantasy_talking.animation.options import AnimationOptions, OptionsError
    from fantasy_talking.audio.decode import FULL_SCALE, AudioError, PcmEncoding, PcmFormat, decode_file
    from fantasy_talking.audio.pcm_stream import PcmStream
    from fantasy_talking.head.errors import HeadError
    from fantasy_talking.head.image import decode_image
    from fantasy_talking.server import a2f_mapping, convert
    from fantasy_talking.server.a2f_mapping import A2FRequestError
    from fantasy_talking.server.head_service import check_image_size
    from fantasytalking.v1 import animation_pb2
    from nvidia_ace_compat import controller_pb2


def _finite(samples: np.ndarray) -> None:
    if len(samples) and not (np.isfinite(samples).all() and np.abs(samples).max() <= FULL_SCALE):
        raise AssertionError("decoded samples out of range")


@atheris.instrument_func
def pcm(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    try:
        fmt = PcmFormat(PcmEncoding(fdp.ConsumeIntInRange(1, 2)), fdp.ConsumeIntInRange(0, 200_000),
                        fdp.ConsumeIntInRange(0, 3))
        stream = PcmStream(fmt)
        body = fdp.ConsumeBytes(fdp.remaining_bytes())
        cut = len(body) // 2
        _finite(np.concatenate([stream.feed(body[:cut]), stream.feed(body[cut:]), stream.flush()]))
    except AudioError:
        pass


@atheris.instrument_func
def audio_file(data: bytes) -> None:
    try:
        _finite(decode_file(data, max_seconds=5).samples)
    except AudioError:
        pass


@atheris.instrument_func
def image(data: bytes) -> None:
    try:
        check_image_size(data)
        decode_image(data)
    except HeadError:
        pass


@atheris.instrument_func
def stream_request(data: bytes) -> None:
    try:
        request = animation_pb2.StreamAnimationRequest.FromString(data)
        if request.WhichOneof("request") == "config":
            convert.pcm_format_from_proto(request.config.audio_format)
            convert.options_from_proto(request.config.options)
    except (DecodeError, AudioError, OptionsError):
        pass


@atheris.instrument_func
def clip_request(data: bytes) -> None:
    try:
        request = animation_pb2.AnimateClipRequest.FromString(data)
        convert.options_from_proto(request.options)
        if request.WhichOneof("audio") == "pcm":
            convert.pcm_format_from_proto(request.pcm.format)
    except (DecodeError, AudioError, OptionsError):
        pass


@atheris.instrument_func
def a2f_header(data: bytes) -> None:
    try:
        message = controller_pb2.AudioStream.FromString(data)
        a2f_mapping.stream_settings(message.audio_stream_header, AnimationOptions())
    except (DecodeError, A2FRequestError):
        pass


TARGETS = {f.__name__: f for f in (pcm, audio_file, image, stream_request, clip_request, a2f_header)}


def seed_corpus(name: str) -> str:
    """A folder with one valid input for `name`, so the fuzzer starts from a message that parses."""
    import io
    import tempfile
    import wave

    from PIL import Image

    from fantasytalking.v1 import common_pb2
    from nvidia_ace_compat import audio_pb2

    buf = io.BytesIO()
    if name == "audio_file":
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16_000)
            w.writeframes(bytes(3200))
    elif name == "image":
        Image.new("RGB", (96, 80)).save(buf, "PNG")
    fmt = common_pb2.AudioFormat(encoding=1, sample_rate_hz=16_000, channels=1)
    seeds = {
        "pcm": b"\x01\x80\x3e\x01" + bytes(64),
        "audio_file": buf.getvalue(), "image": buf.getvalue(),
        "stream_request": animation_pb2.StreamAnimationRequest(config=animation_pb2.StreamConfig(
            audio_format=fmt, options=common_pb2.AnimationOptions(fps=30, emotions={"joy": 0.5}))).SerializeToString(),
        "clip_request": animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(format=fmt, data=bytes(64)),
                                                         options=common_pb2.AnimationOptions(fps=60)).SerializeToString(),
        "a2f_header": controller_pb2.AudioStream(audio_stream_header=controller_pb2.AudioStreamHeader(
            audio_header=audio_pb2.AudioHeader(channel_count=1, samples_per_second=16_000,
                                               bits_per_sample=16))).SerializeToString(),
    }
    folder = tempfile.mkdtemp(prefix=f"fuzz-{name}-")
    with open(f"{folder}/seed", "wb") as f:
        f.write(seeds[name])
    return folder


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in [*TARGETS, "all"]:
        sys.exit(f"usage: fuzz_decoders.py {{{','.join(TARGETS)},all}} [libFuzzer flags]")
    name, flags = sys.argv[1], sys.argv[2:]
    if name == "all":
        import subprocess
        for target in TARGETS:
            print(f"== {target}", flush=True)
            code = subprocess.call([sys.executable, __file__, target, *flags])
            if code:
                sys.exit(code)
        return
    corpus = [] if any(not f.startswith("-") for f in flags) else [seed_corpus(name)]
    if not any(f.startswith("-artifact_prefix=") for f in flags):
        flags.append("-artifact_prefix=/tmp/fuzz-")   # crash inputs land in /tmp, not in the repository
    atheris.Setup([sys.argv[0], *flags, *corpus], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
