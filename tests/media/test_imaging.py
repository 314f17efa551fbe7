"""service.media.imaging on real photos (tests/data/photos) and on images made here.

Pure tests: no database, no Redis, no storage. Every check that could pass vacuously (no metadata
in the output, photos come out upright) is paired with one proving the input had what we strip or
that a wrong implementation would be caught.
"""

import io
import random
import struct
from collections.abc import Iterator
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageFile, ImageStat, TiffImagePlugin, WebPImagePlugin
from pillow_heif.as_plugin import HeifImageFile

from service.media.imaging import (
    ALLOWED_TYPES,
    DERIVATIVES,
    MAX_BYTES,
    MAX_PIXELS,
    REJECTION_CODES,
    PhotoRejected,
    Processed,
    UploadInfo,
    hamming,
    inspect_upload,
    naive_process,
    process,
    sniff,
)

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"
ALL_PHOTOS = sorted(path.relative_to(PHOTOS).as_posix() for path in PHOTOS.rglob("*.jpg"))
GPS_PHOTOS = [name for name in ALL_PHOTOS if name.startswith("gps/")]
ORIENTATION_PHOTOS = [name for name in ALL_PHOTOS if name.startswith("orientation/")]

pytestmark = pytest.mark.skipif(not ALL_PHOTOS, reason=f"test photos not found in {PHOTOS}")

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
Rational = TiffImagePlugin.IFDRational


@pytest.fixture(autouse=True)
def clean_redis() -> Iterator[None]:
    """Overrides the conftest fixture of the same name: these tests must run without Redis."""
    yield


# --------------------------------------------------------------------------- helpers


@cache
def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


