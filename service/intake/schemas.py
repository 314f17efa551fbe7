"""The submission's own shape; the answers are the report's (service/reports/schemas.py)."""

from pydantic import AwareDatetime, Field

from service.core.schemas import Input
from service.reports.models import Visibility


class ComplaintSubmission(Input):
    """The JSON part ``complaint`` of ``POST /api/v1/complaints``."""

    category_code: str = Field(min_length=1, max_length=40, examples=["pothole"])
    description: str = Field(min_length=1, max_length=4000, description="What is wrong, up to 4,000 characters")
    lat: float = Field(ge=-90, le=90, description="Latitude of the problem, WGS 84")
    lon: float = Field(ge=-180, le=180, description="Longitude of the problem, WGS 84")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, description="GPS accuracy in metres")
    address: str | None = Field(default=None, max_length=500)
    captured_at: AwareDatetime | None = Field(
        default=None, description="When the photos were taken on the phone, with its offset"
    )
    visibility: Visibility = Visibility.public
