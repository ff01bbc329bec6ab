"""RSA keys are slow to generate: one set per test session."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit.wechatpay import generate_private_key_pem, load_private_key


@pytest.fixture(scope="session")
def platform_key() -> rsa.RSAPrivateKey:
    return load_private_key(generate_private_key_pem())


@pytest.fixture(scope="session")
def merchant_key() -> rsa.RSAPrivateKey:
    return load_private_key(generate_private_key_pem())


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return load_private_key(generate_private_key_pem())


@pytest.fixture
def api_v3_key() -> bytes:
    return b"0123456789abcdefABCDEF0123456789"