@cache
def processed(name: str) -> Processed:
    return process(photo(name))


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def encode(image: Image.Image, format: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **params)
    return buffer.getvalue()


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference (0..255) of small greyscale copies: tolerant of JPEG noise."""
    size = (64, 64)
    a_small = a.convert("L").resize(size, Image.Resampling.BOX)
    b_small = b.convert("L").resize(size, Image.Resampling.BOX)
    return ImageStat.Stat(ImageChops.difference(a_small, b_small)).mean[0]


def rejected(data: bytes, check=inspect_upload) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as caught:
        check(data)
    return caught.value


def jpeg_with_exif(exif: Image.Exif, size: tuple[int, int] = (64, 48)) -> bytes:
    return encode(Image.new("RGB", size, (200, 30, 30)), "JPEG", exif=exif.tobytes())


def exif_with(gps: dict | None = None, exif_ifd: dict | None = None) -> Image.Exif:
    exif = Image.Exif()
    if gps is not None:
        exif.get_ifd(GPS_IFD).update(gps)
    if exif_ifd is not None:
        exif.get_ifd(EXIF_IFD).update(exif_ifd)
    return exif


def jpeg_segments(data: bytes) -> dict[int, int]:
    """Marker byte -> offset of the segments before the first scan (an independent walker)."""
    segments, pos = {}, 2
    while True:
        marker = data[pos + 1]
        segments.setdefault(marker, pos)
        if marker == 0xDA:
            return segments
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")


def scan_start(jpeg: bytes) -> int:
    # Not jpeg.index(SOS): an EXIF thumbnail is a whole JPEG, SOS included, inside APP1.
    return jpeg_segments(jpeg)[0xDA]


@cache
def heic_from(name: str) -> bytes:
    source = Image.open(PHOTOS / name)
    # pillow-heif takes exif= (and turns an EXIF orientation into the container's irot/imir).
    return encode(source, "HEIF", quality=80, exif=source.info.get("exif"))


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(kind: str, orientation: int) -> None:
    reference = decode(processed(f"orientation/{kind}_1.jpg").derivatives["large"])
    result = processed(f"orientation/{kind}_{orientation}.jpg")
    large = decode(result.derivatives["large"])

    assert result.orientation == orientation
    assert large.size == reference.size
    assert (result.width, result.height) == reference.size  # these photos are smaller than "large"
    assert difference(large, reference) < 8


def with_orientation_tag_set_to_1(data: bytes, orientation: int) -> bytes:
    """The same file with only the EXIF orientation value patched (these files are big-endian)."""
    entry = b"\x01\x12\x00\x03\x00\x00\x00\x01\x00"  # tag 0x0112, SHORT, count 1, value...
    assert data.count(entry + bytes([orientation])) == 1
    return data.replace(entry + bytes([orientation]), entry + b"\x01")


@pytest.mark.parametrize("kind", ["landscape", "portrait"])
@pytest.mark.parametrize("orientation", range(2, 9))
def test_the_orientation_check_catches_an_unrotated_decode(kind: str, orientation: int) -> None:
    """Ignoring the orientation (and nothing else) fails the comparison above, so it can fail."""
    reference = decode(processed(f"orientation/{kind}_1.jpg").derivatives["large"])
    unrotated = process(with_orientation_tag_set_to_1(photo(f"orientation/{kind}_{orientation}.jpg"), orientation))

    assert unrotated.orientation == 1
    assert difference(decode(unrotated.derivatives["large"]).resize(reference.size), reference) > 20


def test_orientation_files_differ_in_colour_profile_too() -> None:
    """landscape_1 has no ICC profile, 2..8 carry Apple's "Generic RGB" (gamma 1.8): the raw pixel
    values differ by ~14 grey levels, and only converting to sRGB makes the outputs agree."""
    upright = decode(photo("orientation/landscape_1.jpg")).convert("RGB")
    rotated = decode(photo("orientation/landscape_3.jpg")).rotate(180)

    assert "icc_profile" not in Image.open(PHOTOS / "orientation/landscape_1.jpg").info
    assert "icc_profile" in Image.open(PHOTOS / "orientation/landscape_3.jpg").info
    assert difference(upright, rotated) > 8
    processed_upright = decode(processed("orientation/landscape_1.jpg").derivatives["large"])
    processed_rotated = decode(processed("orientation/landscape_3.jpg").derivatives["large"])
    assert difference(processed_upright, processed_rotated) < 3


def test_a_rotated_heic_comes_out_upright() -> None:
    heic = heic_from("orientation/landscape_6.jpg")
    reference = decode(processed("orientation/landscape_1.jpg").derivatives["large"])

    result = process(heic)

    assert result.orientation == 6
    assert (result.width, result.height) == (600, 450)
    assert difference(decode(result.derivatives["large"]), reference) < 8


# --------------------------------------------------------------------------- GPS and time


def gps_from_raw_exif(name: str) -> tuple[float, float] | None:
    """The expected location, computed independently with exact fractions."""
    ifd = Image.open(PHOTOS / name).getexif().get_ifd(GPS_IFD)
    if not all(tag in ifd for tag in (1, 2, 3, 4)):
        return None

    def degrees(parts: tuple[Rational, ...], ref: str, negative: str) -> float:
        total = sum(Fraction(part.numerator, part.denominator) / 60**i for i, part in enumerate(parts))
        return float(-total if ref == negative else total)

    return degrees(ifd[2], ifd[1], "S"), degrees(ifd[4], ifd[3], "W")


@pytest.mark.parametrize("name", GPS_PHOTOS)
def test_gps_photos_give_their_location(name: str) -> None:
    expected = gps_from_raw_exif(name)
    gps = processed(name).gps

    assert expected is not None and gps is not None
    latitude, longitude = gps
    assert -90 <= latitude <= 90 and -180 <= longitude <= 180
    assert latitude == pytest.approx(expected[0], abs=1e-6)
    assert longitude == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_location_matches_the_raw_exif_for_every_photo(name: str) -> None:
    """Covers S (Kodak), W (iPhone), a GPS block without coordinates (Canon) and no GPS at all."""
    expected = gps_from_raw_exif(name)
    gps = processed(name).gps

    if expected is None:
        assert gps is None
    else:
        assert gps == pytest.approx(expected, abs=1e-6)


def test_known_locations() -> None:
    assert processed("gps/DSCN0010.jpg").gps == pytest.approx((43.467448, 11.885127), abs=1e-6)
    assert processed("phone/iphone_8mp.jpg").gps == pytest.approx((40.446972, -3.724753), abs=1e-6)
    assert processed("cameras/Kodak_CX7530.jpg").gps == pytest.approx((-0.3713, 36.056417), abs=1e-6)
    assert not Image.open(PHOTOS / "orientation/landscape_1.jpg").getexif().get_ifd(GPS_IFD)
    assert processed("orientation/landscape_1.jpg").gps is None
    assert processed("cameras/Canon_40D.jpg").gps is None  # GPS block holds only the version


def rationals(*values: int | tuple[int, int]) -> tuple[Rational, ...]:
    return tuple(Rational(*value) if isinstance(value, tuple) else Rational(value) for value in values)


@pytest.mark.parametrize(
    ("gps", "expected"),
    [
        pytest.param(
            {1: "N", 2: rationals(21, 1, 42), 3: "E", 4: rationals(105, 51, 14)}, (21.028333, 105.853889), id="hanoi"
        ),
        pytest.param(
            {1: "S", 2: rationals(10, 45, (3630, 100)), 3: "W", 4: rationals(106, 40, 0)},
            (-10.760083, -106.666667),
            id="south-west",
        ),
        pytest.param(
            {1: "N", 2: rationals(21, (1, 0), 0), 3: "E", 4: rationals(105, 51, 0)}, None, id="zero-denominator"
        ),
        pytest.param({2: rationals(21, 1, 0), 4: rationals(105, 51, 0)}, None, id="no-hemisphere-refs"),
        pytest.param({1: "N", 2: rationals(21, 1, 0), 3: "E"}, None, id="no-longitude"),
        pytest.param({1: "N", 2: rationals(0, 0, 0), 3: "E", 4: rationals(0, 0, 0)}, None, id="null-island"),
        pytest.param({1: "N", 2: rationals(95, 0, 0), 3: "E", 4: rationals(105, 0, 0)}, None, id="out-of-range"),
        pytest.param({1: "N", 2: rationals(21), 3: "E", 4: rationals((1058, 10))}, (21.0, 105.8), id="degrees-only"),
    ],
)
def test_gps_edge_cases(gps: dict, expected: tuple[float, float] | None) -> None:
    result = process(jpeg_with_exif(exif_with(gps=gps))).gps

    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-6)


def test_capture_time_without_offset_is_vietnam_time_in_utc() -> None:
    # DateTimeOriginal "2008:10:22 16:28:39", no OffsetTimeOriginal.
    captured = processed("gps/DSCN0010.jpg").captured_at

    assert captured is not None
    assert captured.isoformat() == "2008-10-22T09:28:39+00:00"


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_capture_times_are_aware_and_utc(name: str) -> None:
    captured = processed(name).captured_at
    has_original = 0x9003 in Image.open(PHOTOS / name).getexif().get_ifd(EXIF_IFD)

    assert (captured is not None) == has_original
    if captured is not None:
        assert captured.tzinfo is not None and captured.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    ("original", "offset", "expected"),
    [
        ("2024:03:05 08:30:00", "+09:00", "2024-03-04T23:30:00+00:00"),
        ("2024:03:05 08:30:00", "-05:30", "2024-03-05T14:00:00+00:00"),
        ("2024:03:05 08:30:00", None, "2024-03-05T01:30:00+00:00"),
        ("2024:03:05 08:30:00", "garbage", "2024-03-05T01:30:00+00:00"),  # unusable offset: as if absent
        ("0000:00:00 00:00:00", None, None),
        ("    :  :     :  :  ", None, None),
        ("2024:02:30 10:00:00", None, None),
        ("0001:01:01 03:00:00", None, None),  # before year 1 in UTC
    ],
)
def test_capture_time_parsing(original: str, offset: str | None, expected: str | None) -> None:
    tags = {0x9003: original} | ({0x9011: offset} if offset else {})

    captured = process(jpeg_with_exif(exif_with(exif_ifd=tags))).captured_at

    assert (captured.isoformat() if captured else None) == expected


# --------------------------------------------------------------------------- metadata stripping


def assert_no_metadata(jpeg: bytes) -> None:
    assert b"Exif\x00\x00" not in jpeg
    assert b"http://ns.adobe.com/xap" not in jpeg
    assert b"ICC_PROFILE" not in jpeg
    assert b"Photoshop 3.0" not in jpeg
    # Only JFIF (APP0), tables, frame header and scan: no APP1..APP15, no COM.
    assert set(jpeg_segments(jpeg)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "comment", "photoshop", "adobe"} & set(image.info)


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_derivatives_carry_no_metadata(name: str) -> None:
    source = photo(name)
    assert b"Exif\x00\x00" in source  # every shared photo has EXIF, so this test can fail

    derivatives = processed(name).derivatives

    assert set(derivatives) == set(DERIVATIVES)
    for jpeg in derivatives.values():
        assert_no_metadata(jpeg)
        # Baseline JPEG: cheaper to encode than progressive (see imaging._encode_jpeg).
        assert not Image.open(io.BytesIO(jpeg)).info.get("progressive")


def test_the_shared_photos_have_every_kind_of_metadata_we_strip() -> None:
    kinds: set[str] = set()
    maker_notes = 0
    for name in ALL_PHOTOS:
        image = Image.open(PHOTOS / name)
        kinds |= set(image.info)
        maker_notes += 0x927C in image.getexif().get_ifd(EXIF_IFD)

    assert {"exif", "icc_profile", "xmp", "comment", "photoshop"} <= kinds
    assert maker_notes > 0


def test_metadata_checker_catches_exif() -> None:
    with pytest.raises(AssertionError):
        assert_no_metadata(photo("orientation/landscape_2.jpg"))


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_derivative_sizes_never_upscale(name: str) -> None:
    result = processed(name)
    full = (result.width, result.height)

    for derivative, longest in DERIVATIVES.items():
        width, height = decode(result.derivatives[derivative]).size
        assert max(width, height) == min(longest, max(full))
        assert width <= full[0] and height <= full[1]
        assert abs(width * full[1] - height * full[0]) <= max(full)  # aspect ratio kept to a pixel


def test_phone_photo_sizes() -> None:
    result = processed("phone/iphone_8mp.jpg")

    assert (result.width, result.height) == (3264, 2448)
    assert decode(result.derivatives["large"]).size == (1280, 960)
    assert decode(result.derivatives["thumb"]).size == (320, 240)


def test_draft_and_full_decode_give_the_same_result() -> None:
    data = photo("phone/iphone_8mp.jpg")
    fast, naive = process(data), naive_process(data)

    assert (fast.width, fast.height, fast.gps, fast.captured_at, fast.orientation) == (
        naive.width,
        naive.height,
        naive.gps,
        naive.captured_at,
        naive.orientation,
    )
    for name in DERIVATIVES:
        fast_image, naive_image = decode(fast.derivatives[name]), decode(naive.derivatives[name])
        assert fast_image.size == naive_image.size
        assert difference(fast_image, naive_image) < 2
    assert hamming(fast.phash, naive.phash) <= 4


# --------------------------------------------------------------------------- other formats


def test_heic_with_gps() -> None:
    heic = heic_from("gps/DSCN0010.jpg")
    jpeg_result = processed("gps/DSCN0010.jpg")

    assert heic[4:12] == b"ftypheic"  # what pillow-heif writes: major brand heic
    assert sniff(heic) == "image/heic"
    assert inspect_upload(heic) == UploadInfo("image/heic", 640, 480)
    result = process(heic)
    assert result.gps == pytest.approx(jpeg_result.gps, abs=1e-9)
    assert result.captured_at == jpeg_result.captured_at
    assert (result.width, result.height) == (640, 480)
    assert hamming(result.phash, jpeg_result.phash) <= 4
    for jpeg in result.derivatives.values():
        assert_no_metadata(jpeg)


def test_truncated_heic_is_corrupt() -> None:
    heic = heic_from("gps/DSCN0010.jpg")

    assert rejected(heic[: len(heic) // 2]).code == "photo_corrupt"
    assert rejected(heic[: len(heic) // 2], process).code == "photo_corrupt"
    assert rejected(heic + b"\x00").code == "photo_corrupt"  # boxes no longer tile the file


def test_heic_box_extending_to_the_end_of_file_is_complete() -> None:
    heic = heic_from("gps/DSCN0010.jpg")
    last_box = heic.rindex(b"mdat") - 4
    to_end = heic[:last_box] + b"\x00\x00\x00\x00" + heic[last_box + 4 :]  # size 0: "up to the end"

    assert inspect_upload(to_end).content_type == "image/heic"


def free_box_with_largesize(declared: int, payload: int) -> bytes:
    return struct.pack(">I4sQ", 1, b"free", declared) + bytes(payload)


@pytest.mark.parametrize(
    ("suffix", "complete"),
    [
        (free_box_with_largesize(16 + 10, 10), True),
        (free_box_with_largesize(16 + 10, 9), False),
        (free_box_with_largesize(16 + 10, 11), False),
        (struct.pack(">I4s", 1, b"free") + b"\x00\x00", False),  # cut inside the 64-bit size
    ],
    ids=["exact", "one-short", "one-over", "cut-header"],
)
def test_heic_boxes_with_64_bit_sizes(suffix: bytes, complete: bool) -> None:
    # Appended after mdat, so the item offsets in the meta box stay valid and libheif opens it.
    data = heic_from("gps/DSCN0010.jpg") + suffix

    if complete:
        assert inspect_upload(data).content_type == "image/heic"
    else:
        assert rejected(data).code == "photo_corrupt"


def test_heic_whose_last_box_runs_past_the_end_is_truncated() -> None:
    heic = heic_from("gps/DSCN0010.jpg")
    last_box = heic.rindex(b"mdat") - 4
    size = int.from_bytes(heic[last_box : last_box + 4], "big")
    longer = heic[:last_box] + (size + 100).to_bytes(4, "big") + heic[last_box + 4 :]

    error = rejected(longer)

    assert error.code == "photo_corrupt"
    assert "truncated" in error.message_en


def test_png_with_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))  # transparent black: must not turn black
    image.paste((220, 20, 20, 255), (0, 0, 200, 200))
    data = encode(image, "PNG")

    assert inspect_upload(data) == UploadInfo("image/png", 400, 200)
    result = decode(process(data).derivatives["large"])
    assert result.mode == "RGB"
    assert min(result.getpixel((300, 100))) >= 250
    red, green, blue = result.getpixel((100, 100))
    assert red > 200 and green < 50 and blue < 50


def test_webp_keeps_location_and_time() -> None:
    source = Image.open(PHOTOS / "gps/DSCN0010.jpg")
    data = encode(source, "WEBP", quality=80, exif=source.info["exif"])

    assert inspect_upload(data).content_type == "image/webp"
    result = process(data)
    assert result.gps == processed("gps/DSCN0010.jpg").gps
    assert result.captured_at == processed("gps/DSCN0010.jpg").captured_at
    assert decode(result.derivatives["thumb"]).size == (320, 240)


def test_webp_riff_size_must_match() -> None:
    data = encode(Image.open(PHOTOS / "gps/DSCN0010.jpg"), "WEBP", quality=80)

    assert inspect_upload(data + b"\x00").content_type == "image/webp"  # one pad byte is allowed
    assert rejected(data + b"\x00\x00").code == "photo_corrupt"


@pytest.mark.parametrize("transparent", [False, True])
def test_palette_png(transparent: bool) -> None:
    image = Image.open(PHOTOS / "orientation/landscape_1.jpg").convert("P", palette=Image.Palette.ADAPTIVE)
    params = {"transparency": 0} if transparent else {}
    data = encode(image, "PNG", **params)

    result = process(data)

    large = decode(result.derivatives["large"])
    assert large.mode == "RGB" and large.size == (600, 450)
    if not transparent:
        assert difference(large, decode(processed("orientation/landscape_1.jpg").derivatives["large"])) < 8


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped() -> None:
    mid_grey = (32768).to_bytes(2, "little") * (100 * 100)
    data = encode(Image.frombytes("I;16", (100, 100), mid_grey), "PNG")
    assert decode(data).convert("L").getpixel((50, 50)) == 255  # Pillow's plain conversion clips

    large = decode(process(data).derivatives["large"])

    assert 120 <= large.convert("L").getpixel((50, 50)) <= 136


def test_cmyk_jpeg() -> None:
    image = Image.open(PHOTOS / "orientation/landscape_1.jpg").convert("CMYK")

    large = decode(process(encode(image, "JPEG", quality=90)).derivatives["large"])

    assert large.mode == "RGB"
    assert difference(large, decode(processed("orientation/landscape_1.jpg").derivatives["large"])) < 8


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "image/heic"),  # HEVC via compatible brand
        (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1miaf", "image/heif"),
        (b"\x00\x00\x00\x14ftypmsf1\x00\x00\x00\x00msf1", "image/heif"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", None),  # AVIF also lists mif1
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", None),  # an MP4 video
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"\xff\xd8", None),
        (b"", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff(head + bytes(32)) == expected
    assert expected is None or expected in ALLOWED_TYPES


# --------------------------------------------------------------------------- inspect_upload


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_shared_photos_pass_inspection_with_upright_dimensions(name: str) -> None:
    result = processed(name)

    assert inspect_upload(photo(name)) == UploadInfo("image/jpeg", result.width, result.height)


def uploads_in_every_format() -> list[tuple[str, bytes]]:
    source = Image.open(PHOTOS / "gps/DSCN0010.jpg")
    exif = source.info["exif"]
    return [
        ("image/jpeg", photo("gps/DSCN0010.jpg")),
        ("image/png", encode(source, "PNG", exif=exif)),  # an eXIf chunk before the image data
        ("image/png", encode(source, "PNG")),  # no EXIF: Pillow would decode the PNG looking for it
        ("image/webp", encode(source, "WEBP", quality=80, exif=exif)),
        ("image/heic", heic_from("gps/DSCN0010.jpg")),
    ]


def test_inspection_never_decodes_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decoder entry point fails the test if called; Failed is a BaseException, so no
    `except` in the module can swallow it."""
    uploads = uploads_in_every_format()

    def no_decoding(self: Image.Image) -> None:
        pytest.fail(f"inspect_upload decoded a {self.format} image")

    for plugin in (ImageFile.ImageFile, WebPImagePlugin.WebPImageFile, HeifImageFile):
        monkeypatch.setattr(plugin, "load", no_decoding)

    for content_type, data in uploads:
        assert inspect_upload(data) == UploadInfo(content_type, 640, 480)
    with pytest.raises(pytest.fail.Exception):  # and the trap works
        process(uploads[2][1])


