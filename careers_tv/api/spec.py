"""The API's operations, declared once: the route, its input and output models, its scope.

`operation(...)` registers a Flask view on the blueprint, validates the query string and the
JSON body with Pydantic models before the view runs (400 with the fields at fault), checks the
token's scope, and turns the pydantic model the view returns into JSON. The same declarations
build `/api/v1/openapi.json` (OpenAPI 3.1: its schemas are the models' own JSON Schema), so
the document cannot drift from what the code accepts and answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

import pydantic
from flask import Blueprint, Response, abort, jsonify, request
from pydantic.json_schema import models_json_schema

from ..extensions import csrf
from ..models import Scope
from . import auth
from .schemas import ApiError, ApiJsonSchema

_FLASK_PARAM = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")
ERROR_DESCRIPTIONS = {
    400: "The request is malformed or a value is not acceptable.",
    401: "No token, or a token that is not valid (revoked, mistyped).",
    403: "The token lacks the scope this needs, or its owner may not do it.",
    404: "Nothing here.",
    409: "The video is not in a state that allows this.",
    410: "Withdrawn: it was published once and is no longer.",
    412: "The If-Match precondition failed.",
    413: "Too large.",
    415: "The body must be JSON.",
    429: "Too many requests: wait the Retry-After seconds.",
}


class ValidationFailed(Exception):
    """Input that does not fit the operation's model: answered 400 with every field at fault."""

    def __init__(self, where: str, errors: list[dict]) -> None:
        self.where = where
        self.details = [
            {"field": ".".join(str(part) for part in error["loc"]) or where,
             "message": error["msg"]}
            for error in errors
        ]
        super().__init__(f"invalid {where}: " + "; ".join(
            f"{d['field']}: {d['message']}" for d in self.details))


@dataclass
class Operation:
    method: str
    path: str  # OpenAPI form: /videos/{public_id}
    operation_id: str
    summary: str
    description: str
    tag: str
    query: type[pydantic.BaseModel] | None
    body: type[pydantic.BaseModel] | None
    response: type[pydantic.BaseModel] | None
    status: int
    scope: Scope | None  # None: anyone (a token, if sent, must be live)
    errors: tuple[int, ...]
    path_params: dict[str, dict] = field(default_factory=dict)
    cached: bool = False
    body_optional: bool = False
    # OpenAPI links from this operation's answer: name -> (operationId, {param: expression})
    links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def _parse(model: type[pydantic.BaseModel], data: Any, where: str) -> pydantic.BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise ValidationFailed(where, exc.errors(include_url=False, include_input=False)) from exc


def _query_args(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """request.args as the model expects it: lists for list fields, one value otherwise."""
    args: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        values = request.args.getlist(key)
        if not values:
            continue
        origin = getattr(info.annotation, "__origin__", None)
        args[key] = values if origin is list else values[0]
    return args


def _json_body(model: type[pydantic.BaseModel], optional: bool) -> pydantic.BaseModel:
    if not request.content_length and not request.data:
        if optional:
            return model()
        abort(400, "this needs a JSON body")
    if not request.is_json:
        abort(415, "send the body as application/json")
    data = request.get_json(silent=True)
    if data is None:
        abort(400, "the body is not valid JSON")
    if _holds_nul(data):
        abort(400, "the body holds a NUL character, which no field accepts")
    # Strict: JSON types as the schema says them (no 0 taken for a date, no "1" for 1).
    try:
        return model.model_validate_json(request.get_data(), strict=True)
    except pydantic.ValidationError as exc:
        raise ValidationFailed("body", exc.errors(include_url=False,
                                                  include_input=False)) from exc


def _holds_nul(data: Any) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_holds_nul(item) for item in data)
    return False


