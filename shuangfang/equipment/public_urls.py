from django.urls import path

from shuangfang.hazards import views_public

from . import views

urlpatterns = [
    path("<slug:token>/", views.public_equipment, name="equipment"),
    # 公众举报: anyone who scanned the label reports a hazard, without an account.
    path("<slug:token>/report/", views_public.public_report, name="report"),
    path("<slug:token>/report/done/", views_public.public_report_done, name="report-done"),
]
