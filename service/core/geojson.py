"""GeoJSON as the maps and the API hand it out."""

from collections.abc import Iterable
from typing import Any


def feature_collection(features: Iterable[tuple[Any, dict[str, Any]]]) -> dict[str, Any]:
    """A FeatureCollection of (geometry, properties) pairs."""
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": geometry, "properties": props} for geometry, props in features],
    }
