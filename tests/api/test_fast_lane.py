"""The fast lane (``orderdesk/web/fast_lane.py``) answers exactly as FastAPI's router does.

Every case runs twice on orders made alike: once through the app as served (the fast lane
takes the routes on one order) and once through the same app built without the fast lane (FastAPI
routes them). The answers must be equal byte for byte once the ids and times that differ
between two orders are replaced by placeholders.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import orjson
import pytest
from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.ops.faults import routes
from orderdesk.web.fast_lane import ORDER_PARAM, FastLane, fast_routes
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable, dialect_of
from tests.support.sandbox import ADMIN_TOKEN, IPHONE, SAMSUNG, SHOES, TSHIRTS, Merchant

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
KSUID = re.compile(r"\b[a-z]{2,3}_[0-9A-Za-z]{27}\b")
PER_ORDER = re.compile(
    r'(Expires=\d+|Signature=[\w-]+|"(documentReference|invoiceNumber)":"\d+"'
    r'|"orderReference":"[A-Z0-9]+")'
)
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
NUMBER_HEADERS = ("x-correlation-id", "content-length")

#: Klarna's routes on one order, also under the doubled slash its WooCommerce plugin sent up
#: to 1.6.10.
KLARNA_ROUTES = tuple(
    (method, base + suffix)
    for base in ("/ordermanagement/v1/orders/{orderId}", "//ordermanagement/v1/orders/{orderId}")
    for method, suffix in (
        ("GET", ""),
        ("POST", "/acknowledge"),
        ("PATCH", "/authorization"),
        ("POST", "/cancel"),
        ("POST", "/captures"),
        ("GET", "/captures"),
        ("PATCH", "/customer-details"),
        ("POST", "/extend-authorization-time"),
        ("PATCH", "/merchant-references"),
        ("POST", "/refunds"),
        ("POST", "/release-remaining-authorization"),
        ("POST", "/shipping-info"),
    )
)
#: Every route on one order of every dialect: the lane must serve exactly these.
ROUTES = (
    ("GET", "/manage/orders/{orderId}"),
    ("POST", "/manage/orders/{orderId}/capture"),
    ("POST", "/manage/orders/{orderId}/cancel"),
    ("POST", "/manage/orders/{orderId}/extend"),
    ("POST", "/manage/orders/{orderId}/refund"),
    ("POST", "/manage/orders/{orderId}/reauthorize"),
    ("GET", "/v1/orders/{orderId}"),
    ("POST", "/v1/orders/{orderId}"),
    ("DELETE", "/v1/orders/{orderId}"),
    ("GET", "/v1/orders/{orderId}/paymentstatus"),
    ("POST", "/v1/orders/{orderId}/partialcapture"),
    ("POST", "/v1/orders/{orderId}/capture"),
    ("POST", "/v1/orders/{orderId}/customer"),
    ("POST", "/v1/orders/{orderId}/extendexpiry"),
    ("POST", "/v1/orders/{orderId}/reference"),
    ("POST", "/v1/orders/{orderId}/acknowledge"),
    ("POST", "/v1/orders/{orderId}/paymentmethod"),
    ("GET", "/v1/sessions/{orderId}"),
    ("POST", "/v1/sessions/{orderId}"),
    *KLARNA_ROUTES,
)
OrderId = Annotated[str, Path(alias="orderId")]
#: The query parameters a route takes after the order id.
QUERY = {("GET", "/manage/orders/{orderId}"): ("correlationId",)}


def served(app: FastAPI) -> set[tuple[str, str]]:
    """(method, template) of every route the app's lane serves."""
    on_orders = [r for r in app.routes if dialect_of(r) in app.state.providers]
    marker = "{" + ORDER_PARAM + "}"
    return {
        (method, f"{before}{marker}{after}") for method, before, after in fast_routes(on_orders)
    }


