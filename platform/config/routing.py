"""WebSocket routes of every app, gathered in one list for the ASGI application."""

from quizzes.routing import websocket_urlpatterns as quiz_routes

websocket_urlpatterns = [*quiz_routes]
