from django.urls import path

from epiwatch.tracing.views import arrivals, clusters, contacts, followups, quarantine

# mounted at /tracing/; every record is named by its public UUID
urlpatterns = [
    path("", arrivals.home, name="tracing-home"),
    path("cases/<uuid:public_id>/contacts/", contacts.case_contacts, name="tracing-case-contacts"),
    path("cases/<uuid:public_id>/contacts/household/", contacts.add_household, name="tracing-add-household"),
    path("cases/<uuid:public_id>/contacts/roster/", contacts.add_roster, name="tracing-add-roster"),
    path("cases/<uuid:public_id>/contacts/person/", contacts.add_person, name="tracing-add-person"),
    path("contacts/", contacts.contact_list, name="tracing-contact-list"),
    path("contacts/<uuid:public_id>/status/", contacts.contact_status, name="tracing-contact-status"),
    path("chains/<uuid:public_id>/", clusters.chain_graph, name="tracing-chain-graph"),
    path("clusters/", clusters.cluster_list, name="tracing-cluster-list"),
    path("clusters/new/", clusters.cluster_create, name="tracing-cluster-create"),
    path("clusters/<uuid:public_id>/", clusters.cluster_detail, name="tracing-cluster-detail"),
    path(
        "clusters/<uuid:public_id>/members/", clusters.cluster_add_member, name="tracing-cluster-add-member"
    ),
    path("clusters/<uuid:public_id>/close/", clusters.cluster_close, name="tracing-cluster-close"),
    path("clusters/<uuid:public_id>/graph/", clusters.cluster_graph, name="tracing-cluster-graph"),
    path("quarantine/", quarantine.quarantine_list, name="tracing-quarantine-list"),
    path("quarantine/facilities/", quarantine.facility_occupancy, name="tracing-occupancy"),
    path(
        "quarantine/facilities/<uuid:public_id>/places/",
        quarantine.facility_capacity,
        name="tracing-facility-capacity",
    ),
    path("quarantine/<uuid:public_id>/", quarantine.quarantine_detail, name="tracing-quarantine-detail"),
    path(
        "quarantine/<uuid:public_id>/release/",
        quarantine.quarantine_release,
        name="tracing-quarantine-release",
    ),
    path("followups/", followups.due_list, name="tracing-followup-due"),
    path("followups/missed/", followups.missed_list, name="tracing-followup-missed"),
    path(
        "followups/<str:kind>/<uuid:public_id>/new/", followups.checkin_create, name="tracing-checkin-create"
    ),
    path("followups/<str:kind>/<uuid:public_id>/link/", followups.checkin_link, name="tracing-checkin-link"),
    path("followups/alerts/<uuid:public_id>/handled/", followups.alert_handled, name="tracing-alert-handled"),
    path("checkin/<str:key>/", followups.checkin, name="tracing-checkin"),
    path("arrivals/", arrivals.arrival_list, name="tracing-arrival-list"),
    path("arrivals/new/", arrivals.arrival_create, name="tracing-arrival-create"),
]
