"""Photo checks and processing: what happens to a resident's photo between the phone and the map.

There are two entry points with very different budgets:

* ``inspect_upload`` runs in the API request. It must stay cheap (the target is 100 uploads/s on
  two cores), so it never decodes pixels: it checks the size, identifies the type from magic bytes
  (never the file name or the client's ``Content-Type``), reads only the header for the dimensions
  and looks at the container structure to catch uploads cut short. It answers "is this worth
  storing and queueing?", not "is every pixel fine?".
* ``process`` runs in the Celery worker. It decodes the photo, turns it upright, and writes the
  JPEG derivatives the app shows (``DERIVATIVES``), with every piece of metadata stripped: a
  resident's photo must never leak the GPS track, the phone's serial number or the owner's name
  embedded by the camera. It also returns what we do want from that metadata (location, capture
  time, orientation) and a perceptual hash for spotting the same photo sent twice.

Speed in the worker comes from JPEG draft mode: libjpeg can decode at 1/2, 1/4 or 1/8 scale
directly from the DCT coefficients, so an 8 MP phone photo is decoded at roughly the size of the
largest derivative instead of in full. ``naive_process`` is the same pipeline without it, kept only
so a benchmark can show the difference; both share every step except that one.

Every rejection is a ``PhotoRejected`` with a stable ``code`` the API returns to the app and a
message in Vietnamese (shown to residents) and in English (for logs and staff).
"""

import io
import math
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from statistics import median

import pillow_heif
from PIL import Image, ImageCms, ImageFile, ImageOps

pillow_heif.register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
DERIVATIVES = {"large": 1280, "thumb": 320}  # name -> longest side in pixels
ALLOWED_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"}

# Pillow's own bomb guard uses the same limit, so any other code in the process that opens an
# image is protected too. It warns above the limit and raises only above twice the limit; our
# `_open` turns that error into `photo_too_many_pixels`, so residents always get our clear message
# and never a generic "corrupt" one, whatever the size.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# This is Pillow's default, but it is a process-wide switch: say it explicitly, because a truncated
# photo must be an error, not a photo whose lower half is grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_MESSAGES = {
    "photo_empty": (
        "Ảnh tải lên không có dữ liệu.",
        "The uploaded photo is empty.",
    ),
    "photo_too_large": (
        f"Ảnh quá lớn: dung lượng tối đa là {MAX_BYTES // (1024 * 1024)} MB.",
        f"The photo is too large: the limit is {MAX_BYTES // (1024 * 1024)} MB.",
    ),
    "unsupported_photo_type": (
        "Định dạng ảnh không được hỗ trợ. Vui lòng gửi ảnh JPEG, PNG, WebP hoặc HEIC.",
        "Unsupported photo type. Please send a JPEG, PNG, WebP or HEIC photo.",
    ),
    "photo_too_many_pixels": (
        f"Ảnh có độ phân giải quá cao: tối đa {MAX_PIXELS // 1_000_000} megapixel.",
        f"The photo has too many pixels: the limit is {MAX_PIXELS // 1_000_000} megapixels.",
    ),
    "photo_corrupt": (
        "Ảnh bị hỏng hoặc không đọc được.",
        "The photo is damaged or cannot be read.",
    ),
}
_TRUNCATED = (
    "Ảnh bị thiếu dữ liệu, có thể do quá trình tải lên bị gián đoạn. Vui lòng gửi lại ảnh.",
    "The photo is truncated, probably because the upload was interrupted. Please send it again.",
)
REJECTION_CODES = frozenset(_MESSAGES)


class PhotoRejected(Exception):
    """The photo cannot be accepted; ``code`` is stable and part of the API contract."""

    def __init__(self, code: str, message: str | None = None, message_en: str | None = None) -> None:
        if code not in _MESSAGES:
            raise ValueError(f"unknown photo rejection code: {code!r}")
        default_vi, default_en = _MESSAGES[code]
        self.code = code
        self.message = message or default_vi
        self.message_en = message_en or default_en
        super().__init__(f"{code}: {self.message_en}")


# --------------------------------------------------------------------------- type sniffing

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1"}
# AVIF shares the HEIF container (and lists mif1 among its brands) but our libheif has no AV1
# decoder and the app never sends it: refuse it up front instead of failing in the worker.
_AVIF_BRANDS = {b"avif", b"avis"}
# Restricting Pillow to the plugin matching the sniffed type means a file that claims to be a PNG
# can only ever reach the PNG decoder, never one of Pillow's many rarely used (and less audited)
# format plugins.
_PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}


