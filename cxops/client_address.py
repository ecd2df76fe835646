"""The client's address, as the sign-in lockout counts it (django-axes' AXES_CLIENT_IP_CALLABLE).

Behind the reverse proxy that docs/deploy.md prescribes, the socket address is the proxy's, shared
by every client: keyed on it, four bad passwords from anyone would lock a user name for everybody.
The proxy writes the address it saw into X-Forwarded-For; that header is believed only on requests
whose socket address is a trusted proxy (`CXOPS_TRUSTED_PROXIES`), since anyone reaching the web
server directly could write any address there.  The header is read with django-ipware, with the
AXES_IPWARE_* settings (how many further proxies list themselves in it, and which they are).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from ipware.ip import get_client_ip

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def is_trusted_proxy(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_networks(tuple(settings.CXOPS_TRUSTED_PROXIES)))


def client_address(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    if not is_trusted_proxy(remote):
        return remote
    forwarded, _routable = get_client_ip(
        request,
        proxy_order=settings.AXES_IPWARE_PROXY_ORDER,
        proxy_count=settings.AXES_IPWARE_PROXY_COUNT,
        proxy_trusted_ips=settings.AXES_IPWARE_PROXY_TRUSTED_IPS or None,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
    )
    # No usable header (absent, malformed, more hops than configured): the socket address, so a
    # mangled header never shares a lockout with other clients' well-formed ones.
    return forwarded or remote
