from django.urls import include, path

app_name = "hazards"

urlpatterns = [
    # The hazard board, a hazard's page and its actions, reporting (随手拍), tasks and their checklists.
    path("", include("shuangfang.hazards.urls_pages")),
    # The three Order 74 records: 每日安全检查记录, 每周安全排查治理报告, 每月安全调度会议纪要.
    path("records/", include("shuangfang.hazards.urls_records")),
    # The regulator's side: major hazards, 挂牌督办, the inbox of what units and agencies reported.
    path("supervision/", include("shuangfang.hazards.urls_supervision")),
]
