"""Who is on the other end of a WebSocket: Channels' AuthMiddleware, without a database trip for a
socket that brings no session.

Channels resolves every socket's user in the one database thread, even when there is no session cookie
to look up: in a lecture hall that is one more trip per phone, queued behind every other join, resume
and answer. A socket without a session is anonymous, known on the event loop at once.
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib.auth.models import AnonymousUser


class SocketAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope) -> None:
        if scope["session"].session_key is None:
            scope["user"]._wrapped = AnonymousUser()
            return
        await super().resolve_scope(scope)


def SocketAuthMiddlewareStack(inner):  # noqa: N802 (named as Channels' AuthMiddlewareStack)
    return CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(inner)))
