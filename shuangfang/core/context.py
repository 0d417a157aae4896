"""Per-request facts (request id, source address) that the event log records with every event.

Services are called from web views, API views, management commands and background jobs; the
middleware fills these in for requests, and everything else leaves them empty.
"""

import contextvars
import uuid
from contextlib import contextmanager

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
source_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("source_ip", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_context(request_id: str, source_ip: str | None):
    request_token = request_id_var.set(request_id)
    ip_token = source_ip_var.set(source_ip)
    try:
        yield
    finally:
        request_id_var.reset(request_token)
        source_ip_var.reset(ip_token)