def sniff(data: bytes) -> str | None:
    """The content type according to the magic bytes, or None if it is not a type we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(_PNG_SIGNATURE):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return _sniff_heif(data)


def _sniff_heif(data: bytes) -> str | None:
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(data[:4], "big")
    if box_size < 16:
        return None
    compatible = data[16 : min(box_size, len(data))]
    brands = {data[8:12]} | {compatible[i : i + 4] for i in range(0, len(compatible) - 3, 4)}
    if brands & _AVIF_BRANDS:
        return None
    if brands & _HEIC_BRANDS:
        return "image/heic"
    if brands & _HEIF_BRANDS:
        return "image/heif"
    return None


# --------------------------------------------------------------------------- request path


@dataclass(frozen=True)
class UploadInfo:
    content_type: str
    # Upright, like `Processed`: a portrait phone photo is stored 4032x3024 with orientation 6,
    # and the app lays out the thumbnail before the worker has run.
    width: int
    height: int


def inspect_upload(data: bytes) -> UploadInfo:
    """Cheap checks for the API request; raises PhotoRejected. Never decodes the pixels."""
    content_type = _check_bytes(data)
    with _open(data, content_type) as im:
        width, height = im.size
        orientation = _header_orientation(im)
    _check_pixels(width, height)  # rotation does not change the pixel count
    if not _STRUCTURE_CHECKS[content_type](data):
        raise PhotoRejected("photo_corrupt", *_TRUNCATED)
    # Corruption inside the compressed data (a bad sector, a flipped bit, a proxy mangling the
    # body) cannot be seen without decoding, which the request path cannot afford. The worker
    # finds it in `process` and marks the photo failed. libjpeg even conceals some of it (zeroed
    # blocks decode as grey without an error); no check short of looking at the pixels finds that.
    if orientation in _SWAPS_SIDES:
        width, height = height, width
    return UploadInfo(content_type=content_type, width=width, height=height)


def _header_orientation(im: Image.Image) -> int:
    # Only EXIF the plugin already found while reading the header (JPEG APP1, WebP's EXIF chunk,
    # a PNG eXIf before the image data): asking Pillow for more makes it decode a PNG in full.
    # HEIC reports 1 here because libheif rotates the pixels itself and its size is already upright.
    if "exif" not in im.info:
        return 1
    return _valid_orientation(_exif(im).get(_ORIENTATION))


def _check_bytes(data: bytes) -> str:
    if not data:
        raise PhotoRejected("photo_empty")
    if len(data) > MAX_BYTES:
        raise PhotoRejected("photo_too_large")
    content_type = sniff(data)
    if content_type is None:
        raise PhotoRejected("unsupported_photo_type")
    return content_type


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise PhotoRejected("photo_too_many_pixels")


# Everything Pillow and pillow-heif raise for bad input data, at open or at decode. Deliberately not
# `Exception`: a bug in our own code must crash loudly, not mark a resident's photo as corrupt.
_DECODE_ERRORS = (
    OSError,  # includes UnidentifiedImageError, "image file is truncated", "broken data stream"
    SyntaxError,
    ValueError,
    EOFError,
    RuntimeError,  # libheif errors surface as RuntimeError from pillow-heif
    struct.error,
    Image.DecompressionBombError,
)


def _open(data: bytes, content_type: str) -> ImageFile.ImageFile:
    """Header-only open, limited to the plugin that matches the sniffed type."""
    try:
        return Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[content_type]])
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("photo_too_many_pixels") from exc
    except _DECODE_ERRORS as exc:
        raise PhotoRejected("photo_corrupt") from exc


_JPEG_TAIL = 64 * 1024


def _jpeg_complete(data: bytes) -> bool:
    scan = _jpeg_first_scan(data)
    if scan is None:
        return False
    # Entropy-coded data cannot contain FF D9 (a data FF is always followed by 00), so any EOI
    # after the start of the first scan proves the image data is complete; the EOI of the EXIF
    # thumbnail comes before the scan and does not count. Look in the tail first: that is where
    # the EOI is, and scanning a whole 2 MB photo costs ~2 ms, too much at 100 uploads/s.
    # Only then look everywhere: Samsung and Google "motion photos" append an MP4 of several MB
    # after the EOI, so a cap on trailing bytes would reject real photos as truncated.
    tail = max(scan, len(data) - _JPEG_TAIL)
    return data.rfind(b"\xff\xd9", tail) != -1 or data.find(b"\xff\xd9", scan, tail + 1) != -1


def _jpeg_first_scan(data: bytes) -> int | None:
    """Offset where the first scan's compressed data starts, walking the marker segments."""
    pos = 2  # after SOI
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
        else:
            length = int.from_bytes(data[pos + 2 : pos + 4], "big")
            if length < 2:
                return None
            if marker == 0xDA:  # SOS
                return pos + 2 + length
            pos += 2 + length
    return None


