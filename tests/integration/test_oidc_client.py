"""The OpenID Connect client adapter against a real provider (oidc-provider on Node, started once
for this module): discovery, the code flow with PKCE through the provider's own login and consent
forms, the ID token and userinfo, and the ways a sign-in must fail."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.oidc import OidcProvider, OidcProviderFactory
from tests.support.oidc_login import callback_params, sign_in
from web.auth.oidc_client import (
    AuthorizationRequest,
    OidcClient,
    OidcError,
    OidcSettings,
)

pytestmark = pytest.mark.integration

# Nothing listens here: the driver stops at the redirect and hands the URL to the client.
REDIRECT_URI = "http://127.0.0.1:1/callback"


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real network, with a list of the URLs the client asked for."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def provider(oidc_provider_factory: OidcProviderFactory) -> OidcProvider:
    return oidc_provider_factory(REDIRECT_URI)


def settings_for(provider: OidcProvider) -> OidcSettings:
    return OidcSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        display_name="Test IdP",
    )


@pytest.fixture(scope="module")
def client(provider: OidcProvider) -> OidcClient:
    return OidcClient(settings_for(provider))


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """A fresh cookie jar: every test signs in from scratch."""
    async with httpx.AsyncClient(timeout=10) as http:
        yield http


async def test_discovery_reads_the_providers_endpoints(
    client: OidcClient, provider: OidcProvider
) -> None:
    metadata = await client.discover()

    assert metadata["issuer"] == provider.issuer
    assert metadata["token_endpoint"].startswith(provider.issuer)
    assert "S256" in metadata["code_challenge_methods_supported"]
    assert await client.discover() is metadata  # cached


async def test_authorization_url_carries_state_nonce_and_an_s256_challenge(
    client: OidcClient, provider: OidcProvider
) -> None:
    request = await client.authorization_request(REDIRECT_URI)

    query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    assert request.url.startswith(f"{provider.issuer}/auth?")
    assert query["response_type"] == "code"
    assert query["client_id"] == provider.client_id
    assert query["redirect_uri"] == REDIRECT_URI
    assert query["scope"] == "openid email profile"
    assert query["state"] == request.state
    assert query["nonce"] == request.nonce
    assert query["code_challenge_method"] == "S256"
    assert request.code_verifier not in request.url
    assert AuthorizationRequest.from_session(request.as_session()).state == request.state


async def test_alice_signs_in_with_a_verified_email(
    client: OidcClient, provider: OidcProvider, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice")

    params = callback_params(callback)
    assert callback.startswith(REDIRECT_URI + "?")
    assert params["state"] == request.state
    identity = await client.complete(callback, request, REDIRECT_URI)

    assert identity.issuer == provider.issuer
    assert identity.subject == "alice"
    assert identity.email == "alice@example.test"
    assert identity.email_verified is True
    assert identity.name == "Test alice"


async def test_an_unverified_email_is_reported_as_such(
    client: OidcClient, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="unverified-bob")

    identity = await client.complete(callback_params(callback), request, REDIRECT_URI)

    assert identity.subject == "unverified-bob"
    assert identity.email == "unverified-bob@example.test"
    assert identity.email_verified is False


async def test_a_tampered_state_is_refused_before_the_code_is_used(
    client: OidcClient, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice")
    tampered = callback.replace(f"state={request.state}", "state=forged")

    with pytest.raises(OidcError) as raised:
        await client.complete(tampered, request, REDIRECT_URI)
    assert raised.value.code == "state_mismatch"
    assert "start again" in raised.value.message

    # the refusal did not spend the code: the genuine callback still works
    identity = await client.complete(callback, request, REDIRECT_URI)
    assert identity.subject == "alice"


async def test_a_replayed_code_is_refused(client: OidcClient, browser: httpx.AsyncClient) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice")
    await client.complete(callback, request, REDIRECT_URI)

    with pytest.raises(OidcError) as raised:
        await client.complete(callback, request, REDIRECT_URI)
    assert raised.value.code == "token_error"
    assert "invalid_grant" in raised.value.detail
    assert "invalid_grant" not in raised.value.message


async def test_cancelling_at_the_provider_is_access_denied(
    client: OidcClient, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice", cancel=True)
    assert callback_params(callback)["error"] == "access_denied"

    with pytest.raises(OidcError) as raised:
        await client.complete(callback, request, REDIRECT_URI)
    assert raised.value.code == "access_denied"
    assert raised.value.message == "Sign-in at Test IdP was cancelled."


async def test_a_wrong_code_verifier_is_refused_by_the_provider(
    client: OidcClient, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice")
    other = dataclasses.replace(request, code_verifier="x" * 64)

    with pytest.raises(OidcError) as raised:
        await client.complete(callback, other, REDIRECT_URI)
    assert raised.value.code == "token_error"


async def test_an_id_token_for_another_nonce_is_refused(
    client: OidcClient, browser: httpx.AsyncClient
) -> None:
    request = await client.authorization_request(REDIRECT_URI)
    callback = await sign_in(browser, request.url, login="alice")
    other = dataclasses.replace(request, nonce="not-the-nonce-that-was-sent")

    with pytest.raises(OidcError) as raised:
        await client.complete(callback, other, REDIRECT_URI)
    assert raised.value.code == "bad_id_token"
    assert "nonce" in raised.value.detail


async def test_claims_come_from_userinfo_only_when_the_id_token_lacks_them(
    provider: OidcProvider,
    oidc_provider_factory: OidcProviderFactory,
    browser: httpx.AsyncClient,
) -> None:
    generous = oidc_provider_factory(REDIRECT_URI, id_token_claims=True)
    for idp, expect_userinfo in ((provider, True), (generous, False)):
        transport = RecordingTransport()
        client = OidcClient(settings_for(idp), transport=transport)
        request = await client.authorization_request(REDIRECT_URI)
        callback = await sign_in(browser, request.url, login="carol")

        identity = await client.complete(callback, request, REDIRECT_URI)

        assert (identity.subject, identity.email, identity.email_verified, identity.name) == (
            "carol",
            "carol@example.test",
            True,
            "Test carol",
        )
        assert ("/me" in transport.paths) is expect_userinfo, transport.paths


async def test_an_issuer_that_is_not_the_configured_one_is_refused(
    provider: OidcProvider,
) -> None:
    # the same server, named differently: its discovery document names 127.0.0.1
    settings = dataclasses.replace(
        settings_for(provider), issuer=provider.issuer.replace("127.0.0.1", "localhost")
    )
    with pytest.raises(OidcError) as raised:
        await OidcClient(settings).discover()
    assert raised.value.code == "provider_unavailable"
    assert "Test IdP is not available" in raised.value.message


async def test_an_unreachable_provider_is_a_clear_error() -> None:
    settings = OidcSettings("http://127.0.0.1:1", "billing-app", "secret", display_name="Test IdP")
    with pytest.raises(OidcError) as raised:
        await OidcClient(settings, timeout=2).authorization_request(REDIRECT_URI)
    assert raised.value.code == "provider_unavailable"


def test_settings_refuse_plain_http_outside_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        OidcSettings("http://idp.example.com", "id", "secret")
    OidcSettings("https://idp.example.com", "id", "secret")
