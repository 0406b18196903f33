from django.urls import path

from kinward.apps.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral"),
    path("referrals/<int:referral_id>/<slug:what>/", views.referral_act, name="referral_act"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("services/", views.directory, name="directory"),
    path("export.csv", views.export, name="export"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/<slug:what>/", views.case_act, name="act"),
    path("<int:case_id>/screen/<slug:code>/<int:version>/", views.screen, name="screen"),
]