def _png_complete(data: bytes) -> bool:
    return data.endswith(b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _webp_complete(data: bytes) -> bool:
    riff_size = int.from_bytes(data[4:8], "little")
    # One extra byte is the RIFF pad byte that some writers leave out of the size.
    return len(data) - 8 - riff_size in (0, 1)


def _heif_complete(data: bytes) -> bool:
    """Top-level ISO-BMFF boxes must tile the file exactly: a cut-off upload ends inside a box."""
    pos = 0
    while pos < len(data):
        if len(data) - pos < 8:
            return False
        size, header = int.from_bytes(data[pos : pos + 4], "big"), 8
        if size == 0:  # the last box extends to the end of the file
            return True
        if size == 1:  # 64-bit "largesize" follows the type
            if len(data) - pos < 16:
                return False
            size, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        if size < header:
            return False
        pos += size
    return pos == len(data)


_STRUCTURE_CHECKS: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": _jpeg_complete,
    "image/png": _png_complete,
    "image/webp": _webp_complete,
    "image/heic": _heif_complete,
    "image/heif": _heif_complete,
}


# --------------------------------------------------------------------------- worker pipeline


@dataclass
class Processed:
    derivatives: dict[str, bytes]  # name from DERIVATIVES -> JPEG bytes without any metadata
    width: int  # full-size dimensions of the original, upright
    height: int
    phash: int  # signed 64-bit so it fits a PostgreSQL BIGINT; compare with `hamming`
    gps: tuple[float, float] | None  # (latitude, longitude) in decimal degrees
    captured_at: datetime | None  # aware, UTC
    orientation: int  # EXIF orientation of the original, 1 if none


@dataclass(frozen=True)
class _Metadata:
    orientation: int  # what we still have to apply to the decoded pixels
    reported_orientation: int  # what the file said (for HEIC libheif has already applied it)
    gps: tuple[float, float] | None
    captured_at: datetime | None


_LARGEST = max(DERIVATIVES.values())
_JPEG_QUALITY = 82


def process(data: bytes) -> Processed:
    """Decode, orient, strip and shrink a photo in the worker; raises PhotoRejected."""
    return _process(data, use_draft=True)


def naive_process(data: bytes) -> Processed:
    """`process` without draft mode: full-size decode, then resize. For benchmarks only."""
    return _process(data, use_draft=False)


def _process(data: bytes, *, use_draft: bool) -> Processed:
    content_type = _check_bytes(data)
    with _open(data, content_type) as im:
        _check_pixels(*im.size)
        full_size = im.size
        if use_draft:
            # Ask for the size the large derivative will have (not a square: for a 4:3 photo a
            # 1280x1280 request would stop libjpeg from scaling at all); draft keeps both sides
            # >= the request. pillow-heif may likewise pick an embedded thumbnail if big enough.
            im.draft("RGB", _fit(full_size, _LARGEST))
        _decode(im)
        meta = _read_metadata(im)
        if meta.orientation != 1:
            ImageOps.exif_transpose(im, in_place=True)
        working, icc_profile = _normalise(im)
    upright = full_size[::-1] if meta.orientation in _SWAPS_SIDES else full_size
    images = _derivative_images(working, icc_profile, upright)
    smallest = images[min(DERIVATIVES, key=DERIVATIVES.__getitem__)]
    return Processed(
        derivatives={name: _encode_jpeg(image) for name, image in images.items()},
        width=upright[0],
        height=upright[1],
        phash=perceptual_hash(smallest),
        gps=meta.gps,
        captured_at=meta.captured_at,
        orientation=meta.reported_orientation,
    )


def _derivative_images(
    working: Image.Image, icc_profile: bytes | None, upright: tuple[int, int]
) -> dict[str, Image.Image]:
    """Sized sRGB images for DERIVATIVES, sized from the full-size original so draft mode and a
    full decode give identical dimensions."""
    by_size = sorted(DERIVATIVES, key=DERIVATIVES.__getitem__, reverse=True)
    # Colour-convert once, on the largest derivative: it has the fewest pixels that still serve
    # every size (a colour transform costs ~15 ms per megapixel), and the smaller ones inherit it.
    largest = _as_srgb(_shrink(working, _fit(upright, DERIVATIVES[by_size[0]])), icc_profile)
    return {name: _shrink(largest, _fit(upright, DERIVATIVES[name])) for name in by_size}


