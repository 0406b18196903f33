from django.urls import path

from kinward.apps.registry import views, views_antenatal, views_corrections

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
    path("children/<str:newborn_id>/events/<str:event_type>", views.custody_event, name="custody_event"),
    path("corrections/<int:proposal_id>/approve", views_corrections.approve, name="correction_approve"),
    path("corrections/<int:proposal_id>/reject", views_corrections.reject, name="correction_reject"),
    path("pregnancies/", views_antenatal.pregnancies, name="pregnancies"),
    path("pregnancies/enrol/", views_antenatal.pregnancy_enrol, name="pregnancy_enrol"),
    path("pregnancies/<int:pregnancy_id>/", views_antenatal.pregnancy, name="pregnancy"),
    path("pregnancies/<int:pregnancy_id>/visits", views_antenatal.pregnancy_visit, name="pregnancy_visit"),
    path("pregnancies/<int:pregnancy_id>/end", views_antenatal.pregnancy_end, name="pregnancy_end"),
    path("births/notify/", views.birth_notify, name="birth_notify"),
    path("births/<str:newborn_id>/notified/", views.birth_notified, name="birth_notified"),
]
