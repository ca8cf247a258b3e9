"""APP_PUBLIC_URL: given, it is used as is; unset, links point where ``serve`` actually binds."""

from __future__ import annotations

from typing import Any

import pytest

from web import cli
from web.settings import Settings, bound_url


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("127.0.0.1", 8765, "http://127.0.0.1:8765"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("localhost", 8080, "http://localhost:8080"),
        ("::", 8001, "http://[::1]:8001"),
        ("::1", 8002, "http://[::1]:8002"),
    ],
)
def test_an_unset_public_url_is_the_bound_address(host: str, port: int, url: str) -> None:
    assert bound_url(host, port) == url
    assert Settings.from_env({}).served_at(host, port).public_url == url


def test_a_given_public_url_wins_over_the_bound_address() -> None:
    settings = Settings.from_env({"APP_PUBLIC_URL": "https://billing.acme.test/"})
    assert settings.served_at("0.0.0.0", 9000).public_url == "https://billing.acme.test"


def test_serve_builds_the_app_with_links_to_its_own_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    async def prepare(settings: Settings, *, migrate: bool, demo: bool, history: bool) -> None:
        return None

    def create_app(settings: Settings) -> object:
        seen["settings"] = settings
        return object()

    def run(app: object, **kwargs: Any) -> None:
        seen["bind"] = (kwargs["host"], kwargs["port"])

    import uvicorn

    import web.app

    monkeypatch.delenv("APP_PUBLIC_URL", raising=False)
    monkeypatch.setattr(cli, "_prepare", prepare)
    monkeypatch.setattr(cli, "configure_logging", lambda level: None)
    monkeypatch.setattr(web.app, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "run", run)
    cli.main(["serve", "--port", "8765"])
    assert seen["bind"] == ("127.0.0.1", 8765)
    assert seen["settings"].public_url == "http://127.0.0.1:8765"
    assert "links in e-mails and PDFs: http://127.0.0.1:8765" in capsys.readouterr().err
