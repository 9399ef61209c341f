"""Where webhooks may be sent: public addresses, and private ones only when allowed.

A webhook URL is typed by an admin, and the delivery log shows what each POST met: without a
rule, webhooks would let anyone with an admin token probe the server's own network (loopback,
RFC 1918, link-local, cloud metadata at 169.254.169.254). So a destination whose host resolves
to such an address is refused unless `--webhook-allow` names the host or a network holding the
address. The check runs when a webhook is registered through the API and again before every
delivery (a host's address can change).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from reviewdesk.errors import UserError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """The addresses `host` resolves to (none: it does not resolve)."""
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(entry[4][0]) for entry in found})


def _internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


@dataclass(frozen=True)
class Destinations:
    """The rule for webhook destinations.

    Args:
        allowed: host names or networks (`10.0.0.0/8`, `127.0.0.1`, `hooks.internal`) that may
            be reached although they are private.
        resolver: host name to addresses (tests may pass their own).
    """

    allowed: Sequence[str] = ()
    resolver: Resolver = field(default=resolve, compare=False)

    def __post_init__(self) -> None:
        for entry in self.allowed:
            _network(entry)  # raises UserError for neither a network nor a host name

    def problem(self, url: str) -> str | None:
        """Why a delivery to `url` is not allowed (None: it is)."""
        try:
            host = httpx.URL(url).host
        except httpx.InvalidURL:
            return f"{url!r} is not a URL"
        if not host:
            return f"{url!r} has no host"
        names = {entry.lower() for entry in self.allowed if _network(entry) is None}
        if host.lower().rstrip(".") in names:
            return None
        networks = [net for entry in self.allowed if (net := _network(entry)) is not None]
        try:
            addresses = [ipaddress.ip_address(host)]
        except ValueError:
            addresses = [ipaddress.ip_address(found) for found in self.resolver(host)]
        for address in addresses:
            if _internal(address) and not any(address in network for network in networks):
                return (
                    f"{host} is {address}, a private or local address: webhooks reach it only "
                    "when the server is started with --webhook-allow naming it"
                )
        return None


def _network(entry: str) -> Network | None:
    """`entry` as a network (an address is a network of one), or None for a host name.

    Raises:
        UserError: `entry` is empty or has characters no host name has.
    """
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        pass
    if not entry or not all(
        part and part.replace("-", "").isalnum() for part in entry.rstrip(".").split(".")
    ):
        raise UserError(
            f"--webhook-allow {entry!r}: neither a network (10.0.0.0/8), an address nor a host name"
        )
    return None
