"""Sign-in through any OpenID Connect provider: the authorization code flow with PKCE (S256).

Built on Authlib's async httpx client (``AsyncOAuth2Client``) for the authorization URL, the code
exchange (client_secret_basic) and the userinfo call, and on Authlib's ID token claims
(``authlib.oidc.core.CodeIDToken``) with joserfc, the JOSE library Authlib itself now uses and
recommends (``authlib.jose`` is deprecated since Authlib 1.6), for the signature.

The flow, as the sign-in handlers use it::

    client = OidcClient(OidcSettings(issuer=..., client_id=..., client_secret=..., display_name=...))
    request = await client.authorization_request(redirect_uri)
    # keep request.as_session() in the session, redirect the browser to request.url
    ...
    # on the callback:
    identity = await client.complete(str(callback_url), AuthorizationRequest.from_session(saved),
                                     redirect_uri)
    # identity.issuer + identity.subject identify the person; trust identity.email only when
    # identity.email_verified is True

Every failure is an :class:`OidcError` whose ``message`` can be shown to the person signing in;
``detail`` says what went wrong for the log. ID token checks: signature against the provider's
JWKS (fetched once, fetched again when an unknown key id shows up), ``iss`` equal to the
discovered issuer, ``aud`` containing the client id, ``azp`` when present, ``exp``/``iat`` with
``leeway`` seconds of clock skew, ``nonce`` equal to the one sent, ``at_hash`` when present.
Claims the ID token lacks (spec-conformant providers put e-mail and name only in userinfo for the
code flow) come from the userinfo endpoint, whose ``sub`` must match the ID token's.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

try:  # the HTTP library Authlib's client is built on (httpx2 when installed), so errors match
    import httpx2 as httpx
except ImportError:
    import httpx

DEFAULT_SCOPES = "openid email profile"
# asymmetric algorithms only: "none" and the HS* family (keyed with the client secret) are refused
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True)
class OidcSettings:
    """One provider. ``issuer`` is the URL the discovery document lives under."""

    issuer: str
    client_id: str
    client_secret: str
    display_name: str = "your identity provider"
    scopes: str = DEFAULT_SCOPES

    def __post_init__(self) -> None:
        parts = urlsplit(self.issuer)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
        ):
            raise ValueError(
                f"OIDC issuer must be an https URL (http only on loopback): {self.issuer!r}"
            )
        if "openid" not in self.scopes.split():
            raise ValueError("OIDC scopes must include 'openid'")


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep in the session until it comes back."""

    url: str
    state: str
    nonce: str
    code_verifier: str

    def as_session(self) -> dict[str, str]:
        """The values to keep in the session (the URL is not needed again)."""
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier}

    @classmethod
    def from_session(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        try:
            return cls(
                url="",
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                code_verifier=str(data["code_verifier"]),
            )
        except (KeyError, TypeError) as error:
            raise OidcError(
                "This sign-in attempt has expired. Please start again.",
                detail=f"no authorization request in the session: {error!r}",
            ) from error


@dataclass(frozen=True)
class OidcIdentity:
    """Who signed in. ``(issuer, subject)`` is the stable key; e-mail may change or be unverified."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class OidcError(Exception):
    """Sign-in failed. ``message`` is safe to show; ``detail`` is for the log."""

    def __init__(self, message: str, *, detail: str = "", code: str = "oidc_error") -> None:
        super().__init__(f"{message} ({detail})" if detail else message)
        self.message = message
        self.detail = detail
        self.code = code


class OidcClient:
    """One OpenID Connect provider. Safe to share between requests; discovery is cached.

    ``transport`` and ``timeout`` go to every httpx client it opens (tests may pass a mock
    transport). ``leeway`` is the clock skew allowed on the ID token's times, in seconds.
    """

    def __init__(
        self,
        settings: OidcSettings,
        *,
        timeout: float = 10.0,
        leeway: int = 60,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.leeway = leeway
        self._http_options: dict[str, Any] = {"timeout": timeout}
        if transport is not None:
            self._http_options["transport"] = transport
        self._metadata: dict[str, Any] | None = None
        self._jwks: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    # -- discovery ----------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        """The issuer as the provider states it (after :meth:`discover`)."""
        return str(self._metadata["issuer"]) if self._metadata else self.settings.issuer

    async def discover(self, *, force: bool = False) -> dict[str, Any]:
        """Fetch (once) the discovery document and the JWKS it points to; return the document."""
        async with self._lock:
            if self._metadata is not None and not force:
                return self._metadata
            url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            metadata = await self._get_json(url, "discovery document")
            issuer = metadata.get("issuer")
            configured = self.settings.issuer.rstrip("/")
            if not isinstance(issuer, str) or issuer.rstrip("/") != configured:
                raise self._unavailable(
                    f"discovery issuer {issuer!r} is not the configured {self.settings.issuer!r}"
                )
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(key), str):
                    raise self._unavailable(f"discovery document has no {key}")
            self._jwks = await self._get_json(metadata["jwks_uri"], "JWKS")
            self._metadata = metadata
            return metadata

    async def _refresh_jwks(self) -> dict[str, Any]:
        metadata = await self.discover()
        async with self._lock:
            self._jwks = await self._get_json(metadata["jwks_uri"], "JWKS")
            return self._jwks

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(**self._http_options) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise self._unavailable(f"{what} at {url}: {error!r}") from error
        if not isinstance(data, dict):
            raise self._unavailable(f"{what} at {url} is not a JSON object")
        return data

    def _unavailable(self, detail: str) -> OidcError:
        return OidcError(
            f"{self.settings.display_name} is not available right now. Please try again later.",
            detail=detail,
            code="provider_unavailable",
        )

    def _oauth(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
            scope=self.settings.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            **self._http_options,
        )

    # -- the flow -----------------------------------------------------------------------------
    async def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """A fresh state, nonce and PKCE verifier, and the provider URL that carries them."""
        metadata = await self.discover()
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        code_verifier = secrets.token_urlsafe(64)  # 86 characters, within PKCE's 43..128
        async with self._oauth(redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                metadata["authorization_endpoint"],
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=code_verifier)

    async def complete(
        self,
        callback: str | Mapping[str, str],
        request: AuthorizationRequest,
        redirect_uri: str,
    ) -> OidcIdentity:
        """Check the callback against ``request``, exchange the code, validate the ID token."""
        metadata = await self.discover()
        params = _callback_params(callback)
        name = self.settings.display_name

        if not hmac.compare_digest(params.get("state", "").encode(), request.state.encode()):
            raise OidcError(
                "This sign-in attempt does not match the one started in this browser. "
                "Please start again.",
                detail="state mismatch",
                code="state_mismatch",
            )
        # RFC 9207: the issuer in the response guards against a mixed-up provider
        response_issuer = params.get("iss")
        if response_issuer is not None and response_issuer != metadata["issuer"]:
            raise OidcError(
                f"{name} could not sign you in. Please start again.",
                detail=f"callback iss {response_issuer!r} is not {metadata['issuer']!r}",
                code="issuer_mismatch",
            )
        promised = metadata.get("authorization_response_iss_parameter_supported")
        if response_issuer is None and promised:
            raise OidcError(
                f"{name} could not sign you in. Please start again.",
                detail="callback lacks the iss parameter the provider promises",
                code="issuer_mismatch",
            )
        error = params.get("error")
        if error == "access_denied":
            raise OidcError(
                f"Sign-in at {name} was cancelled.",
                detail=f"access_denied: {params.get('error_description', '')}",
                code="access_denied",
            )
        if error:
            raise OidcError(
                f"{name} could not sign you in. Please try again.",
                detail=f"{error}: {params.get('error_description', '')}",
                code="provider_error",
            )
        code = params.get("code")
        if not code:
            raise OidcError(
                f"{name} could not sign you in. Please try again.",
                detail="callback has neither code nor error",
                code="provider_error",
            )

        async with self._oauth(redirect_uri) as oauth:
            try:
                token = await oauth.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=request.code_verifier,
                    redirect_uri=redirect_uri,
                )
            except OAuthError as exc:
                raise OidcError(
                    f"{name} could not sign you in. Please start again.",
                    detail=f"token endpoint: {exc.error}: {exc.description}",
                    code="token_error",
                ) from exc
            except (httpx.HTTPError, ValueError) as exc:
                raise self._unavailable(f"token endpoint: {exc!r}") from exc

            id_token = token.get("id_token")
            access_token = token.get("access_token")
            if not isinstance(id_token, str):
                raise OidcError(
                    f"{name} could not sign you in. Please start again.",
                    detail="token response has no id_token",
                    code="bad_id_token",
                )
            claims = await self._validate_id_token(id_token, access_token, request.nonce)

            wanted = ("email", "email_verified", "name")
            userinfo_endpoint = metadata.get("userinfo_endpoint")
            if any(k not in claims for k in wanted) and userinfo_endpoint and access_token:
                claims = {
                    **(await self._userinfo(oauth, userinfo_endpoint, claims["sub"])),
                    **claims,
                }

        email = claims.get("email")
        display = claims.get("name")
        return OidcIdentity(
            issuer=str(metadata["issuer"]),
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) and email else None,
            # some providers send the string "true"; anything else is not a verified address
            email_verified=claims.get("email_verified") in (True, "true"),
            name=display if isinstance(display, str) and display else None,
        )

    async def _validate_id_token(
        self, id_token: str, access_token: str | None, nonce: str
    ) -> dict[str, Any]:
        metadata = await self.discover()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        name = self.settings.display_name
        try:
            try:
                decoded = jwt.decode(id_token, _key_set(self._jwks), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys since we fetched them
                jwks = await self._refresh_jwks()
                decoded = jwt.decode(id_token, _key_set(jwks), registry=registry)
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.settings.client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "iat": {"essential": True},
                },
                {
                    "nonce": nonce,
                    "client_id": self.settings.client_id,
                    "access_token": access_token,
                },
            )
            claims.validate(leeway=self.leeway)
        except (JoseError, ValueError) as exc:
            raise OidcError(
                f"{name} could not sign you in. Please start again.",
                detail=f"ID token rejected: {exc!r}",
                code="bad_id_token",
            ) from exc
        return dict(claims)

    async def _userinfo(
        self, oauth: AsyncOAuth2Client, endpoint: str, subject: str
    ) -> dict[str, Any]:
        try:
            response = await oauth.get(endpoint, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError, OAuthError) as exc:
            raise self._unavailable(f"userinfo: {exc!r}") from exc
        if not isinstance(data, dict) or data.get("sub") != subject:
            # OIDC Core 5.3.4: a userinfo answer about someone else must not be used
            raise OidcError(
                f"{self.settings.display_name} could not sign you in. Please start again.",
                detail=f"userinfo sub {data.get('sub') if isinstance(data, dict) else data!r} "
                f"is not the ID token's {subject!r}",
                code="bad_userinfo",
            )
        return data


def _key_set(jwks: Any) -> KeySet:
    data: Any = jwks or {"keys": []}
    return KeySet.import_key_set(data)


def _callback_params(callback: str | Mapping[str, str]) -> dict[str, str]:
    if isinstance(callback, str):
        query = urlsplit(callback).query if "?" in callback or "://" in callback else callback
        return dict(parse_qsl(query, keep_blank_values=True))
    return {str(k): str(v) for k, v in callback.items()}
