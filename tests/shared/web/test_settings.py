"""Settings from the environment: prefix, JSON values, text settings, the checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

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
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
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


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    with pytest.raises(InsecureConfiguration, match="SVC_SECRET_KEY"):
        _load(tmp_path, {"ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY})
    app = _load(tmp_path, {"ENV": "production", "SECRET_KEY": "a-long-random-value"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("proxies", [-1, True, "1", 1.5, 11])
def test_trusted_proxies_must_be_a_small_whole_number(tmp_path: Path, proxies: object) -> None:
    with pytest.raises(ValueError, match="SVC_TRUSTED_PROXIES must be a whole number"):
        _load(tmp_path, {"TRUSTED_PROXIES": proxies})
