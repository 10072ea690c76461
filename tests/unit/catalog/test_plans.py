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


def admit(keys_held: int, active_usd: float, key_usd: float, key_active: bool = True) -> None:
    BASIC.admit_key(
        keys_held=keys_held, active_usd=active_usd, key_usd=key_usd, key_active=key_active
    )


def test_a_key_within_the_count_and_the_balance_is_admitted():
    admit(1, 4_000.0, 6_000.0)  # exactly the limit


def test_one_key_past_the_plan_count_is_refused():
    assert refusal(lambda: admit(2, 0.0, 0.0)) is ErrorCode.SUBSCRIPTION_API_KEY_LIMIT


def test_active_balance_past_the_plan_is_refused():
    assert refusal(lambda: admit(1, 4_000.0, 6_000.01)) is ErrorCode.SUBSCRIPTION_BALANCE_LIMIT


def test_an_empty_active_key_is_refused_when_the_balance_is_past_the_plan_already():
    # after a downgrade the keys held may carry more than the new plan allows
    assert refusal(lambda: admit(1, 12_000.0, 0.0)) is ErrorCode.SUBSCRIPTION_BALANCE_LIMIT


def test_an_inactive_key_adds_no_balance_however_full_the_plan():
    admit(1, 12_000.0, 5_000.0, key_active=False)


def test_the_key_count_is_checked_before_the_balance():
    assert refusal(lambda: admit(5, 1e9, 1e9)) is ErrorCode.SUBSCRIPTION_API_KEY_LIMIT


def test_only_a_plan_with_automation_may_follow_strategies():
    assert refusal(BASIC.admit_automation) is ErrorCode.UNAUTHORIZED_SUBSCRIPTION_FEATURES
    replace(BASIC, strategy_automated=True).admit_automation()
