from typing import Annotated

from fastapi import APIRouter, Query

from service.areas import repository
from service.areas.errors import NoAreaAtPoint
from service.areas.schemas import AreaDetail, AreaRead
from service.core.database import SessionDep
from service.core.errors import NotFound, responses

router = APIRouter(prefix="/api/v1/areas", tags=["reference data"])


@router.get("", response_model=AreaRead, responses=responses(NoAreaAtPoint))
def area_at_point(
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, description="Latitude, WGS 84")],
    lon: Annotated[float, Query(ge=-180, le=180, description="Longitude, WGS 84")],
):
    """The ward or commune that contains the point (404 ``outside_service_area`` when none
    does, e.g. at sea or outside the province). Points on a shared boundary always
    resolve to the same ward."""
    area = repository.area_containing(session, lat=lat, lon=lon)
    if area is None:
        raise NoAreaAtPoint(field="lat")
    return area


@router.get("/{code}", response_model=AreaDetail, responses=responses(NotFound))
def read_area(session: SessionDep, code: str, geometry: bool = False):
    """One ward by official code; ``geometry=true`` adds its boundary as GeoJSON."""
    area = repository.get_by_code(session, code)
    if area is None:
        raise NotFound(field="code")
    detail = AreaDetail.model_validate(area)
    if geometry:
        assert area.id is not None
        detail.geometry = repository.geometry_geojson(session, area.id)
    return detail
