"""A configuration the service cannot run with is refused at start, naming each setting as it
is set (its environment variable) and why, without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings, describe_settings_error
from tests.helpers import cli_env, floorwatch


def test_future_skew_is_at_most_a_day() -> None:
    assert Settings(max_future_skew_s=86_400).max_future_skew_s == 86_400
    with pytest.raises(ValidationError) as refused:
        Settings(max_future_skew_s=86_401)
    assert "FLOORWATCH_MAX_FUTURE_SKEW_S: Input should be less than or equal to 86400" in (
        describe_settings_error(refused.value)
    )


def test_the_command_line_names_every_bad_setting(tmp_path: Path) -> None:
    env = cli_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'never.sqlite3'}",
        engine="mongo",
        max_future_skew_s="1e9",
    )
    done = floorwatch("migrate", env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == "invalid configuration:"
    assert "  FLOORWATCH_ENGINE: Input should be 'memory' or 'redis' (got 'mongo')" in lines
    assert (
        "  FLOORWATCH_MAX_FUTURE_SKEW_S: Input should be less than or equal to 86400 (got '1e9')"
        in lines
    )
    assert not (tmp_path / "never.sqlite3").exists()


def test_a_bad_secret_is_named_but_never_shown() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(secret_key="hunter2-is-not-a-key")
    text = describe_settings_error(refused.value)
    assert "FLOORWATCH_SECRET_KEY: Value error, expected 32 bytes in URL-safe base64" in text
    assert "hunter2" not in text


KEY = "A" * 43 + "="


def test_production_needs_a_secret_key_and_secure_cookies() -> None:
    """Issue 18, item 7: the image runs as production and must not start half-protected."""
    with pytest.raises(ValidationError) as refused:
        Settings(environment="production", cookie_secure=False)
    text = describe_settings_error(refused.value)
    assert (
        "FLOORWATCH_SECRET_KEY: Value error, required when FLOORWATCH_ENVIRONMENT=production"
        in (text)
    )
    assert "FLOORWATCH_COOKIE_SECURE: Value error, must be true when" in text
    fine = Settings(environment="production", secret_key=KEY)
    assert fine.cookie_secure is True
    assert Settings(environment="development").cookie_secure is False  # plain-HTTP localhost


def test_serve_refuses_to_start_in_production_without_a_key(tmp_path: Path) -> None:
    env = cli_env(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'never.sqlite3'}",
        environment="production",
        port="1",
    )
    done = floorwatch("serve", env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "FLOORWATCH_SECRET_KEY: Value error, required when" in done.stderr
    assert "floorwatch secrets generate-key" in done.stderr
    assert not (tmp_path / "never.sqlite3").exists()


def test_the_image_runs_as_production() -> None:
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    runtime = dockerfile.rsplit("FROM ", 1)[1]  # the last stage is what runs
    assert "ENV FLOORWATCH_ENVIRONMENT=production" in runtime