@pytest.fixture(scope="module")
async def router_app(database_url: str) -> AsyncIterator[FastAPI]:
    """The same app on the same database, with every capture routed by FastAPI."""
    application = create_app(Settings(database_url=database_url, admin_token=ADMIN_TOKEN))
    application.user_middleware = [m for m in application.user_middleware if m.cls is not FastLane]
    async with application.router.lifespan_context(application):
        yield application


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def fresh_keys(headers: dict[str, str]) -> dict[str, str]:
    """Keys are the credential's, whatever the order: "NEW" becomes a new key each time."""
    return {name: str(uuid.uuid4()) if v == "NEW" else v for name, v in headers.items()}


def sent_headers(auth: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """JSON, the token and ``extra`` (fresh keys for "NEW"; a header "DROP"ped is not sent)."""
    headers = {"content-type": "application/json", **auth, **fresh_keys(extra)}
    return {name: value for name, value in headers.items() if value != "DROP"}


def normalised(r: httpx.Response, order_id: str) -> Answer:
    def clean(text: str) -> str:
        text = text.replace(order_id, "ORDER")
        text = PER_ORDER.sub("PER_ORDER", text)  # numbers, references and signed links
        return TIME.sub("TIME", KSUID.sub("KSUID", UUID.sub("UUID", text)))

    headers = {
        name: "N" if name in NUMBER_HEADERS else clean(value)
        for name, value in r.headers.items()
        if name != "x-request-id"
    }
    return Answer(r.status_code, headers, clean(r.text))


async def both_ways(
    merchant: Merchant, router_app: FastAPI, dialect: str, send: Any, make_order: bool = True
) -> tuple[Answer, Answer]:
    """``send(client, order_id)`` on a fresh order through the fast lane, then through FastAPI."""
    answers = []
    transport = httpx.ASGITransport(app=router_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as routed:
        for client in (merchant.client, routed):
            lines = [SHOES, TSHIRTS] if dialect == "walley" else [SAMSUNG, IPHONE]
            order = await merchant.order(dialect, lines) if make_order else None
            order_id = order["orderId"] if order else str(uuid.uuid4())
            line_id = order["lineIds"][0] if order else "none"
            r = await send(client, order_id, line_id)
            answers.append(normalised(r, order_id))
    fast, routed_answer = answers
    return fast, routed_answer


def everything(_: str) -> bytes:
    """A capture of the whole order, as Ledyer's clients send it: every line, the total."""
    lines = [SAMSUNG, IPHONE]
    total = sum(x["totalAmount"] for x in lines)
    return orjson.dumps({"orderLines": lines, "totalCaptureAmount": total})


WALLEY_ITEMS = b'{"amount":95.00,"items":[{"id":"10001","description":"Shoes","unitPrice":95.00,"quantity":1}]}'  # noqa: E501


def ledyer_body(line_id: str, amount: int = 489000) -> bytes:
    """The Samsung line by its id; an ``amount`` other than its total does not add up."""
    return orjson.dumps({"orderLines": [{**SAMSUNG, "id": line_id}], "totalCaptureAmount": amount})


def walley_cases() -> dict[str, tuple[dict[str, str], bytes, bool, int]]:
    """name: (extra headers, body, whether the order exists, the status both answer)."""
    return {
        "capture by items": ({"x-idempotency": "NEW"}, WALLEY_ITEMS, True, 202),
        "full capture, no key": ({}, b'{"amount":285.00}', True, 202),
        "too much": ({}, b'{"amount":1000.00}', True, 422),
        "bad json": ({}, b'{"amount":', True, 400),
        "not json": ({"content-type": "text/plain"}, b"amount=1", True, 415),
        "latin-1 json": ({"content-type": "application/json; charset=latin-1"}, b"{}", True, 415),
        "no content type": ({"content-type": "DROP"}, WALLEY_ITEMS, True, 202),
        "no token": ({"authorization": ""}, WALLEY_ITEMS, True, 401),
        "unknown order": ({}, WALLEY_ITEMS, False, 404),
        "key too long": ({"x-idempotency": "k" * 300}, WALLEY_ITEMS, True, 400),
    }


@pytest.mark.parametrize("case", list(walley_cases()))
async def test_walley_capture_answers_alike(
    merchant: Merchant, router_app: FastAPI, case: str
) -> None:
    headers, body, exists, expected = walley_cases()[case]
    auth = await merchant.walley_headers()

    async def send(client: httpx.AsyncClient, order_id: str, _: str) -> httpx.Response:
        sent = sent_headers(auth, headers)
        return await client.post(f"/manage/orders/{order_id}/capture", content=body, headers=sent)

    fast, routed = await both_ways(merchant, router_app, "walley", send, exists)
    assert fast == routed
    assert fast.status == expected, fast.body


@pytest.mark.parametrize(
    ("case", "path", "headers", "amount", "expected"),
    [
        ("partial capture", "partialcapture", {"idempotency-key": "NEW"}, 489000, 200),
        ("capture the rest", "capture", {}, None, 200),
        ("amount that does not add up", "partialcapture", {}, 1, 422),
        ("key too long", "partialcapture", {"idempotency-key": "k" * 300}, 489000, 400),
        ("not json", "partialcapture", {"content-type": "application/xml"}, 489000, 415),
        ("walley token", "partialcapture", {"walley": "yes"}, 489000, 401),
    ],
)
async def test_ledyer_capture_answers_alike(
    merchant: Merchant,
    router_app: FastAPI,
    case: str,
    path: str,
    headers: dict[str, str],
    amount: int | None,
    expected: int,
) -> None:
    auth = await (
        merchant.walley_headers() if headers.pop("walley", None) else merchant.ledyer_headers()
    )

    async def send(client: httpx.AsyncClient, order_id: str, line_id: str) -> httpx.Response:
        body = everything(line_id) if amount is None else ledyer_body(line_id, amount)
        sent = sent_headers(auth, headers)
        return await client.post(f"/v1/orders/{order_id}/{path}", content=body, headers=sent)

    fast, routed = await both_ways(merchant, router_app, "ledyer", send)
    assert fast == routed
    assert fast.status == expected


async def test_a_replay_and_a_reused_key_answer_alike(
    merchant: Merchant, router_app: FastAPI
) -> None:
    auth = await merchant.ledyer_headers()

    async def send_three(client: httpx.AsyncClient, order_id: str, line_id: str) -> httpx.Response:
        sent = {"content-type": "application/json", "idempotency-key": str(uuid.uuid4()), **auth}
        path = f"/v1/orders/{order_id}/partialcapture"
        first = await client.post(path, content=ledyer_body(line_id), headers=sent)
        again = await client.post(path, content=ledyer_body(line_id), headers=sent)
        assert (again.status_code, again.content) == (first.status_code, first.content)
        return await client.post(path, content=ledyer_body(line_id, 999000), headers=sent)

    fast, routed = await both_ways(merchant, router_app, "ledyer", send_three)
    assert fast == routed
    assert fast.status == 422, fast.body


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?correlationId=",
        "?correlationId=oe_nothing",
        "?correlationId=a&correlationId=b",
        "?correlationid=x",
        "?correlationId=LAST",
    ],
)
async def test_a_walley_get_with_a_correlation_id_answers_alike(
    merchant: Merchant, router_app: FastAPI, query: str
) -> None:
    """``GET /manage/orders/{id}?correlationId=…``: a write's id (the last one, when repeated)
    answers the order as it is; anything else is Walley's answer for it — both ways."""
    auth = await merchant.walley_headers()

    async def send(client: httpx.AsyncClient, order_id: str, _: str) -> httpx.Response:
        captured = await client.post(
            f"/manage/orders/{order_id}/capture",
            content=b'{"amount":95.00}',
            headers={"content-type": "application/json", **auth},
        )
        assert captured.status_code == 202
        asked = query.replace("LAST", captured.headers["x-correlation-id"])
        return await client.get(f"/manage/orders/{order_id}{asked}", headers=auth)

    fast, routed = await both_ways(merchant, router_app, "walley", send)
    assert fast == routed


