"""`epiwatch load_areas`: loading the shipped datasets and the 2021 -> 2025 mapping."""

import datetime as dt
import io
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase

from epiwatch.geo.loading import load_dataset, successors
from epiwatch.geo.models import Area, AreaMapping


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_areas", *args, stdout=out)
    return out.getvalue().strip()


def run_failing(*args) -> tuple[int, str]:
    """The exit status the console script gives (CommandError.returncode) and the message it prints."""
    with pytest.raises(CommandError) as failure:
        call_command("load_areas", *args, stdout=io.StringIO())
    return failure.value.returncode, str(failure.value)


def names(dataset, **lookup) -> list[str]:
    return list(Area.objects.filter(dataset=dataset, **lookup).values_list("name", flat=True))


class LoadAreasTests(TestCase):
    def test_it_loads_bac_lieu(self):
        self.assertEqual(
            run("--dataset", "vn-2021", "--province", "95"), "vn-2021: created 72, updated 0 (province 95)"
        )
        self.assertEqual(Area.objects.filter(dataset="vn-2021").count(), 1 + 7 + 64)
        self.assertEqual(Area.objects.of_kind("district").count(), 7)
        self.assertEqual(Area.objects.of_kind("commune").count(), 64)
        ward = Area.objects.get(dataset="vn-2021", code="31813")
        self.assertEqual(
            (ward.name, ward.path, ward.parent.name), ("Phường 2", "95/954/31813", "Thành phố Bạc Liêu")
        )
        self.assertEqual([a.name for a in ward.ancestors()], ["Tỉnh Bạc Liêu", "Thành phố Bạc Liêu"])

    def test_it_loads_quang_ninh_with_its_districts(self):
        run("--dataset", "vn-2021", "--province", "22")
        districts = names("vn-2021", kind="district", parent__code="22")
        for name in ("Móng Cái", "Hải Hà", "Đầm Hà", "Tiên Yên", "Đông Triều"):
            self.assertTrue(any(d.endswith(name) for d in districts), f"{name} missing from {districts}")
        self.assertFalse(Area.objects.filter(path__startswith="95").exists())

    def test_it_changes_nothing_when_run_twice(self):
        run("--dataset", "vn-2021", "--province", "95")
        before = list(Area.objects.values_list("pk", "code", "name", "path", "parent_id"))
        self.assertEqual(
            run("--dataset", "vn-2021", "--province", "95"), "vn-2021: created 0, updated 0 (province 95)"
        )
        self.assertEqual(list(Area.objects.values_list("pk", "code", "name", "path", "parent_id")), before)

    def test_it_restores_a_changed_name_and_keeps_the_villages(self):
        load_dataset("vn-2021", province="95")
        ward = Area.objects.get(dataset="vn-2021", code="31813")
        village = ward.add_village("Khóm 1", code="01", village_kind="khom")
        Area.objects.filter(pk=ward.pk).update(name="Phường Hai")
        self.assertEqual(
            run("--dataset", "vn-2021", "--province", "95"), "vn-2021: created 0, updated 1 (province 95)"
        )
        ward.refresh_from_db()
        village.refresh_from_db()
        self.assertEqual(ward.name, "Phường 2")
        self.assertEqual((village.name, village.path), ("Khóm 1", "95/954/31813/31813-01"))

    def test_it_moves_a_commune_back_under_its_district_with_its_villages(self):
        load_dataset("vn-2021", province="95")
        ward = Area.objects.get(dataset="vn-2021", code="31813")
        village = ward.add_village("Khóm 1", code="01")
        hong_dan = Area.objects.get(dataset="vn-2021", code="956")
        Area.objects.filter(pk=ward.pk).update(parent=hong_dan, path="95/956/31813")
        Area.objects.filter(pk=village.pk).update(path="95/956/31813/31813-01")
        self.assertEqual(
            run("--dataset", "vn-2021", "--province", "95"), "vn-2021: created 0, updated 1 (province 95)"
        )
        ward.refresh_from_db()
        village.refresh_from_db()
        self.assertEqual((ward.parent.code, ward.path), ("954", "95/954/31813"))
        self.assertEqual(village.path, "95/954/31813/31813-01")

    def test_it_saves_nothing_on_a_dry_run(self):
        summary = run("--dataset", "vn-2021", "--province", "95", "--dry-run")
        self.assertEqual(summary, "vn-2021: created 72, updated 0 (province 95); dry run, nothing saved")
        self.assertFalse(Area.objects.exists())

    def test_it_exits_1_for_an_unknown_dataset(self):
        # the real console script, once: the status and the message an operator sees (with this run's settings)
        env = {"DJANGO_SETTINGS_MODULE": "epiwatch.test_settings", **os.environ}
        done = subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "load_areas", "--dataset", "vn-2030"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("Unknown dataset 'vn-2030': expected one of vn-2021, vn-2025.", done.stderr)
        self.assertEqual(done.stdout, "")

    def test_it_exits_1_for_an_unknown_province(self):
        status, err = run_failing(
            "--dataset", "vn-2025", "--province", "95"
        )  # Bạc Liêu joined Cà Mau in 2025
        self.assertEqual(status, 1)
        self.assertIn("Unknown province code '95' in dataset 'vn-2025'", err)
        self.assertFalse(Area.objects.exists())

    def test_it_exits_1_without_a_dataset(self):
        status, err = run_failing()
        self.assertEqual(status, 1)
        self.assertIn("--dataset", err)

    def test_it_loads_the_whole_country_in_seconds(self):
        started = time.monotonic()
        summary = run("--dataset", "vn-2021")
        elapsed = time.monotonic() - started
        self.assertEqual(summary, "vn-2021: created 11367, updated 0")
        self.assertEqual(Area.objects.count(), 11_367)
        self.assertLess(elapsed, 10)
        self.assertEqual(Area.objects.get(code="31813").path, "95/954/31813")
        self.assertEqual(Area.objects.filter(valid_from=None).count(), 11_367)


