import ipaddress

from django.conf import settings

from .audit import page_exception_response, record_denial
from .context import new_request_id, request_context


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return any(address in network for network in proxies)


def client_address(meta: dict) -> str | None:
    """The address of the client: REMOTE_ADDR, or behind the reverse proxies named in TRUSTED_PROXIES, the last
    X-Forwarded-For hop that is not one of them (the hops before it are whatever the client chose to send)."""
    remote = meta.get("REMOTE_ADDR")
    proxies = [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]
    peer = _address(remote or "")
    if not proxies or peer is None or not _trusted(peer, proxies):
        return remote
    for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            return remote
        if not _trusted(address, proxies):
            return str(address)
    return remote


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID), remembers its source address for the event log (behind
    a trusted reverse proxy, the client's: REMOTE_ADDR is rewritten so that every later reader agrees), and
    records each refusal (403) as one `auth.denied` event (core/audit.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id()
        request.request_id = request_id
        source_ip = client_address(request.META)
        if source_ip != request.META.get("REMOTE_ADDR"):
            request.META["PROXY_ADDR"] = request.META.get("REMOTE_ADDR")
            request.META["REMOTE_ADDR"] = source_ip
        with request_context(request_id, source_ip):
            response = self.get_response(request)
            record_denial(request, response)
        response["X-Request-ID"] = request_id
        return response

    def process_exception(self, request, exception):
        return page_exception_response(request, exception)
