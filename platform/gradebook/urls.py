app_name = "gradebook"
urlpatterns: list = []
