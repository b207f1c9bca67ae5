"""What the console remembers between requests: heads, uploaded audio and finished takes.

Everything lives in memory, bounded (oldest entries go first), because the console is a try-out
window, not an archive: downloads are the way to keep a result.
"""
from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np

from fantasy_talking.animation.clip import AnimationClip

T = TypeVar("T")


@dataclass
class Head:
    """A head built by HeadService: its GLB and the report shown next to the viewer."""

    glb: bytes
    report: dict


@dataclass
class Upload:
    """Speech uploaded or recorded in the browser, decoded to mono float samples."""

    samples: np.ndarray
    sample_rate: int
    name: str


@dataclass
class Take:
    """One finished utterance: the curves as the browser received them, its audio and its head."""

    clip: AnimationClip
    samples: np.ndarray
    sample_rate: int
    head_id: str | None
    cache: dict[str, bytes] = field(default_factory=dict)


class Shelf(Generic[T]):
    """A bounded id → item map; the least recently used item leaves when it is full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, T] = OrderedDict()

    def add(self, item: T) -> str:
        key = secrets.token_hex(8)
        self._items[key] = item
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> T | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item


@dataclass
class Store:
    heads: Shelf[Head] = field(default_factory=lambda: Shelf(16))
    uploads: Shelf[Upload] = field(default_factory=lambda: Shelf(32))
    takes: Shelf[Take] = field(default_factory=lambda: Shelf(32))
