"""Failures of the WeChat Pay v3 crypto, one type per reason so callers can log and map them.

All derive from `WechatPayError`; a caller that only needs "reject this message" catches that.
Messages name the reason, never key material.
"""

from __future__ import annotations


class WechatPayError(Exception):
    """Base of every failure raised by `yys.kit.wechatpay`."""


class MalformedMessageError(WechatPayError):
    """Missing header or field, bad base64, bad JSON, or a value of the wrong shape."""


class SignatureError(WechatPayError):
    """The RSA-SHA256 signature does not verify with the expected public key."""


class SerialMismatchError(WechatPayError):
    """The message names a key serial other than the one we trust."""


class StaleTimestampError(WechatPayError):
    """The signed timestamp is outside the replay window (too old or too far in the future)."""


class DecryptionError(WechatPayError):
    """AES-256-GCM authentication failed: tampered ciphertext/associated data or a wrong key."""


class KeyMaterialError(WechatPayError):
    """A key could not be loaded (bad PEM, wrong type or size) or is missing where required."""