class MappingTests(TestCase):
    def test_it_links_2021_communes_to_2025_when_vn_2025_is_loaded(self):
        run("--dataset", "vn-2021", "--province", "95")
        summary = run("--dataset", "vn-2025", "--province", "96")
        self.assertEqual(
            summary,
            "vn-2025: created 65, updated 0 (province 96); mapping vn-2021->vn-2025: created 64, deleted 0, 64 links",
        )
        self.assertEqual(Area.objects.get(dataset="vn-2025", code="96").valid_from, dt.date(2025, 7, 1))
        ward = Area.objects.get(dataset="vn-2021", code="31813")  # Phường 2, TP Bạc Liêu
        self.assertEqual([(a.dataset, a.name) for a in successors(ward)], [("vn-2025", "Phường Bạc Liêu")])
        self.assertEqual(ward.successors(), successors(ward))
        merged = Area.objects.get(dataset="vn-2025", code="31825")
        self.assertEqual(
            {a.name for a in merged.predecessors()},
            {"Phường 1", "Phường 2", "Phường 3", "Phường 7", "Phường 8"},
        )
        self.assertEqual(
            run("--dataset", "vn-2025", "--province", "96"),
            "vn-2025: created 0, updated 0 (province 96); mapping vn-2021->vn-2025: created 0, deleted 0, 64 links",
        )
        self.assertEqual(AreaMapping.objects.count(), 64)

    def test_it_links_when_vn_2021_comes_second_and_on_the_mapping_flag(self):
        run("--dataset", "vn-2025", "--province", "96")
        self.assertIn("mapping vn-2021->vn-2025: created 64", run("--dataset", "vn-2021", "--province", "95"))
        AreaMapping.objects.all().delete()
        self.assertEqual(run("--mapping"), "mapping vn-2021->vn-2025: created 64, deleted 0, 64 links")
        self.assertEqual(
            run("--mapping", "--dry-run").split(";")[0],
            "mapping vn-2021->vn-2025: created 0, deleted 0, 64 links",
        )

    def test_it_removes_links_that_are_not_in_the_mapping(self):
        run("--dataset", "vn-2021", "--province", "95")
        run("--dataset", "vn-2025", "--province", "96")
        ward = Area.objects.get(dataset="vn-2021", code="31813")
        wrong = Area.objects.get(dataset="vn-2025", code="31834")
        AreaMapping.objects.create(from_area=ward, to_area=wrong)
        self.assertIn("created 0, deleted 1, 64 links", run("--mapping"))
        self.assertEqual([a.code for a in successors(ward)], ["31825"])

    def test_it_gives_every_target_of_a_split_commune_and_of_a_district(self):
        run("--dataset", "vn-2021", "--province", "22")
        run("--dataset", "vn-2025", "--province", "22")
        ha_khau = Area.objects.get(dataset="vn-2021", code="06655")  # split between two wards of Hạ Long
        self.assertEqual([a.name for a in successors(ha_khau)], ["Phường Việt Hưng", "Phường Tuần Châu"])
        village = ha_khau.add_village("Khu 3", code="3")
        self.assertEqual(successors(village), successors(ha_khau))
        ha_long = ha_khau.parent
        targets = successors(ha_long)
        self.assertIn("Phường Tuần Châu", [a.name for a in targets])
        self.assertEqual(len(targets), len({a.pk for a in targets}), "no target twice")
        self.assertEqual(successors(targets[0]), [], "a 2025 unit has no successor")

    def test_it_links_an_island_district_to_its_special_zone(self):
        run("--dataset", "vn-2021", "--province", "77")
        run("--dataset", "vn-2025", "--province", "79")
        con_dao = Area.objects.get(dataset="vn-2021", code="755")
        self.assertEqual([a.name for a in successors(con_dao)], ["Đặc khu Côn Đảo"])
