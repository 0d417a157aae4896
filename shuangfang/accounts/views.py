from django.http import JsonResponse
from django.shortcuts import render

from .services import locked_message


def lockout_response(request, original_response=None, credentials=None, *args, **kwargs):
    """What django-axes answers when a locked account tries again: the API gets 429 with the time
    the lock ends, the browser the login page with the same message."""
    username = (credentials or {}).get("username", "")
    message = locked_message(username)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "accounts/login.html", {"locked_message": message}, status=429)
