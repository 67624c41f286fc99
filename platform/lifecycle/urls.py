from django.urls import path

from lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download.zip", views.my_data_download, name="my_data_download"),
    path("courses/<str:code>/term/", views.term, name="term"),
    path("courses/<str:code>/final-export.csv", views.final_export, name="final_export"),
    path("courses/<str:code>/audit/", views.audit, name="audit"),
]
