"""Pages of the unit's safety management file, under /safety/ (names "safety:…")."""

from . import urls_duties, urls_exams, urls_file, urls_simple

app_name = "safety"

urlpatterns = urls_file.urlpatterns + urls_duties.urlpatterns + urls_exams.urlpatterns + urls_simple.urlpatterns
