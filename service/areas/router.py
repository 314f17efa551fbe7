from typing import Annotated

from fastapi import APIRouter, Query

from service.areas import service
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
    return service.area_at_point(session=session, lat=lat, lon=lon)


@router.get("/{code}", response_model=AreaDetail, responses=responses(NotFound))
def read_area(session: SessionDep, code: str, geometry: bool = False):
    """One ward by official code; ``geometry=true`` adds its boundary as GeoJSON."""
    return service.read_area(session=session, code=code, geometry=geometry)
