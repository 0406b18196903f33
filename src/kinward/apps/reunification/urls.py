from django.urls import path

from kinward.apps.reunification import views

app_name = "reunification"
urlpatterns = [
    path("tracing/", views.tracing_list, name="tracing_list"),
    path("tracing/<int:request_id>/", views.tracing_detail, name="tracing_detail"),
    path("children/", views.children, name="children"),
    path("samples/", views.samples, name="samples"),
    path("samples/<int:sample_id>/", views.sample_detail, name="sample_detail"),
    path("samples/<int:sample_id>/search/", views.sample_search, name="sample_search"),
    path("samples/<int:sample_id>/searches/", views.sample_runs, name="sample_runs"),
    path("imports/", views.imports, name="imports"),
    path("matches/", views.matches, name="matches"),
    path("matches/<int:match_id>/", views.match_detail, name="match_detail"),
]
