"""The service config a channel carries: round-robin always, retries for idempotent methods only."""

from __future__ import annotations

import json

from yys.kit.rpc import RetryPolicy, ServiceSpec, service_config


def test_round_robin_and_retries_only_for_listed_methods() -> None:
    spec = ServiceSpec("yys.payment.v1.PaymentService", idempotent=frozenset({"GetPaidPayment"}))
    config = json.loads(service_config(spec, RetryPolicy(max_attempts=4)))
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    (method,) = config["methodConfig"]
    assert method["name"] == [{"service": spec.name, "method": "GetPaidPayment"}]
    assert method["retryPolicy"]["maxAttempts"] == 4
    assert method["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert "retryThrottling" in config


def test_no_idempotent_method_means_no_retry_policy() -> None:
    config = json.loads(service_config(ServiceSpec("yys.x.v1.Writes")))
    assert "methodConfig" not in config
