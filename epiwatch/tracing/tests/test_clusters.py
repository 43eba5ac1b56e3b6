"""Clusters: members by hand and by roster, attack rate, epidemic curve, closing when quiet; pages and refusals."""

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from epiwatch.tracing import clusters, contacts, svg
from epiwatch.tracing.models import Cluster, ClusterKind, ClusterMember, ClusterStatus, MemberLink
from epiwatch.tracing.tests.base import TracingTestCase, frozen_today


class ClusterTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        self.cluster = clusters.open_cluster(
            "Nhà máy thủy sản 1",
            ClusterKind.ENTERPRISE,
            self.commune_a2,
            dt.date(2021, 11, 1),
            organization=self.enterprise_org,
        )
        self.worker_cases = [
            self.make_case(w, onset=dt.date(2021, 11, 2 + i), report=dt.date(2021, 11, 4 + i))
            for i, w in enumerate(self.workers[:2])
        ]

    def test_a_case_on_the_roster_joins_the_cluster_when_it_opens(self):
        for case in self.worker_cases:
            contacts.case_opened(case)
        members = ClusterMember.objects.filter(cluster=self.cluster).order_by("day")
        self.assertEqual(
            [(m.case, m.link, m.day) for m in members],
            [
                (self.worker_cases[0], MemberLink.ROSTER, dt.date(2021, 11, 2)),
                (self.worker_cases[1], MemberLink.ROSTER, dt.date(2021, 11, 3)),
            ],
        )
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.last_case_on, dt.date(2021, 11, 3))

    def test_it_computes_the_attack_rate_among_the_roster(self):
        for case in self.worker_cases:
            clusters.add_member(self.cluster, case)
        clusters.add_member(self.cluster, self.case_an)  # a visitor: not on the roster
        rate = clusters.attack_rate(self.cluster)
        self.assertEqual((rate.cases, rate.roster, rate.not_on_roster, rate.percent), (2, 4, 1, 50.0))

    def test_it_has_no_attack_rate_without_a_roster(self):
        market = clusters.open_cluster("Chợ", ClusterKind.MARKET, self.commune_a1, dt.date(2021, 11, 1))
        self.assertIsNone(clusters.attack_rate(market))

    def test_it_draws_the_epidemic_curve_day_by_day(self):
        for case in self.worker_cases:
            clusters.add_member(self.cluster, case)
        days = clusters.curve(self.cluster, until=dt.date(2021, 11, 5))
        self.assertEqual(
            days,
            [
                (dt.date(2021, 11, 1), 0),
                (dt.date(2021, 11, 2), 1),
                (dt.date(2021, 11, 3), 1),
                (dt.date(2021, 11, 4), 0),
                (dt.date(2021, 11, 5), 0),
            ],
        )
        curve = svg.epidemic_curve(days)
        self.assertEqual([b.count for b in curve.bars], [0, 1, 1, 0, 0])
        self.assertEqual([t.label for t in curve.y_ticks], ["0", "1"])

    def test_it_closes_quiet_clusters_and_keeps_the_others(self):
        clusters.add_member(self.cluster, self.worker_cases[0])  # last case 02/11
        busy = clusters.open_cluster(
            "Trường", ClusterKind.SCHOOL, self.commune_a1, dt.date(2021, 11, 1), first_case=self.case_an
        )
        out = StringIO()
        call_command("close_clusters", "--date", "2021-11-16", stdout=out)  # 14 days after 02/11
        self.assertEqual(out.getvalue().strip(), "closed 1 clusters (of 2 active)")
        self.cluster.refresh_from_db()
        busy.refresh_from_db()
        self.assertEqual(
            (self.cluster.status, self.cluster.closed_on, self.cluster.closed_automatically),
            (ClusterStatus.CLOSED, dt.date(2021, 11, 16), True),
        )
        self.assertEqual(busy.status, ClusterStatus.ACTIVE)  # last case 05/11

    def test_the_quiet_days_are_configurable(self):
        clusters.add_member(self.cluster, self.worker_cases[0])
        with override_settings(CLUSTER_QUIET_DAYS=28):
            self.assertEqual(clusters.close_quiet(dt.date(2021, 11, 16)), [])
        self.cluster.quiet_days = 7
        self.cluster.save()
        self.assertEqual(clusters.close_quiet(dt.date(2021, 11, 9), default_days=28), [self.cluster])

    def test_the_dry_run_closes_nothing(self):
        out = StringIO()
        call_command("close_clusters", "--date", "2021-12-31", "--dry-run", stdout=out)
        self.assertEqual(out.getvalue().strip(), "would close 1 clusters (of 1 active)")
        self.assertEqual(Cluster.objects.get().status, ClusterStatus.ACTIVE)

    def test_a_new_case_opens_a_closed_cluster_again(self):
        clusters.close(self.cluster, dt.date(2021, 11, 20))
        clusters.add_member(self.cluster, self.worker_cases[1])
        self.cluster.refresh_from_db()
        self.assertEqual((self.cluster.status, self.cluster.closed_on), (ClusterStatus.ACTIVE, None))

    def test_it_refuses_to_close_before_opening(self):
        with self.assertRaisesMessage(
            clusters.ClusterError, "A cluster cannot close before it opened (01/11/2021)."
        ):
            clusters.close(self.cluster, dt.date(2021, 10, 30))


