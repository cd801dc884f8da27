"""Where alert deliveries may connect: public addresses only, unless the operator allows more.

A channel's URL or SMTP host is chosen by a tenant's admin, and the service connects to it from
inside the operator's network. Without a guard, a channel could point at the service's own
Redis, a database, an internal admin page or the cloud metadata address (169.254.169.254) and
read the answers back from the delivery log. So, unless `alert_private_destinations` is on,
every delivery resolves the host itself, refuses it when any address it resolves to is not
globally routable (loopback, private, link-local, shared, reserved, multicast), and connects to
the address it vetted, never resolving the name a second time (a name that resolves to a public
address when checked and a private one when connecting gets nowhere). HTTPS still verifies the
certificate for the name (the request's SNI and Host are the name).
"""

from __future__ import annotations

import asyncio
import ipaddress
import smtplib
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

SETTING = "FLOORWATCH_ALERT_PRIVATE_DESTINATIONS"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class DestinationRefused(ValueError):
    """The destination is not a public address and private destinations are off."""


NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
"""RFC 6052: a NAT64 gateway forwards `64:ff9b::a.b.c.d` to the IPv4 address a.b.c.d."""
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
"""RFC 8215: NAT64 prefixes of the local network, never global."""
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
"""Deprecated IPv4-compatible addresses (`::a.b.c.d`), which some stacks still route."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to: IPv4-mapped, NAT64 (well-known prefix),
    6to4 (`2002::/16`) or IPv4-compatible; None for a plain IPv6 address."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_WELL_KNOWN or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def is_public(address: Address) -> bool:
    """Globally routable, and, for an IPv6 address that embeds an IPv4 one (`::ffff:10.0.0.1`,
    `64:ff9b::10.0.0.1`, `2002:0a00:0001::`), the IPv4 address it leads to public too."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL_USE:
            return False
        embedded = embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def refuse(host: str, address: Address | str) -> DestinationRefused:
    shown = f"{host!r}" if str(address) == host else f"{host!r} resolves to {address}, which"
    return DestinationRefused(
        f"{shown} is not a public address: deliveries to private networks are off ({SETTING})"
    )


def check_literal(host: str) -> None:
    """Refuse at once a host that is a non-public IP address or `localhost` (names are checked
    when a delivery resolves them)."""
    address = literal(host)
    if address is not None and not is_public(address):
        raise refuse(host, address)
    if host.lower().rstrip(".") == "localhost" or host.lower().endswith(".localhost"):
        raise refuse(host, host)


def vet(host: str, infos: list[tuple[Any, ...]]) -> str:
    """The first address of a resolution, if every address in it is public."""
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    for address in addresses:
        if not is_public(address):
            raise refuse(host, address)
    if not addresses:
        raise OSError(f"{host!r} resolves to no address")
    return str(addresses[0])


async def resolve_public(host: str, port: int) -> str:
    """A public address of `host` to connect to (DestinationRefused if it has another)."""
    check_literal(host)
    if literal(host) is not None:
        return host.strip("[]")
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return vet(host, infos)


def resolve_public_blocking(host: str, port: int) -> str:
    check_literal(host)
    if literal(host) is not None:
        return host.strip("[]")
    return vet(host, socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))


@dataclass(frozen=True, slots=True)
class PinnedRequest:
    """A request to a vetted address: the URL names the address; Host and SNI name the host."""

    url: httpx.URL
    headers: dict[str, str]
    extensions: dict[str, Any]


def pinned_request(url: str, address: str) -> PinnedRequest:
    """`url` sent to `address`: Host (and, for HTTPS, SNI and the certificate check) keep the
    URL's host name."""
    original = httpx.URL(url)
    host = original.raw_host.decode("ascii")
    extensions = {"sni_hostname": host} if original.scheme == "https" else {}
    return PinnedRequest(
        original.copy_with(host=address),
        {"Host": original.netloc.decode("ascii")},
        extensions,
    )


async def pin_http(url: str) -> PinnedRequest:
    """`url` pinned to a public address of its host (DestinationRefused if it has another)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return pinned_request(url, await resolve_public(parts.hostname or "", port))


class PinnedSMTP(smtplib.SMTP):
    """smtplib's client, connecting to `address` (when given) instead of resolving the host;
    STARTTLS still verifies the certificate for the host name."""

    def __init__(self, host: str, port: int, address: str | None, timeout: float) -> None:
        self.pinned_address = address
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        if self.pinned_address is None:
            return super()._get_socket(host, port, timeout)  # type: ignore[misc, no-any-return]
        return socket.create_connection((self.pinned_address, port), timeout, self.source_address)


class PinnedSMTPSSL(smtplib.SMTP_SSL, PinnedSMTP):
    """Implicit TLS on a pinned address; the certificate is verified for the host name."""

    def __init__(
        self, host: str, port: int, address: str | None, timeout: float, context: Any
    ) -> None:
        # SMTP_SSL calls SMTP.__init__ itself (connecting at once), not PinnedSMTP's
        self.pinned_address = address
        smtplib.SMTP_SSL.__init__(self, host, port, timeout=timeout, context=context)


def smtp_client(
    host: str, port: int, address: str | None, timeout: float, tls_context: Any | None
) -> smtplib.SMTP:
    """A connected SMTP client (implicit TLS when `tls_context` is given), to `address` if
    given, else to whatever `host` resolves to."""
    if tls_context is not None:
        return PinnedSMTPSSL(host, port, address, timeout, tls_context)
    return PinnedSMTP(host, port, address, timeout)
