"""A plan is the one place that says what it allows: how many keys, how much active balance,
and whether automated strategies may be followed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BASIC = Plan(
    id="basic",
    name="Basic",
    monthly_price_usd=29.0,
    max_balance_usd=10_000,
    max_api_key=2,
    strategy_automated=False,
    public=True,
    created_at=NOW,
    updated_at=NOW,
)


def refusal(check) -> ErrorCode:
    with pytest.raises(BusinessRuleViolation) as refused:
        check()
    return refused.value.code


def test_a_key_within_the_count_and_the_balance_is_admitted():
    BASIC.admit_key(keys_held=1, active_usd=4_000.0, adding_usd=6_000.0)  # exactly the limit


def test_one_key_past_the_plan_count_is_refused():
    code = refusal(lambda: BASIC.admit_key(keys_held=2, active_usd=0.0, adding_usd=0.0))
    assert code is ErrorCode.SUBSCRIPTION_API_KEY_LIMIT


def test_active_balance_past_the_plan_is_refused():
    code = refusal(lambda: BASIC.admit_key(keys_held=1, active_usd=4_000.0, adding_usd=6_000.01))
    assert code is ErrorCode.SUBSCRIPTION_BALANCE_LIMIT


def test_an_inactive_key_adds_no_balance_however_full_the_plan():
    BASIC.admit_key(keys_held=1, active_usd=10_000.0, adding_usd=0.0)


def test_the_key_count_is_checked_before_the_balance():
    code = refusal(lambda: BASIC.admit_key(keys_held=5, active_usd=1e9, adding_usd=1e9))
    assert code is ErrorCode.SUBSCRIPTION_API_KEY_LIMIT


def test_only_a_plan_with_automation_may_follow_strategies():
    assert refusal(BASIC.admit_automation) is ErrorCode.UNAUTHORIZED_SUBSCRIPTION_FEATURES
    replace(BASIC, strategy_automated=True).admit_automation()
