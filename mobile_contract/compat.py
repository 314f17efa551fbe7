"""What would break an app built against an earlier contract.

Within v1 the API may only grow. A change breaks clients when it:
- removes an operation, a response field, or a response status the app handles;
- changes a field's type;
- adds a required input (parameter or body field) or makes an optional one required;
- drops an accepted value from an input enum, or lets a response field go missing
  (required -> optional) or null.
"""

from typing import Any

Schema = dict[str, Any]


def _resolve(document: Schema, schema: Schema | None) -> Schema:
    seen = 0
    while schema and "$ref" in schema and seen < 20:
        path = schema["$ref"].removeprefix("#/").split("/")
        target: Any = document
        for part in path:
            target = target[part]
        schema, seen = target, seen + 1
    return schema or {}


def _variants(document: Schema, schema: Schema) -> list[Schema]:
    schema = _resolve(document, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return [_resolve(document, s) for s in schema[key]]
    return [schema]


def _types(document: Schema, schema: Schema) -> set[str]:
    found = set()
    for variant in _variants(document, schema):
        kind = variant.get("type")
        found |= set(kind) if isinstance(kind, list) else {kind or ("object" if "properties" in variant else "any")}
    return found


def _object(document: Schema, schema: Schema) -> Schema:
    for variant in _variants(document, schema):
        if "properties" in variant:
            return variant
    return {}


def _compare_output(old_doc: Schema, old: Schema, new_doc: Schema, new: Schema, where: str, out: list[str]) -> None:
    old_types, new_types = _types(old_doc, old), _types(new_doc, new)
    if "null" in new_types - old_types:
        out.append(f"{where}: may now be null")
    if (old_types - {"null", "any"}) and not (old_types - {"null"}) <= new_types and "any" not in new_types:
        out.append(f"{where}: type changed from {sorted(old_types)} to {sorted(new_types)}")
    old_obj, new_obj = _object(old_doc, old), _object(new_doc, new)
    new_props = new_obj.get("properties", {})
    for name, old_prop in old_obj.get("properties", {}).items():
        if name not in new_props:
            out.append(f"{where}.{name}: removed from the response")
            continue
        if name in old_obj.get("required", []) and name not in new_obj.get("required", []):
            out.append(f"{where}.{name}: no longer always present")
        _compare_output(old_doc, old_prop, new_doc, new_props[name], f"{where}.{name}", out)
    old_items, new_items = _resolve(old_doc, old).get("items"), _resolve(new_doc, new).get("items")
    if old_items and new_items:
        _compare_output(old_doc, old_items, new_doc, new_items, f"{where}[]", out)


def _compare_input(old_doc: Schema, old: Schema, new_doc: Schema, new: Schema, where: str, out: list[str]) -> None:
    old_obj, new_obj = _object(old_doc, old), _object(new_doc, new)
    old_required = set(old_obj.get("required", []))
    for name in set(new_obj.get("required", [])) - old_required:
        out.append(f"{where}.{name}: new required input")
    old_props = old_obj.get("properties", {})
    for name, new_prop in new_obj.get("properties", {}).items():
        if name in old_props:
            _compare_input(old_doc, old_props[name], new_doc, new_prop, f"{where}.{name}", out)
    old_enum = set(_resolve(old_doc, old).get("enum", []))
    new_enum = set(_resolve(new_doc, new).get("enum", []))
    if old_enum and new_enum and old_enum - new_enum:
        out.append(f"{where}: no longer accepts {sorted(old_enum - new_enum)}")


def _body_schema(document: Schema, operation: Schema) -> Schema | None:
    body = _resolve(document, operation.get("requestBody"))
    for media in body.get("content", {}).values():
        return media.get("schema")
    return None


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    problems: list[str] = []
    for path, old_ops in old.get("paths", {}).items():
        new_ops = new.get("paths", {}).get(path, {})
        for method, old_op in old_ops.items():
            where = f"{method.upper()} {path}"
            new_op = new_ops.get(method)
            if new_op is None:
                problems.append(f"{where}: operation removed")
                continue
            old_params = {
                (p["in"], p["name"]): p for p in map(lambda p: _resolve(old, p), old_op.get("parameters", []))
            }
            for param in map(lambda p: _resolve(new, p), new_op.get("parameters", [])):
                before = old_params.get((param["in"], param["name"]))
                if param.get("required") and not (before and before.get("required")):
                    problems.append(f"{where}: new required {param['in']} parameter {param['name']}")
            old_body, new_body = _body_schema(old, old_op), _body_schema(new, new_op)
            if new_body is not None and old_body is None and new_op.get("requestBody", {}).get("required"):
                problems.append(f"{where}: now requires a body")
            if old_body is not None and new_body is not None:
                _compare_input(old, old_body, new, new_body, f"{where} body", problems)
            for status, old_response in old_op.get("responses", {}).items():
                new_response = new_op.get("responses", {}).get(status)
                if new_response is None:
                    problems.append(f"{where}: response {status} removed")
                    continue
                for media, old_media in _resolve(old, old_response).get("content", {}).items():
                    new_media = _resolve(new, new_response).get("content", {}).get(media)
                    if new_media is None:
                        problems.append(f"{where} {status}: no longer returns {media}")
                    elif "schema" in old_media and "schema" in new_media:
                        _compare_output(
                            old, old_media["schema"], new, new_media["schema"], f"{where} {status}", problems
                        )
    return problems