def test_inspection_reports_upright_dimensions_of_a_rotated_photo() -> None:
    assert Image.open(PHOTOS / "orientation/landscape_6.jpg").size == (450, 600)  # as stored

    assert inspect_upload(photo("orientation/landscape_6.jpg")) == UploadInfo("image/jpeg", 600, 450)
    assert inspect_upload(heic_from("orientation/landscape_6.jpg")) == UploadInfo("image/heic", 600, 450)


def test_empty_upload() -> None:
    assert rejected(b"").code == "photo_empty"


def test_size_limit() -> None:
    jpeg = photo("gps/DSCN0010.jpg")
    padded = jpeg + bytes(MAX_BYTES - len(jpeg))  # padding after EOI, exactly at the limit

    assert inspect_upload(padded).content_type == "image/jpeg"
    error = rejected(padded + b"\x00")
    assert error.code == "photo_too_large"
    assert "10 MB" in error.message and "10 MB" in error.message_en


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "Ảnh phản ánh ổ gà.jpg\n".encode()],
    ids=["pdf", "text"],
)
def test_non_images_named_jpg_are_unsupported(content: bytes) -> None:
    # There is no file name to trust: inspect_upload only ever sees the bytes.
    assert rejected(content).code == "unsupported_photo_type"


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF"])
def test_image_types_we_do_not_accept(format: str) -> None:
    data = encode(Image.open(PHOTOS / "orientation/landscape_1.jpg"), format)

    assert Image.open(io.BytesIO(data)).format == format  # a real, valid image...
    assert rejected(data).code == "unsupported_photo_type"  # ...that we still refuse
    assert rejected(data, process).code == "unsupported_photo_type"


