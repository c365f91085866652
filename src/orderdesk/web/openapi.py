"""The OpenAPI document: FastAPI's, plus what holds for every route of an API.

Each API authenticates with its own bearer token and takes its own idempotency header on
every write (``ApiDialect.security``); declaring both here keeps them true for routes added
later.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from orderdesk.store.idempotency import MAX_KEY_LENGTH
from orderdesk.web.dialect import Apis

#: Marks a write that takes no idempotency key (``json_body(…, keyed=False)``); the document
#: then lists no key header for it, and the mark itself is dropped.
UNKEYED = "x-orderdesk-unkeyed"


def json_body(
    model: type[BaseModel], *, required: bool = True, keyed: bool = True
) -> dict[str, Any]:
    """A route's ``openapi_extra`` for a JSON body of ``model`` (routes that parse the body
    themselves, so that FastAPI does not); ``keyed=False``: a write its API documents no
    idempotency key for (a checkout session's), so none is offered."""
    extra: dict[str, Any] = {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }
    return extra if keyed else {**extra, UNKEYED: True}


def key_parameter(header: str) -> dict[str, Any]:
    return {
        "name": header,
        "in": "header",
        "required": False,
        "description": (
            "Makes the write safe to retry: the same key and request get the stored answer and"
            " apply nothing again; the key with another request is 422, and while its first"
            " request runs, 409. Keys are kept at least ORDERDESK_IDEMPOTENCY_TTL_HOURS"
            " (default 24)."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"},
    }


#: The key of a route's answer that names the ids it creates (see ``creates``).
CREATES = "x-creates"


def creates(answer: dict[str, Any], **ids: str) -> dict[str, Any]:
    """A route's 2xx ``answer`` that creates ``ids``, each found where its runtime expression
    says (``orderId="$response.body#/orderId"``). The document links the answer to every
    operation that takes one of them as a path parameter or a required body field."""
    return {**answer, CREATES: ids}


def document(app: FastAPI, apis: Apis) -> dict[str, Any]:
    """The app's OpenAPI document, built once."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        for path, operations in schema["paths"].items():
            api = apis.owning(path)
            if api is None:
                continue
            security = api.security
            schemes[security.scheme] = {
                "type": "http",
                "scheme": security.http_scheme,
                "description": f"Authorization: {security.http_scheme.title()} with "
                f"{security.token}",
            }
            for method, operation in operations.items():
                operation["security"] = [{security.scheme: []}]
                unkeyed = operation.pop(UNKEYED, False)
                if security.key_header and method != "get" and not unkeyed:
                    parameters = operation.setdefault("parameters", [])
                    parameters.append(key_parameter(security.key_header))
        _drop_validation_422(schema)
        _link_creations(schema)
        _hoist_definitions(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the document lists for ``path`` (Starlette's 405 names one route's only).

    Where several templates match, the most specific ones (fewest parameters) decide:
    ``/v1/orders/X/paymentmethod`` is that endpoint, not the sub-order ``/v1/orders/X/{ledgerId}``.
    """
    found: dict[int, set[str]] = {}
    for template, operations in app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods = found.setdefault(template.count("{"), set())
            methods.update(method.upper() for method in operations)
    return sorted(found[min(found)]) if found else []


def _drop_validation_422(document: dict[str, Any]) -> None:
    """Remove the 422 FastAPI documents for a request it cannot validate: this app answers
    one with 400 in the API's envelope (``app.py``'s ``validation_error``), never with 422."""
    fastapi_422 = {"$ref": "#/components/schemas/HTTPValidationError"}
    for operations in document["paths"].values():
        for operation in operations.values():
            answer = operation["responses"].get("422", {})
            if answer.get("content", {}).get("application/json", {}).get("schema") == fastapi_422:
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)


def _link_creations(document: dict[str, Any]) -> None:
    """Turn each answer's ``x-creates`` into OpenAPI ``links`` (named by the operationId they
    lead to), the sequences clients follow and Schemathesis's stateful phase walks."""
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    for producer in operations:
        for answer in producer["responses"].values():
            created: dict[str, str] = answer.pop(CREATES, {})
            links = {
                target["operationId"]: link
                for target in operations
                if target is not producer and (link := _link(target, created))
            }
            if links:
                answer["links"] = links


def _link(target: dict[str, Any], created: dict[str, str]) -> dict[str, Any] | None:
    """The link to ``target`` that passes it the ``created`` ids it takes, or None."""
    parameters = {
        p["name"]: created[p["name"]]
        for p in target.get("parameters", [])
        if p["in"] == "path" and p["name"] in created
    }
    body = target.get("requestBody", {}).get("content", {}).get("application/json", {})
    required = body.get("schema", {}).get("required", [])
    fields = {name: created[name] for name in required if name in created}
    if not parameters and not fields:
        return None
    link: dict[str, Any] = {"operationId": target["operationId"]}
    if parameters:
        link["parameters"] = parameters
    if fields:
        link["requestBody"] = fields  # merged into the generated body
    return link


def _hoist_definitions(document: dict[str, Any]) -> None:
    """Move pydantic's ``$defs`` (request bodies given as JSON Schema) into the components.

    Inside an OpenAPI document ``#/$defs/X`` points at the document's root, where there is
    no ``$defs``: left in place, every nested model of a request body is a dangling reference.
    """
    components = document.setdefault("components", {}).setdefault("schemas", {})

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
        if not isinstance(node, dict):
            return
        for name, definition in node.pop("$defs", {}).items():
            visit(definition)
            if components.setdefault(name, definition) != definition:
                raise ValueError(f"two different schemas are named {name}")
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node["$ref"] = "#/components/schemas/" + ref.removeprefix("#/$defs/")
        for value in node.values():
            visit(value)

    visit(document["paths"])
