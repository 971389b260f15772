"""The address of the person making a request, as the rate limits must see it.

Behind a reverse proxy every request comes from the proxy's address, so a limit keyed
on REMOTE_ADDR lets one attacker lock everybody out. Each trusted proxy appends the
address it received the request from to X-Forwarded-For; with TRUSTED_PROXY_COUNT
proxies in front of us, the client is the entry that many places from the end. Entries
further left were written by the client and cannot be trusted.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def client_ip(request) -> str:
    """The client's address: from X-Forwarded-For behind trusted proxies, else REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count <= 0 or not forwarded:
        return remote
    # Fewer entries than proxies: a proxy of ours wrote the leftmost one, so it is the best we have.
    chosen = forwarded[-count] if len(forwarded) >= count else forwarded[0]
    return _valid(chosen) or remote
