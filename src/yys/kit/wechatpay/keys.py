"""RSA and API v3 key helpers: generate, load from PEM, derive a serial, persist in a data dir."""

from __future__ import annotations

import hashlib
import os
import secrets
import string
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from yys.kit.wechatpay.errors import KeyMaterialError

RSA_BITS = 2048
API_V3_KEY_BYTES = 32
_ALPHABET = string.ascii_letters + string.digits


def generate_private_key_pem(bits: int = RSA_BITS) -> bytes:
    """A fresh RSA private key as unencrypted PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def generate_api_v3_key() -> bytes:
    """A 32-character key like the ones merchants set in the WeChat Pay console."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(API_V3_KEY_BYTES)).encode()


def load_private_key(pem: bytes | str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM; anything else is `KeyMaterialError`."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError("not an unencrypted PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyMaterialError("the private key is not RSA")
    return key


def load_public_key(pem: bytes | str) -> rsa.RSAPublicKey:
    """An RSA public key from a PEM public key or a PEM X.509 certificate (WeChat's platform
    certificates are certificates; the newer platform public keys are plain keys)."""
    data = pem.encode() if isinstance(pem, str) else pem
    key: object
    try:
        if b"BEGIN CERTIFICATE" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise KeyMaterialError("not a PEM public key or certificate") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyMaterialError("the public key is not RSA")
    return key


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> bytes:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def key_serial(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    """A stable 40-hex-digit serial for a key we generated ourselves (real serials come from
    the certificate or the merchant console and are configured, not derived)."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def check_api_v3_key(key: bytes) -> bytes:
    if len(key) != API_V3_KEY_BYTES:
        raise KeyMaterialError(f"the API v3 key must be {API_V3_KEY_BYTES} bytes")
    return key


def load_or_create_private_key_pem(path: Path) -> bytes:
    """Read the RSA key at `path`, creating it (mode 0600) on first use."""
    return _load_or_create(path, generate_private_key_pem)


def load_or_create_api_v3_key(path: Path) -> bytes:
    """Read the API v3 key at `path`, creating it (mode 0600) on first use."""
    return check_api_v3_key(_load_or_create(path, generate_api_v3_key).strip())


def _load_or_create(path: Path, generate: Callable[[], bytes]) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process sharing the data dir created it first: use theirs.
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return data