class ClusterPagesTestCase(TracingTestCase):
    def setUp(self):
        super().setUp()
        self.cluster = clusters.open_cluster(
            "Nhà máy thủy sản 1",
            ClusterKind.ENTERPRISE,
            self.commune_a2,
            dt.date(2021, 11, 1),
            organization=self.enterprise_org,
        )
        self.worker_case = self.make_case(self.workers[0], onset=dt.date(2021, 11, 3))
        clusters.add_member(self.cluster, self.worker_case)

    def test_the_page_shows_curve_members_and_attack_rate(self):
        self.login(self.district_a)
        with frozen_today():
            response = self.client.get(reverse("tracing-cluster-detail", args=[self.cluster.public_id]))
        self.assertContains(response, "Công nhân 0")
        self.assertContains(response, '<svg class="curve"')
        self.assertContains(response, "25.0 %")
        self.assertContains(response, "1 case among the 4 people on the roster")

    def test_the_enterprise_sees_its_cluster_and_only_its_own_workers_names(self):
        clusters.add_member(self.cluster, self.case_an)  # not one of its workers
        self.login(self.enterprise)
        response = self.client.get(reverse("tracing-cluster-detail", args=[self.cluster.public_id]))
        self.assertContains(response, "Công nhân 0")
        self.assertContains(response, "a case outside your area")
        self.assertNotContains(response, "Nguyễn Văn An")

    def test_pages_are_refused_outside_the_area(self):
        for name in ("tracing-cluster-detail", "tracing-cluster-graph"):
            url = reverse(name, args=[self.cluster.public_id])
            self.assert_refused(
                url,
                [
                    None,
                    self.commune,
                    self.district_b,
                    self.school,
                    self.lab,
                    self.other_province_user,
                    self.outsider,
                    self.facility_user,
                ],
            )
            self.assert_allowed(url, [self.district_a, self.province_analyst, self.enterprise])
        self.assert_refused(reverse("tracing-cluster-list"), [None, self.outsider])

    def test_the_list_shows_only_visible_clusters(self):
        self.login(self.district_b)
        response = self.client.get(reverse("tracing-cluster-list"))
        self.assertNotContains(response, "Nhà máy thủy sản 1")

    def test_opening_a_cluster_from_a_case(self):
        self.login(self.commune)
        url = reverse("tracing-cluster-create") + f"?case={self.case_an.public_id}"
        response = self.client.post(
            url,
            {
                "name": "Khóm 3",
                "kind": ClusterKind.RESIDENTIAL_GROUP,
                "area": self.commune_a1.pk,
                "opened_on": "2021-11-07",
            },
        )
        cluster = Cluster.objects.get(name="Khóm 3")
        self.assertRedirects(response, reverse("tracing-cluster-detail", args=[cluster.public_id]))
        self.assertEqual(list(cluster.members.values_list("case", flat=True)), [self.case_an.pk])

    def test_opening_is_refused_without_a_writing_area_role(self):
        url = reverse("tracing-cluster-create")
        self.assert_refused(
            url, [None, self.province_analyst, self.commune_viewer, self.enterprise, self.lab, self.outsider]
        )
        # a commune cannot open a cluster in another commune's area
        self.login(self.commune)
        response = self.client.post(
            url,
            {"name": "X", "kind": ClusterKind.MARKET, "area": self.commune_b1.pk, "opened_on": "2021-11-07"},
        )
        self.assertEqual(list(response.context["form"].errors), ["area"])
        self.assertFalse(Cluster.objects.filter(name="X").exists())

    def test_adding_a_case_and_closing_are_refused_to_readers(self):
        add = reverse("tracing-cluster-add-member", args=[self.cluster.public_id])
        close = reverse("tracing-cluster-close", args=[self.cluster.public_id])
        for url in (add, close):
            self.assert_refused(
                url,
                [None, self.enterprise, self.province_analyst, self.district_b, self.outsider],
                method="post",
                data={"case": str(self.case_an.public_id)},
            )
        self.login(self.district_a)
        self.client.post(add, {"case": str(self.case_an.public_id)})
        self.assertTrue(self.cluster.members.filter(case=self.case_an).exists())
        self.client.post(close)
        self.cluster.refresh_from_db()
        self.assertEqual(self.cluster.status, ClusterStatus.CLOSED)
