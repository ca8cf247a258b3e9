"""What an endpoint URL may be: https in production to a public host (no private, loopback or
link-local address: the server must not be made to call into its own network); in development
and tests also http to the loopback host. The sender checks the resolved addresses again."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_URL = 2048
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def check_url(url: str, *, allow_local: bool) -> tuple[str, str | None]:
    """The URL stripped and an error message, or None when it may be an endpoint."""
    url = url.strip()
    if not url:
        return url, "Enter the URL that receives the events."
    if len(url) > MAX_URL:
        return url, f"Use at most {MAX_URL} characters."
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        return url, "A URL has no spaces or control characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url, "This is not a URL."
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return url, "Enter a full URL starting with https://."
    if parts.username is not None or parts.password is not None:
        return url, "Leave user names and passwords out of the URL."
    if parts.fragment:
        return url, "Leave the #fragment out of the URL."
    if port == 0:
        return url, "This is not a URL."
    local = host in LOCAL_HOSTS
    if parts.scheme == "http" and not (allow_local and local):
        return url, "Use https:// (plain http only reaches 127.0.0.1 in development)."
    if local:
        return (url, None) if allow_local else (url, "A public host is needed, not this server.")
    if host.endswith((".local", ".internal", ".localhost")) or "." not in host.strip("[]"):
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return url, "A public host name is needed (like hooks.example.com)."
    try:
        if not is_public_address(host.strip("[]")):
            return url, "This address is private or reserved: use a public host."
    except ValueError:
        pass  # a host name: its addresses are checked when a delivery resolves it
    return url, None