def test_jpeg_truncated_to_half_is_corrupt() -> None:
    data = photo("phone/iphone_8mp.jpg")

    error = rejected(data[: len(data) // 2])

    assert error.code == "photo_corrupt"
    assert "truncated" in error.message_en


@pytest.mark.parametrize("name", ["phone/iphone_8mp.jpg", "gps/DSCN0010.jpg", "cameras/Canon_40D.jpg"])
def test_the_exif_thumbnails_eoi_does_not_count(name: str) -> None:
    # These carry an EXIF thumbnail with its own EOI before the image data; in Canon_40D (8 KB)
    # it even lies within the tail that is searched first.
    data = photo(name)
    assert data.count(b"\xff\xd9") >= 2
    cut = (scan_start(data) + len(data)) // 2  # half-way through the compressed data

    error = rejected(data[:cut])

    assert error.code == "photo_corrupt"
    assert "truncated" in error.message_en


def test_png_without_iend_is_corrupt() -> None:
    data = encode(Image.open(PHOTOS / "orientation/landscape_1.jpg"), "PNG")
    assert data.endswith(b"IEND\xaeB`\x82")

    assert rejected(data[:-12]).code == "photo_corrupt"


def test_unreadable_header_is_corrupt() -> None:
    assert rejected(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50)).code == "photo_corrupt"
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10).code == "photo_corrupt"


