import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase
from django.urls import reverse

from epiwatch.levels import maps
from epiwatch.levels.models import Boundary
from epiwatch.levels.tests.base import LevelsTestCase, propose_week

UPLOAD = reverse("levels-boundaries", args=["vn-2021", "95"])


def square(lon: float, lat: float, size: float = 0.05) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def collection(*features) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": geometry} for props, geometry in features
        ],
    }


def upload(data) -> SimpleUploadedFile:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile("communes.geojson", raw, content_type="application/geo+json")


COMMUNES = collection(
    ({"code": "31813", "name": "Phường 7"}, square(105.70, 9.28)),
    ({"gso_code": 31816}, square(105.75, 9.28)),
    ({"ma_xa": "31840"}, square(105.60, 9.40)),
)


class MapTests(LevelsTestCase):
    def test_it_colours_uploaded_outlines_by_level(self):
        propose_week(self)
        self.login(self.province_admin)
        response = self.client.post(UPLOAD, {"file": upload(COMMUNES)})
        self.assertRedirects(response, reverse("levels-overview", args=["vn-2021", "95"]))
        self.assertEqual(Boundary.objects.count(), 3)
        page = self.client.get(reverse("levels-overview", args=["vn-2021", "95"]))
        self.assertContains(page, '<svg class="level-map"')
        self.assertContains(page, 'class="level-4 proposed"', count=1)
        self.assertContains(page, 'class="level-3 proposed"', count=1)
        self.assertContains(page, "<title>Phường 8: level 4 (proposed)</title>", html=False)
        self.assertNotContains(page, 'class="tile ')

    def test_it_replaces_the_outline_of_an_area_uploaded_again(self):
        self.login(self.province_admin)
        self.client.post(UPLOAD, {"file": upload(COMMUNES)})
        self.client.post(UPLOAD, {"file": upload(collection(({"code": "31813"}, square(106.0, 9.0, 0.1))))})
        self.assertEqual(Boundary.objects.count(), 3)
        self.assertEqual(
            Boundary.objects.get(area=self.commune_a1).geometry["coordinates"][0][1], [106.1, 9.0]
        )

    def test_it_refuses_bad_files_with_the_feature_and_problem(self):
        self.login(self.province_admin)
        for data, message in (
            (b"not json", "The file is not GeoJSON (JSON)"),
            ({"type": "Feature"}, "The file must be a GeoJSON FeatureCollection."),
            (collection(({"name": "x"}, square(105, 9))), "feature 1 has no area code"),
            (
                collection(({"code": "31813"}, {"type": "Point", "coordinates": [105, 9]})),
                "feature 1 (code 31813): the geometry is Point",
            ),
            (
                collection(({"code": "31813"}, square(105, 9)), ({"code": "31813"}, square(106, 9))),
                "feature 2 (code 31813): the code appears twice",
            ),
            (
                collection(
                    (
                        {"code": "31813"},
                        {"type": "Polygon", "coordinates": [[[105, 9], [200, 9], [105, 10], [105, 9]]]},
                    )
                ),
                "is not a longitude and latitude",
            ),
            # a commune of another province
            (
                collection(({"code": "31813"}, square(105, 9)), ({"code": "06757"}, square(107, 21))),
                "These codes are not areas of Tỉnh Bạc Liêu: 06757",
            ),
        ):
            with self.subTest(message=message):
                response = self.client.post(UPLOAD, {"file": upload(data)})
                self.assertEqual(response.status_code, 200)
                self.assertIn(message, " ".join(response.context["form"].errors["file"]))
        self.assertFalse(Boundary.objects.exists())

    def test_only_the_province_administrators_upload(self):
        self.assert_refused(
            UPLOAD,
            [
                None,
                self.province_analyst,
                self.district_a,
                self.commune,
                self.other_province_user,
                self.outsider,
            ],
        )
        for user in (self.province_analyst, self.district_a, self.other_province_user):
            self.login(user)
            self.client.post(UPLOAD, {"file": upload(COMMUNES)})
        self.assertFalse(Boundary.objects.exists())


class DrawingTests(SimpleTestCase):
    def test_it_projects_outlines_into_one_view_box(self):
        drawing = maps.svg_shapes([("a", square(105.0, 9.0, 1.0)), ("b", square(106.0, 9.0, 1.0))], width=200)
        self.assertEqual(drawing.width, 200.0)
        self.assertEqual(len(drawing.shapes), 2)
        a, b = drawing.shapes
        self.assertTrue(a.d.startswith("M0.0 101.4L"), a.d)  # the south-west corner: left, bottom
        self.assertTrue(a.d.endswith("Z"))
        # longitudes are shrunk by cos(9.5°): two one-degree squares side by side are 200 wide, 101.4 high
        self.assertAlmostEqual(drawing.height, 100.0 / 0.98629, delta=0.1)
        self.assertIn("200.0 0.0", b.d)  # the north-east corner: right, top

    def test_it_drops_points_closer_than_half_a_pixel(self):
        ring = [[105.0, 9.0], [105.0000001, 9.0], [106.0, 9.0], [106.0, 10.0], [105.0, 9.0]]
        drawing = maps.svg_shapes([("a", {"type": "Polygon", "coordinates": [ring]})], width=100)
        self.assertEqual(drawing.shapes[0].d.count("L"), 3)  # 5 positions, the second dropped

    def test_it_draws_nothing_without_outlines(self):
        self.assertIsNone(maps.svg_shapes([]))