async def test_a_streamed_body_over_the_limit_answers_alike(
    merchant: Merchant, router_app: FastAPI
) -> None:
    auth = await merchant.walley_headers()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(17):
            yield b" " * 65536

    async def send(client: httpx.AsyncClient, order_id: str, _: str) -> httpx.Response:
        sent = {"content-type": "application/json", **auth}
        return await client.post(
            f"/manage/orders/{order_id}/capture", content=chunks(), headers=sent
        )

    fast, routed = await both_ways(merchant, router_app, "walley", send)
    assert fast == routed
    assert fast.status == 413


async def test_ids_the_fast_lane_does_not_take_still_reach_the_route(
    merchant: Merchant,
) -> None:
    """An id with characters outside ``[A-Za-z0-9_-]`` goes through FastAPI: same envelope."""
    auth = await merchant.walley_headers()
    sent = {"content-type": "application/json", **auth}
    r = await merchant.client.post("/manage/orders/a.b/capture", content=b"{}", headers=sent)
    assert r.status_code == 404
    assert r.json()["error"]["errors"][0]["reason"] == "ORDER_NOT_FOUND"


async def test_fast_captures_are_counted_under_their_route(merchant: Merchant) -> None:
    series = re.compile(
        r'^orderdesk_http_requests_total\{[^}]*route="/manage/orders/\{orderId\}/capture"'
        r'[^}]*status="202"[^}]*\} ([0-9.]+)$',
        re.MULTILINE,
    )

    async def counted() -> float:
        found = series.search((await merchant.client.get("/metrics")).text)
        return float(found.group(1)) if found else 0.0

    auth = await merchant.walley_headers()
    order = await merchant.order("walley", [SHOES])
    before = await counted()
    r = await merchant.client.post(
        f"/manage/orders/{order['orderId']}/capture",
        content=b'{"amount":95.00}',
        headers={"content-type": "application/json", **auth},
    )
    assert r.status_code == 202
    assert await counted() == before + 1


