"""Shutdown interrupts a stream's read, never its write: the final status always follows the frames.

The real-server tests (test_server_lifecycle.py) shut a listener down while a stream is mostly
waiting for audio. Here the stream is caught in the other state, halfway through a write that
the client has not taken yet, which a real socket produces only by chance: a context whose write
blocks until the test lets it go makes it certain.
"""
from __future__ import annotations

import asyncio

import numpy as np

from fantasy_talking.server.context import OpenStream
from fantasy_talking.server.stream_session import StreamSession
from fantasytalking.v1 import animation_pb2, common_pb2

Req = animation_pb2.StreamAnimationRequest
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)
CHUNK = (0.2 * np.sin(np.arange(1600) * 0.07)).astype("<f4").tobytes()   # 100 ms


class HeldWrites:
    """A ServicerContext whose `hold_at`-th frame write waits until `release` is set."""

    def __init__(self, hold_at: int) -> None:
        self.written: list[animation_pb2.StreamAnimationResponse] = []
        self.hold_at = hold_at
        self.holding = asyncio.Event()
        self.release = asyncio.Event()
        self.cancelled_writes = 0

    async def write(self, response: animation_pb2.StreamAnimationResponse) -> None:
        frames = sum(r.WhichOneof("response") == "frame" for r in self.written)
        try:
            if response.WhichOneof("response") == "frame" and frames == self.hold_at:
                self.holding.set()
                await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled_writes += 1
            raise
        self.written.append(response)


async def endless_audio():
    yield Req(config=animation_pb2.StreamConfig(audio_format=F32_16K, idle_after_ms=10_000))
    while True:
        await asyncio.sleep(0.005)
        yield Req(audio=CHUNK)


async def shut_down_during(state: str) -> tuple[HeldWrites, common_pb2.StreamStatus | None]:
    context = HeldWrites(hold_at=20)

    async def serve() -> None:
        stream = OpenStream()
        streams.append(stream)
        await StreamSession(endless_audio(), context, stream).run()

    streams: list[OpenStream] = []
    task = asyncio.get_running_loop().create_task(serve())
    await asyncio.wait_for(context.holding.wait(), 10)
    if state == "write":
        streams[0].shut_down()          # the stream is halfway through a write
        await asyncio.sleep(0.1)
        context.release.set()
    else:
        context.release.set()
        await asyncio.sleep(0.05)       # the stream is back to waiting for audio
        streams[0].shut_down()
    await asyncio.wait_for(task, 10)
    last = context.written[-1]
    return context, last.status if last.WhichOneof("response") == "status" else None


def check(context: HeldWrites, status: common_pb2.StreamStatus | None) -> None:
    assert context.cancelled_writes == 0, "shutdown cut a write off"
    assert status is not None, "the stream ended without its final status"
    assert status.code == common_pb2.StreamStatus.CODE_SHUTDOWN
    frames = [r.frame for r in context.written if r.WhichOneof("response") == "frame"]
    assert status.frames == len(frames) > 20
    assert abs(frames[-1].time_s - status.audio_seconds) < 0.05, "every frame of the audio received was sent"


def test_shutdown_during_a_write_lets_the_write_finish_then_closes_with_a_status():
    check(*asyncio.run(shut_down_during("write")))


def test_shutdown_while_waiting_for_audio_closes_with_a_status():
    check(*asyncio.run(shut_down_during("read")))
