"""Decode a user photo (JPEG, PNG or WebP) into an RGB array, with the limits the service promises."""
from __future__ import annotations

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from fantasy_talking.head.errors import HeadError

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000
"""Larger photos are refused before decoding, so a hostile header cannot exhaust memory."""
MAX_SIDE = 2048
"""Photos are downscaled to this side before landmark detection and texturing; detail beyond it is not used."""


def decode_image(data: bytes) -> np.ndarray:
    """Return the photo as (H, W, 3) uint8 RGB, downscaled to at most MAX_SIDE, or raise HeadError."""
    if not data:
        raise HeadError("the image is empty; send JPEG, PNG or WebP bytes")
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise HeadError(f"the image is over the pixel limit ({exc}); downscale it") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise HeadError("not an image: send JPEG, PNG or WebP bytes") from exc
    if image.format not in FORMATS:
        raise HeadError(f"unsupported image format {image.format}; send JPEG, PNG or WebP")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise HeadError(f"the image is {width}x{height} pixels, over the limit of {MAX_PIXELS:,}; downscale it")
    try:
        image.load()
    except (OSError, Image.DecompressionBombError) as exc:
        raise HeadError(f"the image is corrupt or truncated ({exc}); re-export it") from exc
    image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        image = image.resize((round(width * scale), round(height * scale)), Image.LANCZOS)
    return np.asarray(image, dtype=np.uint8)
