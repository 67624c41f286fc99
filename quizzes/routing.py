"""WebSocket routes of the live quiz."""

from django.urls import path

from quizzes import consumers

websocket_urlpatterns = [
    path("ws/quizzes/play/<str:pin>/", consumers.PlayerConsumer.as_asgi()),
    path("ws/quizzes/host/<int:game_id>/", consumers.HostConsumer.as_asgi()),
]
