"""A user's exchange API keys: registered after the exchange vouches for them, sealed at rest,
limited by the user's plan, and watched for what their last use told.

Order of checks on creation: the input (422), then the exchange (1103, 1106: only someone who
holds the secret learns anything more), then whether the key is registered already (1109), then
the plan's limits (2129a, 2129b), decided under a lock on the user so that two concurrent
creations cannot both slip under a limit.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from tradedesk.domain.billing.subscriptions import Entitlements
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    DomainError,
    ErrorCode,
    InvalidValue,
    NotFound,
    SecretUnreadable,
)
from tradedesk.domain.keys.key_lists import (
    KEYS_CHANGED_TOPIC,
    ExchangeKeysChanged,
    KeyListCache,
)
from tradedesk.domain.keys.model import (
    ApiKeyStatus,
    ExchangeKey,
    KeyChanges,
    NewExchangeKey,
    SealedSecret,
    StrategyType,
)
from tradedesk.domain.keys.ports import KeysUnitOfWork, KeysUnitOfWorkFactory, SecretBox
from tradedesk.domain.market.exchange import ApiCredentials, AssetBalance
from tradedesk.domain.market.model import ExchangeId, TradeType, parse_exchange_id, parse_trade_type
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock, EventBus, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.transactions import in_transaction
from tradedesk.domain.validation import FieldCollector, parse_boolean

log = logging.getLogger("tradedesk.exchange_keys")

MAX_NAME_LENGTH = 25
MAX_API_KEY_LENGTH = 128
STABLECOINS = frozenset({"USDT", "USDC", "BUSD", "FDUSD", "TUSD", "DAI", "USD"})
T = TypeVar("T")


def parse_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidValue("must not be empty")
    if len(raw) > MAX_NAME_LENGTH:
        raise InvalidValue(f"length must be less than {MAX_NAME_LENGTH}")
    return raw


def _parse_credential(raw: object) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > MAX_API_KEY_LENGTH or not raw.isascii():
        raise InvalidValue("must be valid exchange API key")
    return raw


def _parse_strategy_type(raw: object) -> StrategyType:
    if isinstance(raw, str):
        try:
            return StrategyType(raw)
        except ValueError:
            pass
    raise InvalidValue("must be valid strategy type")


def _text(parse: Callable[[str], T]) -> Callable[[object], T]:
    """A parser of strings that refuses anything else with the parser's own message."""

    def parse_text(raw: object) -> T:
        return parse(raw if isinstance(raw, str) else "\0")

    return parse_text


def parse_new_key(body: Mapping[str, object]) -> NewExchangeKey:
    """Every field checked at once; AUTOMATED takes only FUTURES keys."""
    collector = FieldCollector()
    exchange_id = collector.parse("exchangeId", body.get("exchangeId"), _text(parse_exchange_id))
    trade_type = collector.parse("tradeType", body.get("tradeType"), _text(parse_trade_type))
    strategy_type = collector.parse("strategyType", body.get("strategyType"), _parse_strategy_type)
    if strategy_type is StrategyType.AUTOMATED and trade_type is TradeType.SPOT:
        collector.parse("tradeType", body.get("tradeType"), _refuse_automated_spot)
    active = True
    if "active" in body:  # an invalid one is reported below, by raise_if_invalid
        active = collector.parse("active", body["active"], parse_boolean) is not False
    name = collector.parse("name", body.get("name"), parse_name)
    api_key = collector.parse("apiKey", body.get("apiKey"), _parse_credential)
    secret = collector.parse("apiSecretKey", body.get("apiSecretKey"), _parse_credential)
    collector.raise_if_invalid()
    assert exchange_id and trade_type and strategy_type and name and api_key and secret
    return NewExchangeKey(
        exchange_id=exchange_id,
        trade_type=trade_type,
        strategy_type=strategy_type,
        name=name,
        active=bool(active),
        api_key=api_key,
        secret=secret,
    )


def _refuse_automated_spot(_raw: object) -> None:
    raise InvalidValue("cannot be assigned to AUTOMATED strategy")


def parse_key_changes(body: Mapping[str, object]) -> KeyChanges:
    """Only the name can change."""
    collector = FieldCollector()
    name = collector.parse("name", body["name"], parse_name) if "name" in body else None
    collector.raise_if_invalid()
    return KeyChanges(name=name)


