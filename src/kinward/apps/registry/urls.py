from django.urls import path

from kinward.apps.registry import views

app_name = "registry"
urlpatterns = [
    path("children/", views.child_find, name="find"),
    path("children/<str:newborn_id>/", views.child, name="child"),
    path("review/", views.review, name="review"),
    path("review/<str:newborn_id>/register", views.register, name="register"),
    path("review/<str:newborn_id>/approve-late", views.approve_late, name="approve_late"),
    path("transparency/", views.transparency, name="transparency"),
    path("children/<str:newborn_id>/certificate", views.certificate_issue, name="certificate_issue"),
    path("certificates/<int:certificate_id>/", views.certificate, name="certificate"),
    path("verify/", views.verify, name="verify"),
]
