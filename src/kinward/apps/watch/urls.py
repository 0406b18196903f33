from django.urls import path

from kinward.apps.watch import views

app_name = "watch"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("posts/<int:post_id>/", views.detail, name="post"),
    path("posts/<int:post_id>/decide/", views.decide, name="decide"),
    path("posts/<int:post_id>/case/", views.open_case, name="open_case"),
    path("posts/<int:post_id>/screenshot/", views.screenshot, name="screenshot"),
    path("submit/", views.submit, name="submit"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:source_id>/poll/", views.source_poll, name="source_poll"),
    path("import/", views.import_file, name="import"),
    path("entities/<int:entity_id>/", views.entity, name="entity"),
    path("model/", views.model, name="model"),
]
