"""Training exams and the regulator's spot-check (抽查考核), and the question bank."""

from django.urls import path

from . import views_exams

urlpatterns = [
    path("exams/", views_exams.exam_list, name="exams"),
    path("exams/new/", views_exams.exam_new, name="exam-new"),
    path("exams/<int:pk>/", views_exams.exam_detail, name="exam"),
    path("exams/<int:pk>/export/", views_exams.exam_export, name="exam-export"),
    path("exams/attempts/<int:attempt_pk>/", views_exams.exam_take, name="exam-take"),
    path("questions/", views_exams.question_list, name="questions"),
    path("questions/new/", views_exams.question_new, name="question-new"),
]
