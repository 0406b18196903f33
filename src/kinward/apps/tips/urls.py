from django.urls import path

from kinward.apps.tips import views

app_name = "tips"
urlpatterns = [
    path("", views.submit, name="submit"),
    path("status/", views.status, name="status"),
    path("status/add/", views.add_information, name="add_information"),
    path("triage/", views.triage, name="triage"),
    path("triage/<int:tip_id>/", views.detail, name="detail"),
    path("triage/<int:tip_id>/act/", views.act, name="act"),
    path("triage/<int:tip_id>/case/", views.open_case, name="open_case"),
    path("triage/<int:tip_id>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
]
