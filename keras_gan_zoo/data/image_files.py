"""What an image file's bytes say before it is decoded: its size, and whether it is whole.

`read_image_size` reads a file's header and walks its structure (PNG chunks, JPEG
segments up to the image data and the end marker, GIF blocks, BMP's pixel array)
without decoding pixels: a few small reads per file. A folder is indexed with it, so
a file that is empty, truncated, zero-filled, another format than its name says, or
a kind TensorFlow's decoder cannot read is named before training starts instead of
failing mid-epoch in that decoder ("Invalid PNG data", no file name); and the image
sizes are known without decoding. Damage inside compressed pixel data whose
structure is intact is left to the decoder.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Callable

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


class _Broken(Exception):
    """Why a file is not a whole image (becomes a ValueError naming the file)."""


# ------------------------------------------------------------------------ PNG
def _png_size(file: BinaryIO, file_size: int) -> tuple[int, int]:
    """Walks the chunks (length, type, data, CRC) from IHDR to IEND."""
    position, size, has_pixels = 8, None, False
    while True:
        file.seek(position)
        header = file.read(8)
        if len(header) < 8:
            raise _Broken("truncated: it ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", header)
        end = position + 12 + length
        if not kind.isalpha() or (size is None and kind != b"IHDR"):
            raise _Broken(f"no valid PNG chunk at byte {position}")
        if end > file_size:
            raise _Broken(f"truncated: its {kind.decode()} chunk ends past the end of the file")
        if kind == b"IHDR":
            width, height = struct.unpack(">II", file.read(8))
            size = height, width
        has_pixels = has_pixels or kind == b"IDAT"
        if kind == b"IEND":
            if not has_pixels:
                raise _Broken("it has no pixel data (IDAT chunk)")
            return size
        position = end


# ----------------------------------------------------------------------- JPEG
_JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # SOF0..SOF15 (not DHT, JPG, DAC)
_JPEG_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0..RST7
_JPEG_END = b"\xff\xd9"


def _jpeg_size(file: BinaryIO, file_size: int) -> tuple[int, int]:
    """Walks the marker segments up to the start of scan, then looks for the end marker
    (0xFFD9 cannot occur inside the entropy-coded data)."""
    position, size = 2, None
    while True:
        file.seek(position)
        head = file.read(4)
        if len(head) < 4:
            raise _Broken("truncated: it ends before its image data")
        if head[0] != 0xFF:
            raise _Broken(f"no JPEG marker at byte {position}")
        marker = head[1]
        if marker == 0xFF:  # a fill byte
            position += 1
            continue
        if marker in _JPEG_NO_LENGTH:
            position += 2
            continue
        if marker in (0xD8, 0xD9):
            raise _Broken(f"unexpected {'start' if marker == 0xD8 else 'end'} of image at byte "
                          f"{position}, before the image data")
        length = int.from_bytes(head[2:4], "big")
        if length < 2 or position + 2 + length > file_size:
            raise _Broken(f"truncated or broken segment at byte {position}")
        if marker in _JPEG_FRAMES:
            _, height, width = struct.unpack(">BHH", file.read(5))
            size = height, width
        position += 2 + length
        if marker == 0xDA:  # start of scan: the entropy-coded image data follows
            break
    if size is None:
        raise _Broken("no frame header (SOF) before its image data")
    if not _find_after(file, _JPEG_END, position, file_size):
        raise _Broken("truncated: it has no end-of-image marker")
    return size


def _find_after(file: BinaryIO, pattern: bytes, start: int, file_size: int,
                tail: int = 4096) -> bool:
    """Whether ``pattern`` occurs at or after byte ``start``: the file's last ``tail`` bytes
    first (where an end marker is), then all of it (data may follow the marker)."""
    for begin in (max(start, file_size - tail), start):
        file.seek(begin)
        if pattern in file.read():
            return True
    return False


# ------------------------------------------------------------------------ GIF
def _gif_size(file: BinaryIO, file_size: int) -> tuple[int, int]:
    """Walks the blocks (extensions, then an image's LZW sub-blocks) to the end of the first
    image: TensorFlow's decoder needs that one whole, and tolerates a truncated animation."""
    file.seek(0)
    data = file.read()
    if len(data) < 13:
        raise _Broken("truncated: it ends inside its header")
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    position = 13 + _gif_color_table(flags)
    while position < len(data):
        block = data[position]
        if block == 0x21:  # extension: label, then sub-blocks
            position = _gif_sub_blocks(data, position + 2)
        elif block == 0x2C:  # image: descriptor, colour table, LZW code size, sub-blocks
            if position + 10 > len(data):
                raise _Broken("truncated: it ends inside an image descriptor")
            _gif_sub_blocks(data, position + 11 + _gif_color_table(data[position + 9]))
            return height, width
        elif block == 0x3B:  # the trailer
            break
        else:
            raise _Broken(f"no GIF block at byte {position}")
    raise _Broken("it holds no image")


def _gif_color_table(flags: int) -> int:
    """The size in bytes of the colour table that ``flags`` announce (0 if none)."""
    return 3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0


def _gif_sub_blocks(data: bytes, position: int) -> int:
    """The position after the sub-blocks that start at ``position`` (a 0 length ends them)."""
    while True:
        if position >= len(data):
            raise _Broken("truncated: it ends inside its image data")
        length = data[position]
        position += 1 + length
        if length == 0:
            return position


# ------------------------------------------------------------------------ BMP
def _bmp_size(file: BinaryIO, file_size: int) -> tuple[int, int]:
    """Reads the headers; TensorFlow wants 8, 24 or 32 bits per pixel, uncompressed, and
    exactly the pixel array the header announces."""
    file.seek(0)
    header = file.read(54)
    if len(header) < 30:
        raise _Broken("truncated: it ends inside its header")
    offset, info_size = struct.unpack_from("<II", header, 10)
    if info_size == 12:  # BITMAPCOREHEADER (OS/2)
        width, height, _, bits = struct.unpack_from("<HHHH", header, 18)
        compression = 0
    elif len(header) < 34:
        raise _Broken("truncated: it ends inside its header")
    else:
        width, height, _, bits, compression = struct.unpack_from("<iiHHI", header, 18)
    if bits not in (8, 24, 32) or compression not in (0, 3):
        raise _Broken(f"TensorFlow reads only uncompressed 8, 24 or 32-bit BMP images, this one "
                      f"has {bits} bits per pixel{', compressed' if compression not in (0, 3) else ''}"
                      "; convert it (to PNG, say)")
    row = (bits * width + 31) // 32 * 4
    expected = offset + row * abs(height)
    if file_size != expected:
        raise _Broken(f"{'truncated: it has' if file_size < expected else 'it has'} "
                      f"{file_size} bytes where its header announces {expected}")
    if bits == 8 and not _bmp_gray_palette(file, 14 + info_size, offset):
        raise _Broken("TensorFlow reads an 8-bit BMP's colour indices, not its colours; convert "
                      "it (to PNG, say)")
    return abs(height), width


def _bmp_gray_palette(file: BinaryIO, start: int, end: int) -> bool:
    """Whether the palette between ``start`` and ``end`` maps each index i to gray (i, i, i)."""
    file.seek(start)
    palette = file.read(end - start)
    return all(palette[4 * i : 4 * i + 3] == bytes((i, i, i)) for i in range(len(palette) // 4))


# ---------------------------------------------------------------------- index
#: Each format's signatures and size reader, by file extension.
_FORMATS: dict[str, tuple[tuple[bytes, ...], Callable[[BinaryIO, int], tuple[int, int]]]] = {
    ".png": ((b"\x89PNG\r\n\x1a\n",), _png_size),
    ".jpg": ((b"\xff\xd8\xff",), _jpeg_size),
    ".jpeg": ((b"\xff\xd8\xff",), _jpeg_size),
    ".bmp": ((b"BM",), _bmp_size),
    ".gif": ((b"GIF87a", b"GIF89a"), _gif_size),
}


def read_image_size(path: Path) -> tuple[int, int]:
    """``(height, width)`` of the image file ``path``, read from its header.

    Raises ValueError naming ``path`` if it cannot be read, is not the image its
    extension says, or is not whole (see the module docstring).
    """
    kind = path.suffix.lstrip(".").upper()
    signatures, size_of = _FORMATS[path.suffix.lower()]
    try:
        with open(path, "rb") as file:
            file_size = file.seek(0, 2)
            file.seek(0)
            if not file.read(8).startswith(signatures):
                raise _Broken("empty, or another format")
            height, width = size_of(file, file_size)
    except OSError as error:
        raise ValueError(f"Cannot read image file {str(path)!r}: {error}.") from None
    except (_Broken, struct.error) as error:
        reason = str(error) if isinstance(error, _Broken) else "truncated header"
        raise ValueError(
            f"Image file {str(path)!r} is not a valid {kind} image ({reason}); remove or "
            "replace it."
        ) from None
    if height < 1 or width < 1:
        raise ValueError(f"Image file {str(path)!r} has an empty size {height} x {width} in its "
                         "header; remove or replace it.")
    return height, width
