from django.urls import path

from kinward.apps.reporting import views

app_name = "reporting"
urlpatterns = [
    path("file/", views.report_file, name="file"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:filing_id>/", views.report_detail, name="report"),
    path("steps/<int:step_id>/<str:action>/", views.step_act, name="step_act"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("missed/<int:missed_id>/", views.missed_detail, name="missed"),
    path("missed/<int:missed_id>/decide/", views.missed_decide, name="missed_decide"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/open/", views.penalty_open, name="penalty_open"),
    path("penalties/<int:proceeding_id>/", views.penalty_detail, name="penalty"),
    path("penalties/<int:proceeding_id>/<str:action>/", views.penalty_act, name="penalty_act"),
]
