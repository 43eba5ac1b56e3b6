from django.urls import path

from epiwatch.care.views import admissions, facilities, overview, planner

# mounted at /care/; areas are named by dataset and GSO code, facilities, cases and admissions by public ids
urlpatterns = [
    path("", overview.home, name="care-home"),
    path("area/<str:dataset>/<str:code>/", overview.overview, name="care-overview"),
    path("area/<str:dataset>/<str:code>/threshold/", overview.set_threshold, name="care-threshold"),
    path("area/<str:dataset>/<str:code>/capacity.<str:fmt>", overview.export, name="care-export"),
    path("area/<str:dataset>/<str:code>/plan/", planner.plan, name="care-plan"),
    path("area/<str:dataset>/<str:code>/facilities/new/", facilities.create, name="care-facility-create"),
    path("facilities/<uuid:public_id>/", facilities.detail, name="care-facility"),
    path("facilities/<uuid:public_id>/edit/", facilities.edit, name="care-facility-edit"),
    path("facilities/<uuid:public_id>/capacity/", facilities.record_capacity, name="care-capacity"),
    path("cases/<uuid:public_id>/", admissions.case_page, name="care-case"),
    path("cases/<uuid:public_id>/admit/", admissions.admit, name="care-admit"),
    path("admissions/<uuid:public_id>/transfer/", admissions.transfer, name="care-transfer"),
    path("admissions/<uuid:public_id>/discharge/", admissions.discharge, name="care-discharge"),
    path("admissions/<uuid:public_id>/support/", admissions.change_support, name="care-support"),
    path("upload/", admissions.upload, name="care-upload"),
    path("upload/errors/<str:token>/", admissions.upload_errors, name="care-upload-errors"),
    path("templates/<str:kind>.<str:fmt>", admissions.import_template, name="care-template"),
]
