"""Admins replace ward boundaries through the API, without a deploy and without downtime."""

from typing import Annotated

from fastapi import APIRouter, File, Query, UploadFile

from service.areas import service
from service.areas.schemas import ImportReport
from service.areas.service import InvalidBoundaryFile
from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, PermissionDenied, PhanAnhError, responses
from service.identity.policies import AdminUser

router = APIRouter(
    prefix="/api/v1/admin/areas", tags=["admin"], responses=responses(NotAuthenticated, PermissionDenied)
)

# A province's wards at full resolution weigh a few megabytes (Thái Nguyên's 92: 4 MB);
# the parsed file takes several times its size in memory while it is imported.
MAX_FILE_BYTES = 50 * 1024 * 1024

# What browsers and GIS tools label a .geojson or .json file with. The bytes are
# checked anyway; this only turns away what is plainly something else (a zipped
# shapefile, a spreadsheet) with a clearer answer than "not valid JSON".
ACCEPTED_TYPES = frozenset(
    {"application/geo+json", "application/vnd.geo+json", "application/json", "application/octet-stream"}
)


class BoundaryFileTooLarge(PhanAnhError):
    status_code = 413
    code = "file_too_large"
    message = "Tệp ranh giới lớn hơn 50 MB."
    message_en = "The boundary file is larger than 50 MB."


class UnsupportedBoundaryFileType(PhanAnhError):
    status_code = 415
    code = "unsupported_file_type"
    message = "Hãy tải lên một tệp GeoJSON (.geojson hoặc .json)."
    message_en = "Upload a GeoJSON file (.geojson or .json)."


@router.post(
    "/import",
    response_model=ImportReport,
    responses=responses(InvalidBoundaryFile, BoundaryFileTooLarge, UnsupportedBoundaryFileType),
)
def import_boundaries(
    _: AdminUser,
    session: SessionDep,
    file: Annotated[
        UploadFile, File(description="A GeoJSON FeatureCollection of Polygon/MultiPolygon wards, at most 50 MB")
    ],
    dry_run: Annotated[bool, Query(description="Check the file and report what would change; write nothing")] = False,
):
    """Create or replace ward boundaries from a GeoJSON FeatureCollection, sent as
    ``multipart/form-data`` in the field ``file`` (``application/geo+json``,
    ``application/json`` or ``application/octet-stream``, at most 50 MB).

    Wards are matched by official code. Each feature needs ``properties.code`` and
    ``properties.name``; ``nameEn``, ``fullName``, ``fullNameEn``, ``province`` (e.g.
    ``19_thai_nguyen``) and ``areaKm2`` are optional. Coordinates are WGS 84
    longitude/latitude. Self-intersecting rings are repaired and listed in ``repaired``.

    The file is imported whole or not at all: a bad file or feature is refused with 422
    ``invalid_boundary_file`` naming the field at fault (``file``, or e.g.
    ``features[3].geometry``), and nothing changes. The import is one transaction, so
    until it commits, ward lookups and new reports keep using the old boundaries: no
    downtime, and never a ward missing halfway.

    Reports keep the ward they were routed to; only lookups and reports made after the
    import use the new boundaries. A ward the file does not mention is left as it is:
    wards are never deleted, since reports, units and routing rules refer to them.

    ``dry_run=true`` checks everything and answers with the same report, writing nothing.
    """
    content_type = (file.content_type or "").split(";", 1)[0].strip().lower()
    if content_type and content_type not in ACCEPTED_TYPES:
        raise UnsupportedBoundaryFileType(field="file", file=file.filename)
    # Reading one byte past the limit is enough to know the file is too large.
    raw = file.file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise BoundaryFileTooLarge(field="file", file=file.filename)
    return service.import_upload(session=session, raw=raw, dry_run=dry_run)
