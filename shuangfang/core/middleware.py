from .context import new_request_id, request_context


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and remembers its source address for the event log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = new_request_id()
        request.request_id = request_id
        with request_context(request_id, request.META.get("REMOTE_ADDR")):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
