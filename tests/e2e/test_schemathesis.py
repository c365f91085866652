"""Schemathesis fuzzes every API of a real server from the app's own OpenAPI document.

Every generated request, valid or not, must get a documented status, content type, headers
and body — never a 5xx — and the server must log no unhandled error. Requests go to real
merchants, stores and orders (some part-captured) so writes reach the domain rules and succeed
now and then; the stateful phase follows the document's links from the sandbox's creations to
the operations on what they created.
"""

from __future__ import annotations

import base64
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from schemathesis import Case
from schemathesis.auths import AuthContext
from schemathesis.config import SchemathesisConfig
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.hooks import HookContext

from orderdesk.app import create_app
from orderdesk.config import Settings
from tests.support.database import NewDatabase
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SHOES, TSHIRTS, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

DOCUMENT = create_app(Settings(database_url="postgresql://unused")).openapi()
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261125,
        "generation": {"max-examples": 10, "deterministic": True, "allow-x00": False},
        "checks": {
            # A request the schema allows may still break a business rule (422), meet an
            # order whose state forbids it (409) or an invoice link that has expired (410);
            # it must never be refused as malformed (400).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "410", "422"]
            }
        },
        "operations": [
            {
                # Klarna answers a value its rules refuse (lines whose amounts do not add
                # up, …) 400 BAD_VALUE, as its error codes document; refusals of state, 403;
                # a key used before on another path, 409.
                "include-path-regex": "^/ordermanagement/",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409"]
                    }
                },
            }
        ],
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
#: Cases sent, per phase (examples, coverage, fuzzing, stateful).
SENT: Counter[str] = Counter()


def api_of(path: str) -> str | None:
    for prefix, api in (
        ("/manage/", "walley"),
        ("/v1/", "ledyer"),
        ("/ordermanagement/", "klarna"),
        ("/checkout/v3/", "klarna"),
        ("/sandbox/", "sandbox"),
    ):
        if path.startswith(prefix):
            return api
    return None


#: How each API takes its credential: Klarna's is HTTP Basic, the others a bearer token.
SCHEMES = {"klarna": "Basic"}


ORIGIN: list[str] = []  # the server's URL, set by the `targets` fixture
TOKENS: dict[str, str] = {}  # API → its credential, set by the `targets` fixture
MERCHANT: dict[str, str] = {}  # the merchant whose credential the tokens are issued to
#: Path parameter → real values to aim at in turn, per API; set by the `targets` fixture.
TARGETS: dict[str, dict[str, Iterator[str]]] = {}


@schema.auth(refresh_interval=None)
class ApiToken:
    """Authorization for the API; schemathesis also sends requests without it (401).

    Some cases are generated while tests are collected, before the server runs, so the
    header names the API and the test puts the real token in its place.
    """

    def get(self, case: Case[Any], ctx: AuthContext) -> str | None:
        return api_of(case.path)

    def set(self, case: Case[Any], data: str | None, ctx: AuthContext) -> None:
        if data is not None:
            case.headers["Authorization"] = f"{SCHEMES.get(data, 'Bearer')} {data}"


def authorize(case: Case[Any]) -> None:
    """The real token in place of the API's name."""
    scheme, _, name = str(case.headers.get("Authorization", "")).partition(" ")
    if name in TOKENS:
        case.headers["Authorization"] = f"{scheme} {TOKENS[name]}"


def aim(case: Case[Any]) -> None:
    """Real ids in place of generated ones."""
    targets = TARGETS.get(api_of(case.path) or "", {})
    parameters = case.path_parameters or {}
    for parameter in parameters.keys() & targets.keys():
        parameters[parameter] = next(targets[parameter])


