"""Sense: filing reports, my reports, triage, issues, imports (namespace `reports`, under /sense/)."""

from django.urls import path

from cxops.views import imports
from cxops.views import issue_clock
from cxops.views import issues
from cxops.views import lexicon
from cxops.views import reports
from cxops.views import triage

app_name = "reports"

urlpatterns = [
    path("", reports.file_report, name="file"),
    path("mine/", reports.my_reports, name="mine"),
    path("reports/<int:pk>/", reports.report_detail, name="detail"),
    path("similar/", reports.similar_issues, name="similar"),
    path("triage/", triage.triage_queue, name="triage"),
    path("triage/act/", triage.triage_act, name="triage-act"),
    path("triage/not-same/", triage.triage_not_same, name="triage-not-same"),
    path("triage/groups/", triage.triage_groups, name="triage-groups"),
    path("lexicon/", lexicon.lexicon, name="lexicon"),
    path("lexicon/new/", lexicon.lexicon_new, name="lexicon-new"),
    path("lexicon/<int:pk>/", lexicon.lexicon_concept, name="lexicon-concept"),
    path("issues/", issues.issues, name="issues"),
    path("issues/search/", triage.issue_search, name="issue-search"),
    path("issues/<int:pk>/", issues.issue_detail, name="issue"),
    path("issues/<int:pk>/edit/", issues.issue_edit, name="issue-edit"),
    path("issues/<int:pk>/follow/", issues.issue_follow, name="issue-follow"),
    path("issues/<int:pk>/owner/", issue_clock.issue_owner, name="issue-owner"),
    path("imports/", imports.imports, name="imports"),
    path("imports/template.csv", imports.import_template, name="import-template"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import-mapping"),
    path("imports/<int:pk>/start/", imports.import_start, name="import-start"),
    path("imports/<int:pk>/resume/", imports.import_resume, name="import-resume"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/rejected.csv", imports.import_rejected, name="import-rejected"),
]
