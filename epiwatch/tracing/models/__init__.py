"""The tracing app's models, one module per concept."""

from epiwatch.tracing.models.arrivals import Arrival
from epiwatch.tracing.models.chains import Chain, ChainNode
from epiwatch.tracing.models.clusters import Cluster, ClusterKind, ClusterMember, ClusterStatus, MemberLink
from epiwatch.tracing.models.exposures import (
    Contact,
    ContactLevel,
    ContactStatus,
    Exposure,
    Setting,
)
from epiwatch.tracing.models.followup import CheckInLink, EnteredVia, FollowUp, Symptom
from epiwatch.tracing.models.quarantine import (
    FacilityCapacity,
    Place,
    Quarantine,
    QuarantineReason,
    QuarantineStatus,
    QuarantineTest,
    QuarantineTestStatus,
)

__all__ = [
    "Arrival",
    "Chain",
    "ChainNode",
    "CheckInLink",
    "Cluster",
    "ClusterKind",
    "ClusterMember",
    "ClusterStatus",
    "Contact",
    "ContactLevel",
    "ContactStatus",
    "EnteredVia",
    "Exposure",
    "FacilityCapacity",
    "FollowUp",
    "MemberLink",
    "Place",
    "Quarantine",
    "QuarantineReason",
    "QuarantineStatus",
    "QuarantineTest",
    "Setting",
    "Symptom",
    "QuarantineTestStatus",
]
