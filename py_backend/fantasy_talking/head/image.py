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


MIN_IMAGE_SIDE_PX = 64
"""A face needs more pixels than this across; smaller sides cannot hold a detectable face."""
MAX_IMAGE_ASPECT = 8.0
"""Long side / short side. A strip (4096x1) is no portrait, and downscaling it would reach zero rows."""


def check_image_size(data: bytes) -> None:
    """HeadError for an image whose size cannot hold a portrait, read from its header alone.

    Checked before any decoding or scaling (by `decode_image`, and by HeadService before it queues
    work). Bytes that are not an image, or not a supported format, pass through: `decode_image` reports those with its own message. An image that
    makes PIL raise something other than its documented errors (found by fuzzing: a truncated PNG
    IHDR chunk raises ValueError, a bad IDAT checksum SyntaxError, both reported as INTERNAL by
    the pipeline) is refused here."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in FORMATS:
            return   # `decode_image` names the format
        width, height = image.size
        image.verify()   # chunk structure and checksums (PNG), without decoding the pixels
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return   # not an image, truncated, or over the pixel limit: the pipeline says which
    except Exception as exc:   # damaged: PIL raises ValueError, SyntaxError, struct.error, ...
        raise HeadError(f"the image is corrupt ({exc}); re-export it") from None
    if min(width, height) < MIN_IMAGE_SIDE_PX:
        raise HeadError(f"the image is {width}x{height} pixels; a portrait needs at least "
                        f"{MIN_IMAGE_SIDE_PX} pixels on each side")
    if max(width, height) > MAX_IMAGE_ASPECT * min(width, height):
        raise HeadError(f"the image is {width}x{height} pixels, a strip rather than a portrait; "
                        f"the long side may be at most {MAX_IMAGE_ASPECT:g} times the short side")


def decode_image(data: bytes) -> np.ndarray:
    """Return the photo as (H, W, 3) uint8 RGB, downscaled to at most MAX_SIDE, or raise HeadError."""
    if not data:
        raise HeadError("the image is empty; send JPEG, PNG or WebP bytes")
    check_image_size(data)
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
