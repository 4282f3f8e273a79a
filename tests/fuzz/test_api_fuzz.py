"""Short API fuzz (`./mes fuzz api` is the long one): schemathesis against the gateway's
merged OpenAPI document as every role — no 5xx, only documented statuses and bodies."""

from __future__ import annotations

from typing import Any

import pytest
from mes_cli import fuzz_api
from mes_cli.stack import Stack

EXAMPLES = 3  # valid and invalid cases per operation: ~330 requests per role
SEED = 11  # the same cases every run: CI must not flake on a newly drawn input


@pytest.fixture(scope="module")
def schema(fuzz_stack: Stack) -> Any:
    fuzz_api.prepare(fuzz_stack.gateway_url)
    return fuzz_api.load_schema(fuzz_stack.gateway_url)


@pytest.mark.parametrize("role", list(fuzz_api.ACCOUNTS))
def test_no_server_error_and_only_documented_answers(
    fuzz_stack: Stack, schema: Any, role: str
) -> None:
    report = fuzz_api.fuzz_role(schema, fuzz_stack.gateway_url, role, examples=EXAMPLES, seed=SEED)
    print(fuzz_api.summary_line(report))
    assert report.failures == 0, fuzz_api.describe(report)
    # Every service's routes were reached, each with valid and invalid cases.
    assert report.operations >= 50
    assert report.cases >= 2 * report.operations
    dead = [n for n, s in fuzz_stack.services.items() if s.process.poll() is not None]
    assert not dead, f"died while fuzzed: {dead}"


def test_the_document_describes_the_contract_error_body(schema: Any) -> None:
    for result in schema.get_all_operations():
        responses = result.ok().definition.raw["responses"]
        assert "422" not in responses  # FastAPI's default; validation errors are 400
        for status in ("4XX", "5XX"):
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorBody"