def test_jpeg_with_data_after_eoi_is_accepted() -> None:
    # Like a Samsung/Google motion photo: an MP4 of several MB after the JPEG's EOI.
    junk = random.Random(7).randbytes(3 * 1024 * 1024)
    data = photo("gps/DSCN0010.jpg") + b"\x00\x00\x00\x18ftypmp42" + junk

    assert inspect_upload(data).content_type == "image/jpeg"
    assert decode(process(data).derivatives["large"]).size == (640, 480)


def bilevel_png(width: int, height: int) -> bytes:
    # A 1-bit blank image compresses to a few KB, however many pixels its header announces.
    return encode(Image.new("1", (width, height)), "PNG")


def test_forty_megapixels_is_allowed() -> None:
    assert inspect_upload(bilevel_png(8000, 5000)) == UploadInfo("image/png", 8000, 5000)
    assert MAX_PIXELS == 8000 * 5000


# Pillow's own guard shares our limit: it warns before we reject (and above twice the limit it
# raises, which we translate). The warning is expected here.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("width", "height"), [(8000, 6000), (6000, 8000), (12000, 10000)])
def test_too_many_pixels(width: int, height: int) -> None:
    data = bilevel_png(width, height)

    assert len(data) < 100_000
    assert rejected(data).code == "photo_too_many_pixels"
    assert rejected(data, process).code == "photo_too_many_pixels"


