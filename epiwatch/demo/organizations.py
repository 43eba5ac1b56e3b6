"""The demo's organizations and users: who works where in Bạc Liêu, and one demo login per role and scope.

Organization codes are short and stable (`bl-soyte`, `bl-ttyt-954`, `bl-tyt-31813`): later data and tests refer
to them. Names of the public bodies follow the usual Vietnamese naming; the seafood factories have invented,
plausible names (no real company is meant).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Q

from epiwatch.accounts.models import Membership, Organization, OrgKind, Role
from epiwatch.geo.models import Area, AreaKind


class DemoError(Exception):
    """The demo cannot be loaded as configured; the message says why."""


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    area_code: str  # GSO code of the area it sits in


# Organizations other than the district centres and commune stations (one per district / commune, below).
FIXED_ORGANIZATIONS: tuple[OrgSpec, ...] = (
    OrgSpec("bl-soyte", "Sở Y tế tỉnh Bạc Liêu", OrgKind.HEALTH_DEPARTMENT, "95"),
    OrgSpec("bl-cdc", "Trung tâm Kiểm soát bệnh tật tỉnh Bạc Liêu", OrgKind.CDC, "95"),
    OrgSpec("bl-lab-cdc", "Phòng xét nghiệm – CDC Bạc Liêu", OrgKind.LAB, "31825"),
    OrgSpec("bl-lab-bvdk", "Khoa Xét nghiệm – Bệnh viện Đa khoa tỉnh Bạc Liêu", OrgKind.LAB, "31828"),
    OrgSpec("bl-bvdk", "Bệnh viện Đa khoa tỉnh Bạc Liêu", OrgKind.HOSPITAL, "31828"),
    OrgSpec("bl-bvdc-1", "Bệnh viện dã chiến số 1 (Trường THPT Bạc Liêu)", OrgKind.HOSPITAL, "31825"),
    OrgSpec(
        "bl-kcl-ktx", "Khu cách ly tập trung Ký túc xá sinh viên, Khu A", OrgKind.QUARANTINE_FACILITY, "31822"
    ),
    OrgSpec("bl-thuysan-1", "Nhà máy chế biến thủy sản Láng Tròn", OrgKind.ENTERPRISE, "31951"),
    OrgSpec("bl-thuysan-2", "Nhà máy chế biến tôm Nhà Mát", OrgKind.ENTERPRISE, "31831"),
    OrgSpec("bl-thuysan-3", "Nhà máy chế biến hải sản Gành Hào", OrgKind.ENTERPRISE, "31972"),
    OrgSpec("bl-thpt-baclieu", "Trường THPT Bạc Liêu", OrgKind.SCHOOL, "31825"),
    OrgSpec("bl-thpt-giarai", "Trường THPT Giá Rai", OrgKind.SCHOOL, "31942"),
    OrgSpec("bl-thpt-ganhhao", "Trường THPT Gành Hào", OrgKind.SCHOOL, "31972"),
    OrgSpec("bl-thcs-p7", "Trường THCS Phường 7", OrgKind.SCHOOL, "31822"),
    OrgSpec("bl-th-ngandua", "Trường Tiểu học Ngan Dừa", OrgKind.SCHOOL, "31843"),
)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def organization_specs(districts: list[Area], communes: list[Area]) -> list[OrgSpec]:
    """Every demo organization: the fixed ones, a health centre per district and a station per commune."""
    specs = list(FIXED_ORGANIZATIONS)
    for district in districts:
        specs.append(
            OrgSpec(
                f"bl-ttyt-{district.code}",
                f"Trung tâm Y tế {_lower_first(district.name)}",
                OrgKind.DISTRICT_CENTRE,
                district.code,
            )
        )
    names = [c.name for c in communes]
    district_names = {d.pk: d.name for d in districts}
    for commune in communes:
        name = f"Trạm Y tế {commune.name}"
        if names.count(commune.name) > 1:  # "Phường 1" is in Thành phố Bạc Liêu and in Giá Rai
            name += f" ({district_names.get(commune.parent_id, '')})"
        specs.append(OrgSpec(f"bl-tyt-{commune.code}", name, OrgKind.COMMUNE_STATION, commune.code))
    return specs


def load_organizations(province: Area) -> tuple[int, int]:
    """Create or update the demo organizations of the province. Returns (created, updated)."""
    areas = {a.code: a for a in Area.objects.subtree(province).exclude(kind=AreaKind.VILLAGE)}
    districts = sorted((a for a in areas.values() if a.kind == AreaKind.DISTRICT), key=lambda a: a.code)
    communes = sorted((a for a in areas.values() if a.kind == AreaKind.COMMUNE), key=lambda a: a.code)
    specs = organization_specs(districts, communes)
    existing = {o.code: o for o in Organization.objects.filter(code__in=[s.code for s in specs])}
    created = updated = 0
    for spec in specs:
        area = areas[spec.area_code]
        org = existing.get(spec.code)
        if org is None:
            Organization.objects.create(code=spec.code, name=spec.name, kind=spec.kind, area=area)
            created += 1
        elif (org.name, org.kind, org.area_id, org.is_active) != (spec.name, spec.kind, area.pk, True):
            org.name, org.kind, org.area, org.is_active = spec.name, spec.kind, area, True
            org.save(update_fields=["name", "kind", "area", "is_active"])
            updated += 1
    return created, updated


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    organization: str | None  # organization code; None for the outsider
    role: str | None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-province-admin", "Trần Thị Ngọc Hân", "bl-soyte", Role.ADMIN),
    DemoUser("demo-province-analyst", "Lê Minh Khoa", "bl-cdc", Role.ANALYST),
    DemoUser("demo-district", "Nguyễn Văn Tâm", "bl-ttyt-954", Role.DATA_ENTRY),
    DemoUser("demo-commune", "Huỳnh Thị Mỹ Linh", "bl-tyt-31813", Role.DATA_ENTRY),
    DemoUser("demo-school", "Phạm Thanh Tùng", "bl-thpt-baclieu", Role.DATA_ENTRY),
    DemoUser("demo-enterprise", "Võ Thị Kim Ngân", "bl-thuysan-1", Role.DATA_ENTRY),
    DemoUser("demo-lab", "Đặng Quốc Huy", "bl-lab-cdc", Role.LAB_TECHNICIAN),
    DemoUser("demo-clinician", "Lâm Hoàng Phúc", "bl-bvdk", Role.CLINICIAN),
    DemoUser("demo-viewer", "Thạch Thị Sa Ra", "bl-ttyt-959", Role.VIEWER),
    DemoUser("demo-outsider", "Ngô Văn Bình", None, None),
)


def what_they_see(org: Organization | None) -> str:
    if org is None:
        return "nothing (no membership)"
    if org.sees_area:
        return f"everything in {org.area.name}"
    if org.sees_roster:
        return "the people on its roster and what it submitted"
    return "what it submitted"


def check_password(password: str) -> None:
    """The demo password must pass the password validators for every demo user (ValidationError otherwise)."""
    for spec in DEMO_USERS:
        validate_password(password, User(username=spec.username, first_name=spec.full_name))


def load_users(password: str) -> tuple[int, int]:
    """Create or update the demo users and their single membership each. Returns (created, updated).

    Idempotent: the password is set only when it does not already match (no new hash on each run), and a demo
    user keeps exactly the membership listed here.
    """
    try:
        check_password(password)
    except ValidationError as exc:
        raise DemoError(
            "DEMO_PASSWORD is refused by the password validators: " + " ".join(exc.messages)
        ) from None
    orgs = {
        o.code: o
        for o in Organization.objects.filter(code__in=[u.organization for u in DEMO_USERS if u.organization])
    }
    created = updated = 0
    for spec in DEMO_USERS:
        # the whole name in first_name: Vietnamese names do not split into first and last (accounts' convention)
        user, was_created = User.objects.get_or_create(
            username=spec.username, defaults={"first_name": spec.full_name}
        )
        changed = was_created
        if (user.first_name, user.last_name, user.is_active, user.is_staff, user.is_superuser) != (
            spec.full_name,
            "",
            True,
            False,
            False,
        ):
            user.first_name, user.last_name = spec.full_name, ""
            user.is_active, user.is_staff, user.is_superuser = True, False, False
            changed = True
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        org = orgs.get(spec.organization) if spec.organization else None
        others = Membership.objects.filter(user=user)
        if org is not None:
            others = others.exclude(Q(organization=org) & Q(role=spec.role))
        removed, _ = others.delete()
        added = False
        if org is not None:
            _m, added = Membership.objects.get_or_create(user=user, organization=org, role=spec.role)
        created += was_created
        updated += (changed or removed or added) and not was_created
    return created, updated
