"""Settings from the environment: prefix, JSON values, text settings, the checks."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from shared.db import load_json
from shared.web.database import IdlePingPool
from shared.web.settings import DEFAULT_SECRET_KEY, InsecureConfiguration, load_config


def _load(tmp_path: Path, overrides: dict[str, Any] | None = None, **kwargs: Any) -> Flask:
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    load_config(
        app,
        overrides,
        prefix="SVC",
        defaults={"LIMIT": 3, "POLICY": "2026-01"},
        database_file="svc.sqlite",
        **kwargs,
    )
    return app


def test_defaults_give_a_sqlite_file_in_the_instance_folder(tmp_path: Path) -> None:
    app = _load(tmp_path, {})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/instance/svc.sqlite"
    assert (tmp_path / "instance").is_dir()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "json_deserializer": load_json,
    }
    assert app.config["LIMIT"] == 3
    assert app.config["TRUSTED_PROXIES"] == 0
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_the_environment_is_read_by_prefix_as_json_except_text_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_LIMIT", "7")
    monkeypatch.setenv("SVC_POLICY", "1.10")
    monkeypatch.setenv("SVC_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("OTHER_LIMIT", "9")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/x")
    app = _load(tmp_path, None, text_settings=("POLICY",))
    assert app.config["LIMIT"] == 7
    assert app.config["POLICY"] == "1.10"  # not the number 1.1
    assert app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["poolclass"] is IdlePingPool


def test_overrides_replace_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVC_LIMIT", "7")
    assert _load(tmp_path, {"POLICY": "x"}).config["LIMIT"] == 3


#: A production secret as the refusal message says to make one.
REAL_SECRET = secrets.token_urlsafe(48)
#: What production needs besides the secret: counters every worker shares.
PRODUCTION = {"ENV": "production", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}


def test_production_starts_with_a_random_secret_and_a_shared_rate_limit_storage(
    tmp_path: Path,
) -> None:
    app = _load(tmp_path, {**PRODUCTION, "SECRET_KEY": REAL_SECRET})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    "secret",
    [
        DEFAULT_SECRET_KEY,
        "",
        "   ",
        None,
        "x",
        "changeme",
        "ChangeMe",
        "secret",
        "password",
        "a-long-random-value",  # 19 bytes
        "x" * 40,
        "changeme" * 4,
        "ab" * 32,
        123,  # what HUB_SECRET_KEY=123 became before it was read as text
        b"y" * 64,
    ],
)
def test_production_refuses_a_secret_that_is_short_known_or_a_pattern(
    tmp_path: Path, secret: object
) -> None:
    with pytest.raises(InsecureConfiguration, match="SVC_SECRET_KEY") as refused:
        _load(tmp_path, {**PRODUCTION, "SECRET_KEY": secret})
    assert "secrets.token_urlsafe(48)" in str(refused.value)  # how to make a good one


def test_a_secret_that_is_not_text_is_refused_in_any_environment(tmp_path: Path) -> None:
    with pytest.raises(InsecureConfiguration, match="SVC_SECRET_KEY must be text"):
        _load(tmp_path, {"SECRET_KEY": 123})


def test_secret_key_and_environment_from_the_environment_stay_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SVC_SECRET_KEY", "123")
    monkeypatch.setenv("SVC_ENV", "Development")
    app = _load(tmp_path, None)
    assert app.config["SECRET_KEY"] == "123"  # not the number: every login answered 500
    assert app.config["ENV"] == "development"
    monkeypatch.setenv("SVC_ENV", "production")
    with pytest.raises(InsecureConfiguration, match="shorter than 32 bytes"):
        _load(tmp_path, None)
    monkeypatch.setenv("SVC_SECRET_KEY", REAL_SECRET)
    monkeypatch.setenv("SVC_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/1")
    assert _load(tmp_path, None).config["SECRET_KEY"] == REAL_SECRET


@pytest.mark.parametrize("name", ["Production", "PRODUCTION", " production "])
def test_environment_names_are_case_insensitive(tmp_path: Path, name: str) -> None:
    with pytest.raises(InsecureConfiguration, match="SVC_SECRET_KEY"):
        _load(tmp_path, {**PRODUCTION, "ENV": name, "SECRET_KEY": DEFAULT_SECRET_KEY})
    app = _load(tmp_path, {**PRODUCTION, "ENV": name, "SECRET_KEY": REAL_SECRET})
    assert app.config["ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("name", ["prod", "staging", "dev", "", None, 1])
def test_an_unknown_environment_refuses_to_start_naming_the_valid_ones(
    tmp_path: Path, name: object
) -> None:
    # HUB_ENV=prod once ran as development, with the public development key.
    with pytest.raises(InsecureConfiguration, match="production, development, testing"):
        _load(tmp_path, {"ENV": name})


def test_production_refuses_rate_limits_counted_in_each_worker_unless_said(
    tmp_path: Path,
) -> None:
    with pytest.raises(InsecureConfiguration, match="SVC_RATELIMIT_STORAGE_URI"):
        _load(tmp_path, {"ENV": "production", "SECRET_KEY": REAL_SECRET})
    # Written out, memory is an operator's choice (a single process), not an accident.
    app = _load(
        tmp_path,
        {"ENV": "production", "SECRET_KEY": REAL_SECRET, "RATELIMIT_STORAGE_URI": "memory://"},
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert _load(tmp_path, {}).config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize("value", ["lots", "5 per fortnight", "", 5])
def test_a_rate_limit_setting_must_parse(tmp_path: Path, value: object) -> None:
    with pytest.raises(ValueError, match="SVC_RATELIMIT_LOGIN must be limits like"):
        _load(tmp_path, {"RATELIMIT_LOGIN": value})


@pytest.mark.parametrize("proxies", [-1, True, "1", 1.5, 11])
def test_trusted_proxies_must_be_a_small_whole_number(tmp_path: Path, proxies: object) -> None:
    with pytest.raises(ValueError, match="SVC_TRUSTED_PROXIES must be a whole number"):
        _load(tmp_path, {"TRUSTED_PROXIES": proxies})
