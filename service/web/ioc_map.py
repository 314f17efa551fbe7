"""The dashboard's map: open reports as markers (``/api/v1/ioc/map/markers``, fetched and
refreshed by static/ioc/map.js), the wards as a choropleth of open and overdue reports, and
the hotspots. The page carries the words the script shows, in the page's language."""

from typing import Any

from fastapi import Request
from sqlmodel import Session

from service.categories import repository as categories
from service.core.settings import get_settings
from service.maps.schemas import MapPeriod, MarkerBand
from service.maps.service import STATUSES
from service.web import session as cookies
from service.web.labels import label

# A band's colour, shared by the markers, the clusters' dominant band and the legend.
BAND_COLOURS = {
    MarkerBand.overdue: "#c0392b",
    MarkerBand.soon: "#e67e22",
    MarkerBand.later: "#2e8b57",
    MarkerBand.paused: "#7f8c8d",
    MarkerBand.none: "#1f6fb2",
}
PERIODS = {
    MapPeriod.day: ("24 giờ qua", "Last 24 hours"),
    MapPeriod.week: ("7 ngày qua", "Last 7 days"),
    MapPeriod.month: ("30 ngày qua", "Last 30 days"),
    MapPeriod.quarter: ("90 ngày qua", "Last 90 days"),
}
# Words of the script, by the page's language: Vietnamese first.
WORDS = {
    "none": ("Chờ điều phối (chưa có hạn)", "Waiting for a dispatcher (no deadline yet)"),
    "markers": ("Phản ánh đang mở", "Open reports"),
    "wards_open": ("Phường, xã: số đang mở", "Wards: open reports"),
    "wards_overdue": ("Phường, xã: số quá hạn", "Wards: overdue reports"),
    "hotspots": ("Điểm nóng", "Hotspots"),
    "open": ("đang mở", "open"),
    "overdue": ("quá hạn", "overdue"),
    "reports": ("phản ánh", "reports"),
    "open_report": ("Mở phản ánh", "Open the report"),
    "no_photo": ("Không có ảnh", "No photo"),
    "bands": ("Hạn xử lý", "Deadline"),
    "choropleth_open": ("Số phản ánh đang mở", "Open reports"),
    "choropleth_overdue": ("Số phản ánh quá hạn", "Overdue reports"),
    "failed": ("Không tải được điểm phản ánh.", "The reports could not be loaded."),
}


def context(*, session: Session, request: Request) -> dict[str, Any]:
    lang = request.cookies.get(cookies.LANG_COOKIE, "vi")
    english = lang == "en"
    words = {key: pair[english] for key, pair in WORDS.items()}
    return {
        "map_data": {
            # Fetched by map.js beside the page's other calls, each from its own endpoint
            # (the same figures, for the same scope): the page does not wait for them.
            "wards": None,
            "hotspots": None,
            "wards_src": "/api/v1/ioc/wards",
            "hotspots_src": "/api/v1/ioc/hotspots",
            "tiles": get_settings().map_tile_url,
            "markers": "/api/v1/ioc/map/markers",
            "bands": {
                band.value: {
                    "label": words["none"] if band == MarkerBand.none else label("deadline_band", band.value, lang),
                    "colour": colour,
                }
                for band, colour in BAND_COLOURS.items()
            },
            "statuses": {status: label("status", status, lang) for status in STATUSES},
            "words": words,
        },
        "map_filters": {
            "categories": [
                (c.code, c.name_en if english else c.name)
                for c in categories.list_categories(session, include_inactive=False)
            ],
            "statuses": [(status, label("status", status, lang)) for status in STATUSES],
            "periods": [(period.value, pair[english]) for period, pair in PERIODS.items()],
        },
    }
