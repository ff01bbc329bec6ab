"""Pure rules of admin: input, roles, paging, lockout arithmetic, the last-superadmin rule."""

from __future__ import annotations

import pytest

from yys.contracts.admin import AdminRole
from yys.kit.errors import BadRequest
from yys.services.admin.domain import (
    PAGE_SIZE_MAX,
    InvalidPassword,
    InvalidRole,
    InvalidUsername,
    LastSuperadmin,
    LoginPolicy,
    Manager,
    ManagerChange,
    SelfDelete,
    StaleVersion,
    audit_state,
    ensure_not_self,
    ensure_superadmin_remains,
    ensure_version,
    login_input_acceptable,
    non_negative,
    page_request,
    parse_role,
    positive_id,
    removes_active_superadmin,
    validate_password,
    validate_username,
)


def manager(**kw: object) -> Manager:
    values: dict[str, object] = dict(id=1, username="alice", password_hash="h", role=AdminRole.SUPERADMIN,
                                     disabled=False, failed_logins=0, locked_until=0, version=3,
                                     create_time=100, update_time=200)
    values.update(kw)
    return Manager(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["abc", "ops.team-1", "a_b", "x" * 32, "  bob  "])
def test_valid_usernames(name: str) -> None:
    assert validate_username(name) == name.strip()


@pytest.mark.parametrize("name", ["", "ab", "x" * 33, "名字名字", "a b", "a;DROP", "a'--", "ｂｏｂ"])
def test_invalid_usernames(name: str) -> None:
    with pytest.raises(InvalidUsername):
        validate_username(name)


def test_usernames_are_case_insensitive() -> None:
    assert validate_username(" Ops.Team-1 ") == "ops.team-1"


def test_password_length_counts_characters() -> None:
    assert validate_password("密码密码密码密码") == "密码密码密码密码"
    assert validate_password("x" * 64)
    for bad in ("", "1234567", "x" * 65):
        with pytest.raises(InvalidPassword):
            validate_password(bad)


def test_login_input_only_bounded() -> None:
    assert login_input_acceptable("a", "b")
    assert not login_input_acceptable("", "password")
    assert not login_input_acceptable("alice", "")
    assert not login_input_acceptable("alice", "x" * 65)
    assert not login_input_acceptable("x" * 33, "password")


def test_roles_parse_by_name_and_are_ordered() -> None:
    assert parse_role("Operator") is AdminRole.OPERATOR
    assert AdminRole.VIEWER < AdminRole.OPERATOR < AdminRole.SUPERADMIN
    for bad in ("", "root", "VIEWER ", "1"):
        with pytest.raises(InvalidRole):
            parse_role(bad)


def test_paging_defaults_caps_and_refusals() -> None:
    assert page_request(None, None) == page_request(1, 20) == page_request(1, 0)
    assert page_request(3, 10).offset == 20
    assert page_request(1, 10**9).page_size == PAGE_SIZE_MAX
    for page, size in ((0, 20), (-1, 20), (10**7, 20), (1, -5)):
        with pytest.raises(BadRequest):
            page_request(page, size)


def test_ids_and_filters_are_range_checked() -> None:
    assert positive_id(5) == 5
    for bad in (0, -1, 2**63):
        with pytest.raises(BadRequest):
            positive_id(bad)
    assert non_negative(None, "x") is None
    assert non_negative(0, "x") == 0
    with pytest.raises(BadRequest):
        non_negative(-1, "x")


def test_lockout_arithmetic() -> None:
    policy = LoginPolicy(max_failures=3, lockout_seconds=900)
    assert policy.after_failure(0, 1000) == (1, 0)
    assert policy.after_failure(1, 1000) == (2, 0)
    # The third failure locks and starts the count afresh.
    assert policy.after_failure(2, 1000) == (0, 1900)
    assert policy.retry_after(manager(locked_until=1900), 1000) == 900
    assert policy.retry_after(manager(locked_until=1900), 1899) == 1
    assert policy.retry_after(manager(locked_until=1900), 1900) == 0
    assert policy.retry_after(manager(locked_until=0), 1000) == 0
    # A zero or negative limit still locks on the first failure instead of never.
    assert LoginPolicy(max_failures=0, lockout_seconds=60).after_failure(0, 10) == (0, 70)


@pytest.mark.parametrize(("before", "change", "removes"), [
    (manager(), ManagerChange(role=AdminRole.OPERATOR), True),
    (manager(), ManagerChange(disabled=True), True),
    (manager(), ManagerChange(role=AdminRole.SUPERADMIN, disabled=False), False),
    (manager(), ManagerChange(password_hash="x"), False),
    (manager(disabled=True), ManagerChange(role=AdminRole.VIEWER), False),
    (manager(role=AdminRole.OPERATOR), ManagerChange(disabled=True), False),
])
def test_which_changes_remove_an_active_superadmin(before: Manager, change: ManagerChange,
                                                   removes: bool) -> None:
    assert removes_active_superadmin(before, change) is removes


def test_last_superadmin_rule() -> None:
    target = manager(id=1)
    ensure_superadmin_remains(target, [1, 2])
    ensure_superadmin_remains(target, [2])  # another one remains whatever happens to 1
    for ids in ([1], []):
        with pytest.raises(LastSuperadmin):
            ensure_superadmin_remains(target, ids)


def test_self_delete_and_version() -> None:
    with pytest.raises(SelfDelete):
        ensure_not_self(4, 4)
    ensure_not_self(4, 5)
    ensure_version(manager(version=3), 3)
    with pytest.raises(StaleVersion) as caught:
        ensure_version(manager(version=3), 2)
    assert caught.value.code == 100006


def test_audit_state_never_holds_secrets() -> None:
    state = audit_state(manager(password_hash="$argon2id$secret", failed_logins=2))
    assert state == {"id": 1, "username": "alice", "role": "superadmin", "disabled": False,
                     "version": 3}
