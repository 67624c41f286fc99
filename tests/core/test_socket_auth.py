"""Who is on the other end of a socket (core/socket_auth.py): no session cookie (or one no session has) is
anonymous, a logged-in session's cookie is its user. The host known by its cookie through the whole
application: tests/quizzes/test_consumers_in_a_hall.py."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from core.socket_auth import SocketAuthMiddlewareStack

pytestmark = pytest.mark.django_db(transaction=True)


async def who_is_there(scope, receive, send) -> None:
    """A socket that tells who the middleware says it is."""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    user = scope["user"]
    await send({"type": "websocket.send", "text": f"{user.is_authenticated}:{user.get_username()}"})


def reply(app, path: str, cookie: str = "") -> str:
    async def scenario() -> str:
        headers = [(b"origin", b"http://testserver")] + ([(b"cookie", cookie.encode())] if cookie else [])
        socket = WebsocketCommunicator(app, path, headers=headers)
        assert (await socket.connect())[0]
        text = await socket.receive_from(timeout=10)
        await socket.disconnect()
        return text

    return async_to_sync(scenario)()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_a_socket_without_a_session_is_anonymous_and_one_with_a_login_is_its_user(instructor):
    app = SocketAuthMiddlewareStack(who_is_there)
    assert reply(app, "/ws/") == "False:"
    assert reply(app, "/ws/", "sessionid=not-a-session-anyone-has") == "False:"
    assert reply(app, "/ws/", session_cookie(instructor)) == "True:instructor"