def whole_numbers_as_integers(body: object) -> object:
    """``9500.0`` → ``9500``. JSON Schema counts 9500.0 as an integer; Ledyer's wire format
    does not (a 400, see providers/ledyer/tests/test_ledyer_capture.py), and clients write
    9500."""
    if isinstance(body, float) and body.is_integer():
        return int(body)
    if isinstance(body, list):
        return [whole_numbers_as_integers(item) for item in body]
    if isinstance(body, dict):
        return {key: whole_numbers_as_integers(value) for key, value in body.items()}
    return body


@schema.hook
def map_body(context: HookContext, body: object) -> object:
    return whole_numbers_as_integers(body)


@schema.hook
def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
    """Count the case; take back a fault at once (a fault's 5xx is what it was asked for)."""
    SENT[case.meta.phase.name.value if case.meta else "explicit"] += 1
    if case.path == "/sandbox/faults" and case.method.upper() == "POST":
        httpx.delete(f"{ORIGIN[0]}/sandbox/faults", headers=ADMIN, timeout=30)


@pytest.fixture(scope="module")
async def fuzzed(
    new_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Server]:
    """A server of its own: the fuzzer adds faults, resets stores and moves clocks, and sends
    wrong secrets by design, so the limit on them (``ORDERDESK_AUTH_FAILURE_LIMIT``, where the
    server has one) is off — over it, every answer would be a 429."""
    log = tmp_path_factory.mktemp("fuzzed") / "server.log"
    running = Server(await new_database(), log, env={"ORDERDESK_AUTH_FAILURE_LIMIT": "0"})
    await running.start()
    yield running
    running.stop()
    assert running.errors() == [], Path(running.log).read_text()


@pytest.fixture(scope="module")
async def targets(fuzzed: Server) -> AsyncIterator[None]:
    """Real orders per dialect (fresh ones and a part-captured one), and a merchant, a store
    and orders of the sandbox's own to close, reset and move the clock of."""
    ORIGIN.append(fuzzed.url)
    async with httpx.AsyncClient(base_url=fuzzed.url, timeout=30) as client:
        merchant = await new_merchant(client)
        walley = [await merchant.order("walley", [SHOES, TSHIRTS]) for _ in range(3)]
        ledyer = [await merchant.order("ledyer", [SHOES, TSHIRTS]) for _ in range(3)]
        merchant.stores["klarna"] = await merchant.store("klarna")
        klarna = [await merchant.order("klarna", [SHOES, TSHIRTS]) for _ in range(3)]
        MERCHANT.update(
            id=merchant.merchant_id, client_id=merchant.client_id, secret=merchant.client_secret
        )
        with httpx.Client(base_url=fuzzed.url, timeout=30) as sync:
            TOKENS.update(issue_tokens(sync), sandbox=ADMIN_TOKEN)
        await part_capture(client, walley[0]["orderId"], ledyer[0], klarna[0]["orderId"])
        playground = await new_merchant(client)
        store = playground.stores["walley"]
        closable = [await playground.order("walley", [SHOES]) for _ in range(3)]
        TARGETS["walley"] = {"orderId": itertools.cycle(o["orderId"] for o in walley)}
        TARGETS["ledyer"] = {"orderId": itertools.cycle(o["orderId"] for o in ledyer)}
        TARGETS["klarna"] = {"orderId": itertools.cycle(o["orderId"] for o in klarna)}
        TARGETS["sandbox"] = {
            "merchantId": itertools.repeat(playground.merchant_id),
            "storeId": itertools.repeat(store),
            "orderId": itertools.cycle(o["orderId"] for o in closable),
        }
        yield
    TOKENS.clear()
    MERCHANT.clear()
    TARGETS.clear()
    ORIGIN.clear()
    print(f"schemathesis cases sent per phase: {dict(SENT)}")