class ExchangeKeys:
    def __init__(
        self,
        *,
        uow_factory: KeysUnitOfWorkFactory,
        gateway: ExchangeGateway,
        secrets: SecretBox,
        market: MarketService,
        clock: Clock,
        ids: Ids,
        entitlements: Entitlements,
        events: EventBus,
        key_lists: KeyListCache,
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._secrets = secrets
        self._market = market
        self._clock = clock
        self._ids = ids
        self._entitlements = entitlements
        self._events = events
        self._key_lists = key_lists
        # by key id: a key's api key and secret never change, so each is opened once (the
        # exchange's client for the key holds them in memory anyway)
        self._opened: dict[str, ApiCredentials] = {}

    async def list(self, caller: Principal) -> list[ExchangeKey]:
        kept = self._key_lists.get(caller.user_id)
        if kept is not None:
            return kept
        generation = self._key_lists.generation
        async with self._uow_factory() as uow:
            keys = await uow.exchange_keys.list_for_user(caller.user_id)
        self._key_lists.put(caller.user_id, keys, generation)
        return keys

    async def kept_list(self, caller: Principal) -> tuple[ExchangeKey, ...] | None:
        """The caller's list as kept in memory (read first if it is not), the same object for
        as long as it stands, so that what is computed from it can be cached under it. None
        when lists are not kept (nothing is read then), or when a change raced the read."""
        if not self._key_lists.enabled:
            return None
        kept = self._key_lists.kept(caller.user_id)
        if kept is None:
            await self.list(caller)
            kept = self._key_lists.kept(caller.user_id)
        return kept

    async def follow_changes(self) -> None:
        """Forgets the lists other processes changed, for as long as the process serves."""
        async for event in self._events.subscribe(KEYS_CHANGED_TOPIC):
            if isinstance(event, ExchangeKeysChanged):
                self._key_lists.forget(event.user_ids)

    async def _commit(self, uow: KeysUnitOfWork, user_ids: builtins.list[str]) -> None:
        """Commits a change to these users' keys, then has their lists read again, even when
        the commit's answer is lost (it may have committed)."""
        try:
            await uow.commit()
        finally:
            self._changed(user_ids)

    def _changed(self, user_ids: builtins.list[str]) -> None:
        """After a change to these users' keys is committed: their lists are read again, here
        at once and in other processes as the event reaches them."""
        if user_ids:
            self._key_lists.forget(user_ids)
            self._events.publish(KEYS_CHANGED_TOPIC, ExchangeKeysChanged(user_ids))

    async def get(self, caller: Principal, key_id: str) -> ExchangeKey:
        """The caller's key as the database has it, for acting with it (an order, a setting,
        a follow): another user's key is as missing as one that never existed."""
        async with self._uow_factory().reading() as uow:
            key = await uow.exchange_keys.get(caller.user_id, key_id)
        if key is None:
            raise NotFound("exchange key")
        return key

    async def listed(self, caller: Principal, key_id: str) -> ExchangeKey:
        """The caller's key as their kept list has it, for reads (open orders, history, a
        position, balances): the list stands for the database as `list` does (a change
        through the app at once, one outside it within TRADEDESK_KEY_LIST_CACHE_SECONDS),
        and spares each read a statement. Not for acting: a status a moment old must not
        decide whether an order may go, nor whether its success is recorded."""
        for key in await self.list(caller):
            if key.id == key_id:
                return key
        raise NotFound("exchange key")

    async def create(self, caller: Principal, new: NewExchangeKey) -> ExchangeKey:
        credentials = ApiCredentials(new.exchange_id, new.trade_type, new.api_key, new.secret)
        permissions = await self._gateway.check_key(credentials)
        if permissions.can_withdraw:
            log.warning("user %s: refused an exchange key that can withdraw funds", caller.user_id)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
        balance_usd = await self.value_usd(await self._gateway.fetch_balances(credentials))
        await self.total_usd(caller)  # the other keys' balances, fresh where possible
        now = self._clock.now()
        key = ExchangeKey(
            id=self._ids.new_id(),
            user_id=caller.user_id,
            exchange_id=new.exchange_id,
            trade_type=new.trade_type,
            strategy_type=new.strategy_type,
            name=new.name,
            api_key=new.api_key,
            api_key_status=ApiKeyStatus.AUTHORIZED,
            active=new.active,
            ip_restricted=permissions.ip_restricted,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            await uow.users.lock(caller.user_id)  # concurrent creations queue up here
            if await uow.exchange_keys.api_key_registered(new.api_key):
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_ALREADY_EXISTS)
            plan = await self._entitlements.plan_of(uow, caller.user_id)
            plan.admit_key(
                keys_held=len(await uow.exchange_keys.list_for_user(caller.user_id)),
                active_usd=await uow.exchange_keys.active_balance_usd(caller.user_id),
                key_usd=balance_usd,
                key_active=new.active,
            )
            await uow.exchange_keys.add(
                key, self._secrets.seal(new.secret), balance_usd=balance_usd, checked_at=now
            )
            await self._commit(uow, [caller.user_id])
        return key

    async def rename(self, caller: Principal, key_id: str, changes: KeyChanges) -> ExchangeKey:
        async def rename(uow: KeysUnitOfWork) -> ExchangeKey:
            if await uow.exchange_keys.get(caller.user_id, key_id) is None:
                raise NotFound("exchange key")
            if changes.name is not None:
                await uow.exchange_keys.rename(key_id, changes.name, now=self._clock.now())
            key = await uow.exchange_keys.get(caller.user_id, key_id)
            assert key is not None
            return key

        try:
            return await in_transaction(self._uow_factory, rename)
        finally:  # committed, or perhaps committed: read the list again either way
            self._changed([caller.user_id])

    async def delete(self, caller: Principal, key_id: str) -> None:
        """Removes the key and its sealed secret; the exchange client for it is closed."""
        async with self._uow_factory() as uow:
            key = await uow.exchange_keys.get(caller.user_id, key_id)
            if key is None:
                raise NotFound("exchange key")
            credentials = await self._credentials(uow, key)
            await uow.exchange_keys.delete(key_id)
            await self._commit(uow, [caller.user_id])
        self._opened.pop(key_id, None)
        await self._gateway.release(credentials)

    async def reseal_secrets(self) -> int:
        """Re-seals under the newest box key every secret an older one sealed (key rotation:
        afterwards the older key can be retired). Returns how many were re-sealed."""
        async with self._uow_factory() as uow:
            stale = await uow.exchange_keys.sealed_secrets_not_under(self._secrets.newest_key_id)
            for key_id, sealed in stale:
                await uow.exchange_keys.reseal(
                    key_id, self._secrets.seal(self._secrets.open(sealed))
                )
            await uow.commit()
        return len(stale)

    async def balance(self, caller: Principal, key_id: str) -> builtins.list[AssetBalance]:
        found = (await self.balances_of(caller, [key_id]))[key_id]
        if isinstance(found, DomainError):
            raise found
        return found

    async def balances_of(
        self, caller: Principal, key_ids: builtins.list[str]
    ) -> dict[str, builtins.list[AssetBalance] | DomainError]:
        """Each key's balances, read from the exchange concurrently, or why not (NotFound for
        a foreign or missing id). Any number of keys costs the same few SQL statements: one
        read, one write transaction recording statuses and USD values."""
        async with self._uow_factory() as uow:
            owned = {k.id: k for k in await uow.exchange_keys.list_for_user(caller.user_id)}
            keys = [owned[key_id] for key_id in dict.fromkeys(key_ids) if key_id in owned]
            sealed = await uow.exchange_keys.sealed_secrets([key.id for key in keys])
        fetched = await asyncio.gather(
            *(self._gateway.fetch_balances(self._open(key, sealed[key.id])) for key in keys),
            return_exceptions=True,
        )
        results: dict[str, builtins.list[AssetBalance] | DomainError] = {
            key_id: NotFound("exchange key") for key_id in key_ids
        }
        statuses: dict[str, ApiKeyStatus] = {}
        values: dict[str, float] = {}
        for key, found in zip(keys, fetched, strict=True):
            if isinstance(found, BusinessRuleViolation):
                statuses[key.id] = _status_after(found)
            elif isinstance(found, BaseException):
                raise found
            else:
                statuses[key.id] = ApiKeyStatus.AUTHORIZED
                values[key.id] = await self.value_usd(found)
            results[key.id] = found
        async with self._uow_factory() as uow:
            changed = await uow.exchange_keys.record_reads(statuses, values, now=self._clock.now())
            await self._commit(uow, changed)
        return results

    async def total_usd(self, caller: Principal) -> float:
        """The USD value of the caller's active keys, read from the exchange concurrently; a
        key the exchange cannot answer for now counts at its last known value."""
        active = [key.id for key in await self.list(caller) if key.active]
        await self.balances_of(caller, active)
        async with self._uow_factory() as uow:
            return round(await uow.exchange_keys.active_balance_usd(caller.user_id), 8)

    async def value_usd(self, balances: builtins.list[AssetBalance]) -> float:
        """Stablecoins at 1; other assets at their spot USDT price; unlisted ones at 0."""
        total = 0.0
        for balance in balances:
            if balance.asset in STABLECOINS:
                total += balance.total
                continue
            try:
                ticker = await self._market.ticker(
                    exchange_id=ExchangeId.BINANCE,
                    trade_type=TradeType.SPOT,
                    symbol=f"{balance.asset}/USDT",
                )
            except BusinessRuleViolation:
                log.info("no USDT market to value %s; counted as 0", balance.asset)
                continue
            total += balance.total * ticker.last
        return total

    async def use(
        self,
        key: ExchangeKey,
        call: Callable[[ApiCredentials], Awaitable[T]],
        *,
        credentials: ApiCredentials | None = None,
    ) -> T:
        """Calls the exchange with the key (opened here unless `credentials` were, by
        `open_many`) and records what the call told of it: a key the exchange refuses becomes
        UNAUTHORIZED and inactive."""
        if credentials is None:
            async with self._uow_factory() as uow:
                credentials = await self._credentials(uow, key)
        try:
            result = await call(credentials)
        except BusinessRuleViolation as refused:
            await self._record_status(key, _status_after(refused))
            raise
        await self._record_status(key, ApiKeyStatus.AUTHORIZED)
        return result

    async def open_many(
        self, key_ids: builtins.list[str]
    ) -> dict[str, tuple[ExchangeKey, ApiCredentials | None]]:
        """Keys by id as they stand, with their credentials, for background jobs acting for
        the keys' owners; one statement, two while a key's secret is still to be opened.
        Missing ids are left out; a key whose secret cannot be opened comes without
        credentials (logged), so one such key never holds up the others' work."""
        cached = {key_id: self._opened[key_id] for key_id in key_ids if key_id in self._opened}
        async with self._uow_factory() as uow:
            keys = await uow.exchange_keys.get_many(key_ids)
            unopened = [key.id for key in keys if key.id not in cached]
            sealed = await uow.exchange_keys.sealed_secrets(unopened) if unopened else {}
        for gone in set(cached) - {key.id for key in keys}:  # deleted, by another process too
            self._opened.pop(gone, None)
        opened: dict[str, tuple[ExchangeKey, ApiCredentials | None]] = {}
        for key in keys:
            try:
                credentials = cached.get(key.id) or self._open(key, sealed[key.id])
                opened[key.id] = (key, credentials)
            except SecretUnreadable as unreadable:
                log.error("key %s: %s", key.id, unreadable)
                opened[key.id] = (key, None)
        return opened

    async def _credentials(self, uow: KeysUnitOfWork, key: ExchangeKey) -> ApiCredentials:
        if key.id in self._opened:
            return self._opened[key.id]
        return self._open(key, await uow.exchange_keys.sealed_secret(key.id))

    def _open(self, key: ExchangeKey, sealed: SealedSecret) -> ApiCredentials:
        """The only place a secret is opened: in memory, kept by key id."""
        secret = self._secrets.open(sealed)
        credentials = ApiCredentials(key.exchange_id, key.trade_type, key.api_key, secret)
        self._opened[key.id] = credentials
        return credentials

    async def _record_status(self, key: ExchangeKey, status: ApiKeyStatus) -> None:
        if status is key.api_key_status:
            return
        async with self._uow_factory() as uow:
            await uow.exchange_keys.set_status(key.id, status, now=self._clock.now())
            await self._commit(uow, [key.user_id])


def _status_after(refused: BusinessRuleViolation) -> ApiKeyStatus:
    """Refused credentials make a key UNAUTHORIZED; any other failure, FAILED."""
    if refused.code is ErrorCode.EXCHANGE_AUTHORIZATION_FAILED:
        return ApiKeyStatus.UNAUTHORIZED
    return ApiKeyStatus.FAILED
