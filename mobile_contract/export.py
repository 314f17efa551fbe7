"""`make contract`: write the live OpenAPI document to mobile_contract/openapi.json."""

from mobile_contract import OPENAPI_FILE, live_schema, render

if __name__ == "__main__":
    OPENAPI_FILE.write_text(render(live_schema()), encoding="utf-8")
    print(f"wrote {OPENAPI_FILE}")
