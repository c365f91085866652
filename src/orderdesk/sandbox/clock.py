"""Sandbox API for the stores' test clocks (admin token): ``GET /sandbox/stores/{storeId}/clock``
and ``POST /sandbox/stores/{storeId}/clock/advance`` (only forward), which answers once it has
run what fell due in between (``service/clock.py``), with what it ran."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, NotRequired

from fastapi import Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict  # pydantic refuses typing's before Python 3.12

from orderdesk.sandbox.errors import RESPONSES, envelope
from orderdesk.sandbox.routes import NAME, _check_admin
from orderdesk.service import clock
from orderdesk.service.clock import Advanced, Step
from orderdesk.store import clocks
from orderdesk.store.clocks import StoreClock
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME, tags=["Sandbox: test clocks"], dependencies=[Depends(require_json)], responses=RESPONSES
)

StoreId = Annotated[str, Path(alias="storeId")]
MAX_ADVANCE = int(clock.MAX_ADVANCE.total_seconds())
Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class AdvanceBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    seconds: int = Field(ge=1, le=MAX_ADVANCE, description="How far to move the clock forward")


class ClockAnswer(TypedDict):
    storeId: str
    now: Annotated[Time, Field(description="The store's now (UTC)")]
    offsetSeconds: Annotated[float, Field(description="How far ahead of the server's clock")]
    status: Annotated[
        Literal["ready", "advancing"],
        Field(description="advancing: an advance is running what fell due"),
    ]
    advancingSince: Annotated[
        Time | None, Field(description="When the advance began (the server's time)")
    ]


class StepAnswer(TypedDict):
    at: Annotated[Time, Field(description="When it fell due, on the store's clock")]
    kind: Literal["expire", "attempt"]
    orderId: str
    deliveryId: NotRequired[str]
    eventType: NotRequired[str]
    status: NotRequired[Annotated[int | None, Field(description="The answer's HTTP status")]]
    error: NotRequired[str | None]
    state: NotRequired[
        Annotated[
            Literal["delivered", "pending", "failed"],
            Field(description="The delivery's, after this attempt"),
        ]
    ]
    nextAttemptAt: NotRequired[Time | None]


class ProcessedAnswer(TypedDict):
    expired: Annotated[int, Field(description="Orders expired")]
    attempts: Annotated[int, Field(description="Notifications sent (each attempt)")]
    delivered: Annotated[int, Field(description="Attempts answered as delivered")]
    retrying: Annotated[int, Field(description="Failed attempts followed by another")]
    failed: Annotated[int, Field(description="Failed attempts that were the last")]


class AdvanceAnswer(ClockAnswer):
    processed: ProcessedAnswer
    steps: Annotated[
        list[StepAnswer],
        Field(description=f"What ran, in time order (the first {clock.MAX_STEPS})"),
    ]


def clock_view(found: StoreClock) -> ClockAnswer:
    since = found.advancing_since
    return {
        "storeId": found.store_id,
        "now": found.now.isoformat(),
        "offsetSeconds": found.offset.total_seconds(),
        "status": "ready" if since is None else "advancing",
        "advancingSince": None if since is None else since.isoformat(),
    }


def step_view(step: Step) -> StepAnswer:
    view: StepAnswer = {"at": step.at.isoformat(), "kind": "expire", "orderId": step.order_id}
    sent = step.sent
    if sent is not None:
        view["kind"] = "attempt"
        view["deliveryId"] = str(sent.delivery.id)
        view["eventType"] = sent.delivery.event_type
        view["status"] = sent.attempt.status
        view["error"] = sent.attempt.error
        view["state"] = sent.state
        view["nextAttemptAt"] = None if sent.next_at is None else sent.next_at.isoformat()
    return view


def advance_view(done: Advanced) -> AdvanceAnswer:
    tried = done.attempts
    return {
        **clock_view(done.clock),
        "processed": {
            "expired": done.expired,
            "attempts": sum(tried.values()),
            "delivered": tried["delivered"],
            "retrying": tried["pending"],
            "failed": tried["failed"],
        },
        "steps": [step_view(step) for step in done.steps],
    }


def _no_store(store_id: str) -> Response:
    return to_response(envelope(404, "STORE_NOT_FOUND", f"Store {store_id} was not found"))


@ROUTES.get(
    "/sandbox/stores/{storeId}/clock",
    summary="The store's test clock",
    responses={200: {"description": "The store's now", "model": ClockAnswer}},
)
async def get_clock(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        found = await clocks.get(conn, store_id)
    return _no_store(store_id) if found is None else to_response(json_answer(clock_view(found)))


@ROUTES.post(
    "/sandbox/stores/{storeId}/clock/advance",
    summary="Move the store's clock forward, running what falls due in between in time order",
    description=(
        "As Stripe's test clocks advance: the clock moves at once, then every expiry and "
        "notification attempt that falls due on the store's clock runs at its due time, in "
        "time order — each failed attempt's retry scheduled from its due time, so it may "
        "fall due and run too — and settlement days end. Answers once nothing is due, with "
        "what ran. Meanwhile the clock's status is `advancing`."
    ),
    responses={200: {"description": "The clock, and what ran", "model": AdvanceAnswer}},
    openapi_extra=json_body(AdvanceBody),
)
async def advance(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    body = parse(AdvanceBody, await request.body())
    state = request.app.state
    done = await clock.advance(
        state.uow,
        store_id,
        timedelta(seconds=body.seconds),
        timeout=state.settings.notification_timeout_seconds,
    )
    return _no_store(store_id) if done is None else to_response(json_answer(advance_view(done)))
