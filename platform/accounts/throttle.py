"""Who a login attempt comes from, for django-axes' lock on (username, address).

Behind a reverse proxy every request's REMOTE_ADDR is the proxy's, and the lock on (username, address)
would become a lock on the username alone: anyone could lock a classmate out. With ``LOGIN_PROXY_COUNT``
proxies in front, the client is the address that the outermost of them put into X-Forwarded-For: the
N-th entry from the right. Entries further left are whatever the client sent, so they are never used.
"""

from django.conf import settings
from django.http import HttpRequest


def login_client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "LOGIN_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        return remote  # not through the expected proxies: the connection's own address
    return chain[-proxies][:64]