def corrupt_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + random.Random(42).randbytes(4096) + data[middle + 4096 :]


def test_corruption_in_the_middle_passes_inspection_and_fails_processing() -> None:
    data = corrupt_middle(photo("phone/iphone_8mp.jpg"))

    assert inspect_upload(data).content_type == "image/jpeg"  # only decoding can see this
    assert rejected(data, process).code == "photo_corrupt"


@pytest.mark.parametrize("check", [process, naive_process])
def test_processing_a_photo_truncated_after_the_header_fails(check) -> None:
    data = photo("phone/iphone_8mp.jpg")
    truncated = data[: scan_start(data) + 1000]

    error = rejected(truncated, check)

    assert error.code == "photo_corrupt"
    assert isinstance(error.__cause__, OSError)  # the decoder's own error, kept for the logs


def test_known_limit_a_truncated_jpeg_with_an_eoi_glued_on_passes() -> None:
    """A cut-off JPEG with an EOI glued on passes both checks: libjpeg fills the rest with grey.

    This pins down the documented limit of what bytes alone can tell; if a future Pillow starts
    failing here, the test should be turned around.
    """
    data = photo("gps/DSCN0010.jpg")
    forged = data[: len(data) // 2] + b"\xff\xd9"

    assert inspect_upload(forged).content_type == "image/jpeg"
    assert decode(process(forged).derivatives["large"]).size == (640, 480)


# --------------------------------------------------------------------------- perceptual hash


def resized_and_recompressed(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    smaller = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    return encode(smaller, "JPEG", quality=60, exif=image.info.get("exif", b""))


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_phash_is_stable_under_resizing_and_recompression(name: str) -> None:
    copy = process(resized_and_recompressed(photo(name)))

    assert hamming(processed(name).phash, copy.phash) <= 4


def test_phash_tells_different_photos_apart() -> None:
    distances = [hamming(processed(a).phash, processed(b).phash) for a in ORIENTATION_PHOTOS for b in GPS_PHOTOS]

    assert len(distances) == 16 * 9
    assert min(distances) > 10


@pytest.mark.parametrize("name", ORIENTATION_PHOTOS)
def test_phash_is_taken_after_orientation(name: str) -> None:
    upright = processed(f"orientation/{name.split('/')[1].split('_')[0]}_1.jpg")

    assert hamming(processed(name).phash, upright.phash) <= 4


def test_phash_of_an_unrotated_copy_differs() -> None:
    """Rotating the pixels without telling EXIF changes the hash: it really looks at the content."""
    image = Image.open(PHOTOS / "orientation/landscape_1.jpg").transpose(Image.Transpose.ROTATE_90)

    rotated = process(encode(image, "JPEG", quality=90))

    assert hamming(rotated.phash, processed("orientation/landscape_1.jpg").phash) > 10


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_phash_fits_a_bigint(name: str) -> None:
    assert -(2**63) <= processed(name).phash < 2**63


signed_64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
unsigned_64 = st.integers(min_value=0, max_value=2**64 - 1)


def to_signed(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


@given(signed_64, signed_64)
def test_hamming_is_symmetric_and_zero_on_self(a: int, b: int) -> None:
    assert hamming(a, b) == hamming(b, a)
    assert hamming(a, a) == 0
    assert 0 <= hamming(a, b) <= 64


@given(unsigned_64, unsigned_64)
def test_hamming_counts_bits_of_the_unsigned_values(a: int, b: int) -> None:
    expected = bin(a ^ b).count("1")

    assert hamming(a, b) == expected
    assert hamming(to_signed(a), to_signed(b)) == expected
    assert hamming(to_signed(a), b) == expected


def test_hamming_extremes() -> None:
    assert hamming(-1, 0) == 64
    assert hamming(-(2**63), 2**63 - 1) == 64
    assert hamming(-(2**63), 0) == 1


# --------------------------------------------------------------------------- errors


def test_rejection_codes_and_messages() -> None:
    assert {
        "photo_too_large",
        "unsupported_photo_type",
        "photo_too_many_pixels",
        "photo_corrupt",
        "photo_empty",
    } == REJECTION_CODES
    for code in REJECTION_CODES:
        error = PhotoRejected(code)
        assert error.code == code and error.message and error.message_en
        assert error.message != error.message_en  # Vietnamese for residents, English for staff
    with pytest.raises(ValueError):
        PhotoRejected("photo_ugly")