def _decode(im: ImageFile.ImageFile) -> None:
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise PhotoRejected("photo_corrupt") from exc


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` scaled so its longest side is `longest`, but never enlarged."""
    width, height = size
    scale = longest / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    if im.size == size:
        return im
    # When shrinking by 4x or more, box-reduce by an integer factor first and resample only the
    # last >= 2x step (Pillow's own choice for thumbnail()). BICUBIC rather than LANCZOS: on a
    # photo shrunk from the draft decode the difference is invisible and it costs about half
    # (bench/photos.py: LANCZOS was ~40 ms of a 12 MP photo's ~140 ms).
    return im.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _encode_jpeg(im: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Baseline, not progressive: progressive output cost ~19 ms per large derivative against
    # ~3 ms (bench/photos.py), for an early preview that 4G phones rarely need.
    # No exif=/icc_profile=/comment= arguments and an empty `info`: nothing but pixels is written.
    im.save(buffer, "JPEG", quality=_JPEG_QUALITY, optimize=False)
    return buffer.getvalue()


# --------------------------------------------------------------------------- colour


_SRGB = ImageCms.createProfile("sRGB")


def _normalise(im: Image.Image) -> tuple[Image.Image, bytes | None]:
    """8-bit RGB (or CMYK) with alpha flattened on white and an empty `info`, plus the ICC profile
    that still describes its pixels. Emptying `info` here is what keeps EXIF, XMP, comments and the
    profile out of the derivatives: resize and friends copy `info` along."""
    icc_profile = im.info.get("icc_profile") or None
    mode = im.mode
    working = _flatten_alpha(_eight_bit(im))
    if working.mode not in ("RGB", "CMYK"):
        working = working.convert("RGB")
    if working.mode != mode:  # a profile for L or RGBA pixels no longer describes these
        icc_profile = None
    working.info = {}
    return working, icc_profile


def _as_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """RGB pixels in sRGB, with the embedded profile baked in, because we are about to drop it.

    Dropping a Display P3 (iPhone) or Adobe RGB profile without converting makes colours look
    washed out, and a CMYK JPEG converted without its profile looks wrong altogether.
    """
    converted = _apply_profile(im, icc_profile) if icc_profile else None
    if converted is None:
        converted = im.convert("RGB") if im.mode != "RGB" else im
    converted.info = {}  # ImageCms tags its output with the sRGB profile
    return converted


def _apply_profile(im: Image.Image, icc_profile: bytes) -> Image.Image | None:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if im.mode == "RGB" and "srgb" in ImageCms.getProfileDescription(source).lower():
            return None  # most Android photos: converting sRGB to sRGB only costs time
        return ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # broken profiles are common enough; the unconverted pixels are still fine


def _eight_bit(im: Image.Image) -> Image.Image:
    # Pillow's 16-bit -> 8-bit conversion clips at 255 instead of scaling, which turns a 16-bit
    # greyscale PNG white; scale explicitly.
    if im.mode == "I" or im.mode.startswith("I;16"):
        return im.point(lambda value: value / 256).convert("L")
    return im


def _flatten_alpha(im: Image.Image) -> Image.Image:
    if im.mode not in ("RGBA", "LA", "PA", "RGBa", "La") and "transparency" not in im.info:
        return im
    rgba = im.convert("RGBA")
    # JPEG has no alpha; dropping it would reveal whatever colour hides under transparent pixels
    # (often black). White is what the residents saw in their gallery.
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


# --------------------------------------------------------------------------- metadata

_ORIENTATION = 0x0112
_SWAPS_SIDES = {5, 6, 7, 8}  # orientations that turn the picture a quarter
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
# Vietnam has been on UTC+7 without daylight saving since 1975. A fixed offset, not ZoneInfo: the
# slim container images may ship without the tz database and tzdata is not a dependency.
_VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
_OFFSET_PATTERN = re.compile(r"([+-])(\d{2}):(\d{2})")
_METADATA_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, ZeroDivisionError, struct.error)


def _read_metadata(im: Image.Image) -> _Metadata:
    exif = _exif(im)
    orientation = _valid_orientation(exif.get(_ORIENTATION))
    # pillow-heif resets the EXIF orientation to 1 because libheif already rotated the pixels
    # (HEIF stores rotation in the container); it keeps the original value here.
    original = im.info.get("original_orientation")
    return _Metadata(
        orientation=orientation,
        reported_orientation=_valid_orientation(original) if original else orientation,
        gps=_gps(_ifd(exif, _GPS_IFD)),
        captured_at=_captured_at(_ifd(exif, _EXIF_IFD)),
    )


def _exif(im: Image.Image) -> Image.Exif:
    # Metadata is a bonus: a photo whose EXIF block is garbage is still a perfectly good photo.
    try:
        return im.getexif()
    except (*_DECODE_ERRORS, *_METADATA_ERRORS):
        return Image.Exif()


def _ifd(exif: Image.Exif, tag: int) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except (*_DECODE_ERRORS, *_METADATA_ERRORS):
        return {}


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _gps(ifd: dict) -> tuple[float, float] | None:
    latitude = _coordinate(ifd.get(2), ifd.get(1), "N", "S")
    longitude = _coordinate(ifd.get(4), ifd.get(3), "E", "W")
    if latitude is None or longitude is None:
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    # Phones without a fix sometimes write 0/0: a report off the coast of Africa helps nobody.
    if latitude == 0 and longitude == 0:
        return None
    return latitude, longitude


def _coordinate(value: object, ref: object, positive: str, negative: str) -> float | None:
    """Degrees, minutes, seconds (any trailing parts may be missing) and a hemisphere reference."""
    # Without the reference we cannot tell north from south; a location mirrored into the wrong
    # hemisphere is worse than none.
    sign = {positive: 1, negative: -1}.get(_text(ref).upper())
    parts = value if isinstance(value, tuple) else (value,)
    if sign is None or not 1 <= len(parts) <= 3:
        return None
    total = 0.0
    for part, unit in zip(parts, (1, 60, 3600), strict=False):
        number = _number(part)
        if number is None:
            return None
        total += number / unit
    return sign * total


def _number(value: object) -> float | None:
    """A finite, non-negative EXIF rational; a zero denominator (NaN in Pillow) is missing data."""
    if value is None or isinstance(value, str | bytes):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]  # IFDRational, int or float
    except _METADATA_ERRORS:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""


def _captured_at(ifd: dict) -> datetime | None:
    try:
        local = datetime.strptime(_text(ifd.get(_DATETIME_ORIGINAL)), "%Y:%m:%d %H:%M:%S")
        offset = _utc_offset(_text(ifd.get(_OFFSET_TIME_ORIGINAL))) or _VIETNAM
        return local.replace(tzinfo=offset).astimezone(UTC)
    except (ValueError, OverflowError):  # "0000:00:00 00:00:00", blanks, year 1 minus 7 hours...
        return None


def _utc_offset(text: str) -> timezone | None:
    match = _OFFSET_PATTERN.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


# --------------------------------------------------------------------------- perceptual hash

# DCT pHash rather than dHash: it looks at the image's coarse structure (the lowest 8x8 spatial
# frequencies of a 32x32 greyscale copy) instead of the sign of neighbouring pixel differences,
# so it is steadier under JPEG recompression and resizing and spreads unrelated photos further
# apart. The layout follows the common `imagehash.phash` convention: the 8x8 block includes the
# DC term, each bit says "this coefficient is above the block's median", row-major, first bit most
# significant. It is our own arithmetic, so values are not bit-identical to other libraries.
_HASH_INPUT = 32
_HASH_BLOCK = 8
_COSINES = [
    [math.cos(math.pi * (2 * x + 1) * u / (2 * _HASH_INPUT)) for x in range(_HASH_INPUT)] for u in range(_HASH_BLOCK)
]
_BITS = 64
_MASK = (1 << _BITS) - 1


def perceptual_hash(im: Image.Image) -> int:
    """64-bit DCT perceptual hash of an (already upright) image, as a signed BIGINT-safe int."""
    grey = im.convert("L").resize((_HASH_INPUT, _HASH_INPUT), Image.Resampling.LANCZOS)
    pixels = grey.tobytes()
    rows = [pixels[y * _HASH_INPUT : (y + 1) * _HASH_INPUT] for y in range(_HASH_INPUT)]
    # A separable 2-D DCT-II, computing only the 8x8 low-frequency corner we keep.
    along_x = [[_dot(cosine, row) for cosine in _COSINES] for row in rows]
    block = [_dot(cosine, column) for cosine in _COSINES for column in zip(*along_x, strict=True)]
    threshold = median(block)
    unsigned = 0
    for coefficient in block:
        unsigned = (unsigned << 1) | (coefficient > threshold)
    return _signed(unsigned)


def _dot(a: list[float], b: Iterable[float] | bytes) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


def _signed(unsigned: int) -> int:
    return unsigned - (1 << _BITS) if unsigned >= 1 << (_BITS - 1) else unsigned


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes, signed or unsigned."""
    return ((a ^ b) & _MASK).bit_count()
