"""A real OpenID Connect provider for tests: ``tests/oidc/provider.mjs`` (oidc-provider on Node).

``start_oidc_provider(redirect_uri)`` runs ``node provider.mjs`` on 127.0.0.1 with one static
client and yields an :class:`OidcProvider` (issuer, client id and secret, port); the process is
stopped by its PID when the block ends. The provider's development login form accepts any login
id (it becomes ``sub``, with e-mail ``<id>@example.test``) and any password; an id starting with
``unverified-`` has ``email_verified`` false. ``tests/support/oidc_login.py`` walks those forms.

Node is the only prerequisite: without it the tests that ask for a provider are skipped (with a
message that says so). ``tests/oidc/node_modules`` is installed with ``npm ci`` on first use when
``.ci/run`` has not done it already.

Pytest fixture (registered from ``tests/conftest.py``): ``oidc_provider_factory``, session-scoped;
call it with the redirect URI (and optionally ``client_id=``, ``client_secret=``,
``id_token_claims=``); the same arguments give the same running provider, and every provider
started this way stops at the end of the session.
"""

from __future__ import annotations

import fcntl
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
READY_PREFIX = "listening "
START_TIMEOUT = 20.0
NPM_CI_TIMEOUT = 300.0
DEFAULT_CLIENT_ID = "billing-app"
DEFAULT_CLIENT_SECRET = "billing-app-test-secret"  # a test value, not a credential

NODE_MISSING = (
    "needs Node.js (`node` on PATH) to run the OpenID Connect test provider in tests/oidc"
)


@dataclass(frozen=True)
class OidcProvider:
    """A running provider. ``issuer`` is also the base of every endpoint."""

    issuer: str
    client_id: str
    client_secret: str
    port: int
    redirect_uris: tuple[str, ...]
    pid: int

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


class OidcProviderError(RuntimeError):
    """The provider could not be installed or did not start."""


def node_available() -> bool:
    return shutil.which("node") is not None


def _installed() -> bool:
    marker = PROVIDER_DIR / "node_modules" / ".package-lock.json"  # written by npm ci
    lock = PROVIDER_DIR / "package-lock.json"
    return marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime


def ensure_installed() -> None:
    """``npm ci`` in tests/oidc unless node_modules matches the lock; safe across processes."""
    if _installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise OidcProviderError(
            f"{PROVIDER_DIR}/node_modules is missing and `npm` is not on PATH to install it "
            "(run `npm ci` there)"
        )
    with open(PROVIDER_DIR / "package-lock.json", "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a parallel session may be installing right now
        try:
            if _installed():
                return
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=PROVIDER_DIR,
                capture_output=True,
                text=True,
                timeout=NPM_CI_TIMEOUT,
                check=False,
            )
            if result.returncode != 0:
                raise OidcProviderError(
                    f"`npm ci` in {PROVIDER_DIR} failed ({result.returncode}):\n"
                    f"{result.stdout}\n{result.stderr}"
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pump(stream: IO[str], lines: list[str], ready: queue.Queue[str] | None) -> None:
    """Read a pipe to its end so the provider never blocks on a full one."""
    for line in stream:
        lines.append(line.rstrip("\n"))
        if ready is not None and line.startswith(READY_PREFIX):
            ready.put(line.strip())
            ready = None


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def start_oidc_provider(
    redirect_uri: str | Sequence[str],
    *,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
    id_token_claims: bool = False,
    port: int = 0,
    timeout: float = START_TIMEOUT,
) -> Iterator[OidcProvider]:
    """Run the provider until the block ends.

    ``redirect_uri``: the client's registered redirect URI(s); the app under test must use one of
    them exactly. ``id_token_claims``: also put email/name into the ID token (by default, as the
    spec has it for the code flow, they come only from the userinfo endpoint). ``port=0`` (the
    default) lets the provider's own socket pick a free port, which it reports in its ready line,
    so there is no window in which another process could take it.
    """
    node = shutil.which("node")
    if node is None:
        raise OidcProviderError(NODE_MISSING)
    ensure_installed()
    uris = (redirect_uri,) if isinstance(redirect_uri, str) else tuple(redirect_uri)
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": client_secret,
        "REDIRECT_URI": ",".join(uris),
        "ID_TOKEN_CLAIMS": "1" if id_token_claims else "0",
        "STOP_ON_STDIN_EOF": "1",  # the provider exits if this process dies without stopping it
        "NODE_NO_WARNINGS": "1",
    }
    env.pop("NODE_ENV", None)
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=PROVIDER_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    stdout: list[str] = []
    stderr: list[str] = []
    ready: queue.Queue[str] = queue.Queue()
    pumps = [
        threading.Thread(target=_pump, args=(process.stdout, stdout, ready), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, stderr, None), daemon=True),
    ]
    for pump in pumps:
        pump.start()
    try:
        deadline = time.monotonic() + timeout
        line = None
        while line is None:
            try:
                line = ready.get(timeout=0.05)
            except queue.Empty:
                if process.poll() is not None or time.monotonic() > deadline:
                    break
        if line is None:
            _stop(process)
            for pump in pumps:
                pump.join(2)
            status = (
                f"exited with {process.returncode}"
                if process.returncode is not None
                else f"was not listening within {timeout:.0f} s"
            )
            raise OidcProviderError(
                f"the OpenID Connect test provider {status}\n"
                "--- stdout\n" + "\n".join(stdout) + "\n--- stderr\n" + "\n".join(stderr)
            )
        issuer = line.removeprefix(READY_PREFIX).strip()
        yield OidcProvider(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            port=int(issuer.rsplit(":", 1)[1]),
            redirect_uris=uris,
            pid=process.pid,
        )
    finally:
        _stop(process)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


OidcProviderFactory = Callable[..., OidcProvider]


@pytest.fixture(scope="session")
def oidc_provider_factory() -> Iterator[OidcProviderFactory]:
    """``oidc_provider_factory(redirect_uri, *, client_id=..., client_secret=...,
    id_token_claims=False) -> OidcProvider``; skips the test when Node.js is missing."""
    running: dict[tuple[object, ...], OidcProvider] = {}
    with ExitStack() as stack:

        def start(
            redirect_uri: str | Sequence[str],
            *,
            client_id: str = DEFAULT_CLIENT_ID,
            client_secret: str = DEFAULT_CLIENT_SECRET,
            id_token_claims: bool = False,
        ) -> OidcProvider:
            if not node_available():
                pytest.skip(NODE_MISSING)
            uris = (redirect_uri,) if isinstance(redirect_uri, str) else tuple(redirect_uri)
            key = (uris, client_id, client_secret, id_token_claims)
            if key not in running:
                running[key] = stack.enter_context(
                    start_oidc_provider(
                        uris,
                        client_id=client_id,
                        client_secret=client_secret,
                        id_token_claims=id_token_claims,
                    )
                )
            return running[key]

        yield start
