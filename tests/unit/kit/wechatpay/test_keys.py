from __future__ import annotations

import datetime
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from yys.kit.settings import Settings
from yys.kit.wechatpay import (
    KeyMaterialError,
    generate_api_v3_key,
    key_serial,
    load_private_key,
    load_public_key,
    public_key_pem,
)
from yys.kit.wechatpay.keys import check_api_v3_key
from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings, own_base_url


def test_public_key_from_pem_and_certificate(platform_key: rsa.RSAPrivateKey) -> None:
    pem = public_key_pem(platform_key)
    assert key_serial(load_public_key(pem)) == key_serial(platform_key)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wechatpay")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(platform_key.public_key()).serial_number(7)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(platform_key, hashes.SHA256()))
    from_cert = load_public_key(cert.public_bytes(serialization.Encoding.PEM))
    assert key_serial(from_cert) == key_serial(platform_key)
    assert len(key_serial(platform_key)) == 40


def test_rejects_bad_key_material() -> None:
    with pytest.raises(KeyMaterialError):
        load_private_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyMaterialError):
        load_public_key("not a key")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(KeyMaterialError):
        load_private_key(ec_pem)
    with pytest.raises(KeyMaterialError):
        check_api_v3_key(b"short")
    assert len(generate_api_v3_key()) == 32


def test_keyring_generates_into_data_dir_outside_prod(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, port=9999)
    ring = WxPayKeyring(WxPaySettings(), settings)
    assert key_serial(ring.platform_public_key) == key_serial(ring.platform_private_key)
    assert len(ring.api_v3_key) == 32
    assert ring.merchant_serial == key_serial(ring.merchant_private_key)
    assert ring.base_url == "http://127.0.0.1:9999/paysandbox"
    assert ring.notify_url.endswith("/payment/v1/thirdPayment/thirdPaymentWxPayCallback")
    key_file = tmp_path / "keys" / "wxpay-merchant-rsa.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A second keyring on the same data dir (the sandbox side) reads the same keys.
    again = WxPayKeyring(WxPaySettings(), settings)
    assert again.merchant_serial == ring.merchant_serial
    assert again.api_v3_key == ring.api_v3_key


def test_keyring_refuses_to_generate_in_prod(tmp_path: Path) -> None:
    ring = WxPayKeyring(WxPaySettings(), Settings(data_dir=tmp_path, env="prod"))
    with pytest.raises(KeyMaterialError, match="MERCHANT_PRIVATE_KEY"):
        _ = ring.merchant_private_key
    with pytest.raises(KeyMaterialError, match="API_V3_KEY"):
        _ = ring.api_v3_key
    assert not (tmp_path / "keys").exists()


def test_keyring_uses_configured_values(tmp_path: Path, merchant_key: rsa.RSAPrivateKey,
                                        platform_key: rsa.RSAPrivateKey) -> None:
    pem = merchant_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())
    platform_file = tmp_path / "platform.pem"
    platform_file.write_bytes(public_key_pem(platform_key))
    wx = WxPaySettings(merchant_private_key=SecretStr(pem.decode()), merchant_serial="ABC",
                       platform_public_key_file=platform_file, platform_serial="PS",
                       api_v3_key=SecretStr("k" * 32), base_url="https://api.example/",
                       notify_url="https://shop.example/cb")
    ring = WxPayKeyring(wx, Settings(data_dir=tmp_path, env="prod"))
    assert ring.merchant_serial == "ABC"
    assert ring.platform_serial == "PS"
    assert key_serial(ring.platform_public_key) == key_serial(platform_key)
    assert ring.api_v3_key == b"k" * 32
    assert ring.base_url == "https://api.example"
    assert ring.notify_url == "https://shop.example/cb"
    missing = WxPayKeyring(WxPaySettings(platform_public_key_file=tmp_path / "nope.pem"),
                           Settings(data_dir=tmp_path, env="prod"))
    with pytest.raises(KeyMaterialError):
        _ = missing.platform_public_key


def test_own_base_url() -> None:
    assert own_base_url(Settings(host="0.0.0.0", port=80)) == "http://127.0.0.1:80"
    assert own_base_url(Settings(public_base_url="https://yys.example/")) == "https://yys.example"
