"""Roles, password hashing and the login rules both services share."""

from __future__ import annotations

import time

import pytest

from shared.web.login import local_target
from shared.web.staff import (
    LoginUser,
    Role,
    accepts_login,
    hash_password,
    spend_a_password_check,
    verify_password,
)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/communities", "/communities"),
        ("/", "/"),
        ("/resources?all=1", "/resources?all=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_local_target_follows_only_paths_on_this_site(target: str, expected: str) -> None:
    assert local_target(target, "/") == expected


def test_roles_include_the_ones_below() -> None:
    assert Role.ADMIN.allows(Role.COORDINATOR) and Role.COORDINATOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.COORDINATOR)


@pytest.mark.usefixtures("real_password_hashing")
def test_a_check_without_an_account_costs_what_a_real_one_does() -> None:
    stored = hash_password("correct horse battery")
    spend_a_password_check("warm-up")  # the decoy hash is made once per process

    def seconds(check: object) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            check()  # type: ignore[operator]
            best = min(best, time.perf_counter() - start)
        return best

    real = seconds(lambda: verify_password(stored, "wrong password"))
    decoy = seconds(lambda: spend_a_password_check("wrong password"))
    # Both run one argon2 verification with the same parameters: within a factor of 3,
    # where skipping it would be thousands of times faster.
    assert real / 3 < decoy < real * 3


class _Account(LoginUser):
    def __init__(self, password_hash: str, active: bool = True) -> None:
        self.id, self.active, self.password_hash = 1, active, password_hash


def test_accepts_login_only_for_an_active_account_and_its_password() -> None:
    stored = hash_password("correct horse battery")
    assert accepts_login(_Account(stored), "correct horse battery")
    assert not accepts_login(_Account(stored), "wrong password")
    assert not accepts_login(_Account(stored, active=False), "correct horse battery")
    assert not accepts_login(None, "correct horse battery")


def test_accepts_login_replaces_a_hash_made_with_old_parameters() -> None:
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=8192).hash("correct horse battery")
    account = _Account(old)
    assert accepts_login(account, "correct horse battery")
    assert account.password_hash != old
    assert verify_password(account.password_hash, "correct horse battery") == (True, None)
