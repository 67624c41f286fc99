"""Who is on the other end of a WebSocket: Channels' session and auth middleware, made lighter for a
lecture hall's 2,000 sockets.

- Channels resolves every socket's user in the one database thread, even when there is no session cookie
  to look up: in a lecture hall that is one more trip per phone, queued behind every other join, resume
  and answer. A socket without a session is anonymous, known on the event loop at once.
- Channels' session wrapper checks the session on every frame sent, to save it with an HTTP response; a
  socket never sends one, so its frames go straight to the server (2,000 checks less per broadcast).
"""

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.contrib.auth.models import AnonymousUser


class SocketSessionMiddleware(SessionMiddleware):
    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await super().__call__(scope, receive, send)
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


class SocketAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope) -> None:
        if scope["session"].session_key is None:
            scope["user"]._wrapped = AnonymousUser()
            return
        await super().resolve_scope(scope)


def SocketAuthMiddlewareStack(inner):  # noqa: N802 (named as Channels' AuthMiddlewareStack)
    return CookieMiddleware(SocketSessionMiddleware(SocketAuthMiddleware(inner)))