def test_the_lane_serves_every_route_on_one_order(app: FastAPI) -> None:
    """Found from the route tables: every provider route on one order, and nothing else."""
    assert served(app) == set(ROUTES)
    for method, template in ROUTES:
        query = next(
            f.query
            for k, f in fast_routes(app.routes).items()
            if k[0] == method and template == k[1] + "{orderId}" + k[2]
        )
        assert query == QUERY.get((method, template), ())


async def test_a_dependency_added_to_a_route_runs_on_both_paths() -> None:
    """A route's dependencies run on the lane as through FastAPI's router; a route whose
    dependency the lane cannot run is left to the router (never served without it)."""
    seen: list[str] = []

    async def noted(request: Request) -> None:
        seen.append(request.url.path)

    async def needs_a_header(x_thing: Annotated[str, Header()] = "") -> None:
        seen.append(f"header {x_thing}")

    table = RouteTable("test", dependencies=[Depends(require_json)])

    @table.post("/things/{orderId}/poke", dependencies=[Depends(noted)])
    async def poke(request: Request, order_id: OrderId) -> Response:
        return Response(f"poked {order_id}")

    @table.post("/things/{orderId}/nudge", dependencies=[Depends(needs_a_header)])
    async def nudge(request: Request, order_id: OrderId) -> Response:
        return Response(f"nudged {order_id}")

    app = FastAPI()
    lane = fast_routes(table.install(app))
    assert {(m, b, a) for m, b, a in lane} == {("POST", "/things/", "/poke")}

    async def status_only(request: Request, exc: HTTPException) -> Response:
        return Response(status_code=exc.status_code)

    served_app = FastLane(app, lane, handlers={HTTPException: status_only})
    transport = httpx.ASGITransport(app=served_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        fast = await client.post("/things/t1/poke")
        routed = await client.post("/things/t.2/poke")  # outside the lane's ids: the router
        refused = await client.post(
            "/things/t3/poke", content=b"x", headers={"content-type": "text/plain"}
        )
        nudged = await client.post("/things/t4/nudge", headers={"x-thing": "yes"})
    assert (fast.status_code, fast.text, routed.status_code, routed.text) == (
        200,
        "poked t1",
        200,
        "poked t.2",
    )
    assert refused.status_code == 415  # require_json ran on the lane too
    assert (nudged.status_code, nudged.text) == (200, "nudged t4")
    assert seen == ["/things/t1/poke", "/things/t.2/poke", "header yes"]


def test_every_fast_route_takes_only_what_the_lane_passes(app: FastAPI) -> None:
    """The lane passes the request and the order id and runs ``require_json`` (its 415 is
    checked above): a parameter added to one of these routes must be added to the lane too."""
    document = app.openapi()
    table = {(method, r.path): r for r in routes(app) for method in r.methods}
    keys = {"/manage/": "X-Idempotency", "/v1/": "Idempotency-Key"}
    keys["/ordermanagement/"] = "Klarna-Idempotency-Key"
    for method, template in ROUTES:
        if template.startswith("//"):  # the doubled slash is the same endpoint, undocumented
            continue
        operation = document["paths"][template][method.lower()]
        key = next(header for prefix, header in keys.items() if template.startswith(prefix))
        named = [(p["in"], p["name"]) for p in operation["parameters"]]
        query = QUERY.get((method, template), ())
        expected = [("path", "orderId")] + [("query", name) for name in query]
        expected += [] if method == "GET" else [("header", key)]
        assert named == expected, template  # the endpoint reads the key header itself
        for parameter in operation["parameters"]:
            if parameter["in"] == "query":  # a string or nothing, as the lane passes it
                assert parameter["schema"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
        endpoint = table[(method, template)].endpoint
        names = list(inspect.signature(endpoint).parameters)
        assert names[:2] == ["request", "order_id"] and len(names) == 2 + len(query), names


def test_no_other_route_answers_a_path_the_lane_takes(app: FastAPI) -> None:
    """FastAPI would route every path the lane takes to the same route: no other route of the
    same method matches one (a fixed word where an id goes, a longer template)."""
    taken = {(method, template) for method, template in ROUTES}
    for method, template in ROUTES:
        for order_id in (
            "0b1e0b9e-2f0c-4d36-9a4e-0c7a3e0e5b6f",
            "or_2OC51O5BycRRDboM4PPjYSz0vm5",
            "settlements",
            "search",
            "x",
        ):
            path = template.replace("{orderId}", order_id)
            for other in routes(app):
                if method in other.methods and (method, other.path) not in taken:
                    assert not other.path_regex.match(path), (path, other.path)
                if (method, other.path) == (method, template):
                    assert other.path_regex.match(path), (path, other.path)


@pytest.mark.parametrize(("method", "template"), ROUTES)
async def test_every_fast_route_refuses_alike(
    merchant: Merchant, router_app: FastAPI, method: str, template: str
) -> None:
    """No token, an order that does not exist, a body that is not JSON: the same answer
    both ways, for every route the lane serves (their successes: the dialects' API tests)."""
    walley = template.startswith("/manage/")
    auth = await (merchant.walley_headers() if walley else merchant.ledyer_headers())
    unknown = str(uuid.uuid4()) if walley else "or_2OC51O5BycRRDboM4PPjYSz0vm5"
    cases = [({}, unknown, b"{}"), (auth, unknown, b"{}")]
    if method != "GET":
        cases.append((auth, unknown, b"{not json"))
    transport = httpx.ASGITransport(app=router_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as routed:
        for headers, order_id, body in cases:
            path = template.replace("{orderId}", order_id)
            sent = {"content-type": "application/json", **headers}
            content = None if method == "GET" else body
            answers = [
                normalised(
                    await client.request(method, path, content=content, headers=sent), order_id
                )
                for client in (merchant.client, routed)
            ]
            assert answers[0] == answers[1], (path, headers.keys(), body)
            assert answers[0].status in (400, 401, 404), answers[0]
