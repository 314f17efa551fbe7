"""The contract the mobile app is built against: the committed OpenAPI document."""

import json
from pathlib import Path
from typing import Any

CONTRACT_DIR = Path(__file__).parent
OPENAPI_FILE = CONTRACT_DIR / "openapi.json"


def live_schema() -> dict[str, Any]:
    from service.main import app

    return app.openapi()


def committed_schema() -> dict[str, Any]:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