def issue_tokens(client: httpx.Client) -> dict[str, str]:
    """A token per dialect for ``MERCHANT``'s credential (Klarna's: the Basic pair)."""
    client_id, secret = MERCHANT["client_id"], MERCHANT["secret"]
    form = {"client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}
    walley = client.post("/oauth2/v2.0/token", data=form)
    grant = {"grant_type": "client_credentials"}
    ledyer = client.post("/oauth/token", data=grant, auth=(client_id, secret))
    assert walley.status_code == ledyer.status_code == 200, (walley.text, ledyer.text)
    return {
        "walley": walley.json()["access_token"],
        "ledyer": ledyer.json()["access_token"],
        "klarna": base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
    }


async def part_capture(
    client: httpx.AsyncClient, walley_id: str, ledyer: dict[str, Any], klarna_id: str
) -> None:
    """Capture part of one order per dialect, so GET answers show a capture."""
    auth = {"authorization": f"Bearer {TOKENS['walley']}"}
    r = await client.post(f"/manage/orders/{walley_id}/capture", json={"amount": 50}, headers=auth)
    assert r.status_code == 202, r.text
    shoes = {**SHOES, "id": ledyer["lineIds"][0]}
    body = {"orderLines": [shoes], "totalCaptureAmount": SHOES["totalAmount"]}
    auth = {"authorization": f"Bearer {TOKENS['ledyer']}"}
    r = await client.post(f"/v1/orders/{ledyer['orderId']}/partialcapture", json=body, headers=auth)
    assert r.status_code == 200, r.text
    auth = {"authorization": f"Basic {TOKENS['klarna']}"}
    path = f"/ordermanagement/v1/orders/{klarna_id}/captures"
    r = await client.post(path, json={"captured_amount": 50}, headers=auth)
    assert r.status_code == 201, r.text


@schema.parametrize()
@hypothesis.settings(
    # Some operations' schemas (a body of thousands of lines, headers with patterns) make
    # Hypothesis discard many drafts before it finds one; that is no fault of the server.
    suppress_health_check=[hypothesis.HealthCheck.filter_too_much, hypothesis.HealthCheck.too_slow]
)
def test_every_operation_answers_as_documented(case: Case[Any], targets: None) -> None:
    authorize(case)
    aim(case)
    case.call_and_validate(base_url=ORIGIN[0])


def realistic(case: Case[Any]) -> None:
    """Valid stores and orders in place of generated ones where the schema allows them.

    JSON Schema cannot say that a currency exists or that totals add up, so generated stores
    and orders are nearly always refused and the links from them would lead nowhere; and a
    store is made for the merchant whose token the dialects' calls carry.
    """
    body = case.body
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if not (positive and isinstance(body, dict) and case.method.upper() == "POST"):
        return
    if case.path == "/sandbox/merchants/{merchantId}/stores":
        case.path_parameters = {**(case.path_parameters or {}), "merchantId": MERCHANT["id"]}
        case.body = {**body, "currency": "SEK"}
        case.body.pop("storeId", None)
    if case.path == "/sandbox/orders":
        lines = [SHOES, TSHIRTS]
        total = sum(line["totalAmount"] for line in lines)
        case.body = {**body, "orderLines": lines, "totalOrderAmount": total}
        case.body.pop("totalOrderVatAmount", None)


def refresh_tokens(case: Case[Any], response: Response) -> None:
    """New tokens after a store is made: a token lists the stores when it is issued."""
    if case.path == "/sandbox/merchants/{merchantId}/stores" and response.status_code == 201:
        with httpx.Client(base_url=ORIGIN[0], timeout=30) as client:
            TOKENS.update(issue_tokens(client))


def test_linked_operations_answer_as_documented(targets: None) -> None:
    """The stateful phase: sequences of calls along the document's links (merchant → store →
    order → the dialects' operations on it)."""

    class Linked(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Case[Any]) -> None:
            authorize(case)
            realistic(case)

        def after_call(self, response: Response, case: Case[Any]) -> None:
            super().after_call(response, case)
            refresh_tokens(case, response)

        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"base_url": ORIGIN[0]}

    Linked.run(
        settings=hypothesis.settings(
            max_examples=15, deadline=None, database=None, derandomize=True
        )
    )