def operation(bp: Blueprint, method: str, rule: str, *, summary: str, tag: str,
              query: type[pydantic.BaseModel] | None = None,
              body: type[pydantic.BaseModel] | None = None,
              body_optional: bool = False,
              response: type[pydantic.BaseModel] | None = None, status: int = 200,
              scope: Scope | None = None, errors: tuple[int, ...] = (),
              path_params: dict[str, dict] | None = None, cached: bool = False,
              links: dict[str, tuple[str, dict[str, str]]] | None = None,
              endpoint: str | None = None) -> Callable:
    """Declare an operation; the view gets path values, then `query=` and `body=` models."""

    def decorate(view: Callable) -> Callable:
        path = _FLASK_PARAM.sub(r"{\1}", rule)
        op = Operation(
            method=method.upper(), path=path, operation_id=view.__name__, summary=summary,
            description=(view.__doc__ or "").strip(), tag=tag, query=query, body=body,
            response=response, status=status, scope=scope,
            errors=tuple(sorted({*errors, *((400,) if query or body else ()),
                                 *((415,) if body else ()), 401, 429,
                                 *((403,) if scope else ())})),
            path_params=path_params or {}, cached=cached, links=links or {},
            body_optional=body_optional,
        )
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**path_values):
            if scope is not None:
                auth.require(scope)
            else:
                auth.current_token()
            kwargs = dict(path_values)
            if query is not None:
                kwargs["query"] = _parse(query, _query_args(query), "query")
            if body is not None:
                kwargs["body"] = _json_body(body, body_optional)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            payload = jsonify(result.model_dump(mode="json", by_alias=True))
            payload.status_code = status
            return payload

        if method.upper() != "GET":
            # These answer bearer tokens only, never the session cookie, so a forged
            # cross-site request has nothing to ride on: CSRF tokens have no part here.
            wrapped = csrf.exempt(wrapped)
        bp.add_url_rule(rule, endpoint=endpoint or view.__name__, view_func=wrapped,
                        methods=[method.upper()])
        return wrapped

    return decorate


# -- the OpenAPI document --------------------------------------------------------------------


def _parameters(op: Operation, schemas: dict) -> list[dict]:
    params = []
    for name in re.findall(r"{([a-z_]+)}", op.path):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": op.path_params.get(name, {"type": "string"})})
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template="#/components/schemas/{model}",
                                            schema_generator=ApiJsonSchema)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", None)
            prop.pop("title", None)
            param = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                param["description"] = description
            if prop.get("type") == "array":
                param.update(style="form", explode=True)
            params.append(param)
        schemas.update(schema.get("$defs", {}))
    return params


def _ref(model: type[pydantic.BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document(server_url: str, version: str) -> dict:
    models = {ApiError}
    for op in OPERATIONS:
        models.update(m for m in (op.body, op.response) if m is not None)
    _keys, top = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}", schema_generator=ApiJsonSchema,
    )
    schemas = dict(top.get("$defs", {}))
    error_response = {"content": {"application/json": {"schema": _ref(ApiError)}}}
    paths: dict[str, dict] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": _ref(op.response)}}
        if op.links:
            ok["links"] = {name: {"operationId": target, "parameters": params}
                           for name, (target, params) in op.links.items()}
        if op.cached:
            ok["headers"] = {
                "ETag": {"schema": {"type": "string"},
                         "description": "Send it back in If-None-Match: 304 when unchanged."},
                "Cache-Control": {"schema": {"type": "string"}},
            }
            responses["304"] = {"description": "Not modified since the ETag sent."}
        responses[str(op.status)] = ok
        for code in op.errors:
            responses[str(code)] = {"description": ERROR_DESCRIPTIONS[code], **error_response}
        entry: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary, "tags": [op.tag],
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        params = _parameters(op, schemas)
        if op.cached:
            params.append({"name": "If-None-Match", "in": "header", "required": False,
                           "schema": {"type": "string"}})
        if params:
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {"required": not op.body_optional, "content": {
                "application/json": {"schema": _ref(op.body)}}}
        # Without a scope anyone may call it, and a token, when sent, is checked.
        entry["security"] = ([{"token": [op.scope.value]}] if op.scope
                             else [{}, {"token": []}])
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Careers TV API",
            "version": version,
            "description": (
                "The careers video channel's catalogue (channels, videos, search, tags) and, "
                "for clients holding a token, creating, uploading (tus 1.0.0 at /uploads) and "
                "publishing videos. Errors are always JSON: {\"error\": {\"code\", \"message\"}}. "
                "No text may hold a NUL character (400)."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {
                "type": "http", "scheme": "bearer",
                "description": "An API token made by an admin in the portal (ctv_…).",
            }},
        },
    }
