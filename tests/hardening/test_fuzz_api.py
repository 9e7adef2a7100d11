"""Schemathesis over the OpenAPI document: every operation, with a valid
token of the role it is for: no server error, no response that breaks the
documented schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from chatsup.server.app import create_app
from tests.harness import World, make_settings

SPEC = create_app(make_settings(Path("/nonexistent"))).openapi()
schema = schemathesis.openapi.from_dict(SPEC)
EXAMPLES = int(os.environ.get("CHATSUP_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    w = World(
        tmp_path_factory.mktemp("fuzz"),
        server={"rate_per_visitor": 100000, "rate_per_ip": 100000, "sessions_per_ip": 100000},
    )
    v, s = w.visitor()
    with v:
        v.post("/v1/widget/messages", json={"body": "seed"})
    tokens = {
        "widget": s["token"],
        "agent": w.agent_token,
        "supervisor": w.sup_token,
        "monitoring": w.sup_token,
        "operator": None,
    }
    try:
        yield {"url": w.url, "tokens": tokens}
    finally:
        w.server.stop()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, fuzz_world: dict) -> None:
    tag = (case.operation.definition.raw.get("tags") or ["operator"])[0]
    token = fuzz_world["tokens"].get(tag)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    case.call_and_validate(
        base_url=fuzz_world["url"],
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance],
    )
