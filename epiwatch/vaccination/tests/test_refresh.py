"""Statuses stay in step with the doses: after a merge, an edited birth date, and `epiwatch refresh_vaccination`."""

import datetime as dt

from epiwatch.lib.tests.helpers import run_command
from epiwatch.people.merge import merge
from epiwatch.vaccination import coverage
from epiwatch.vaccination.models import VaccinationStatus
from epiwatch.vaccination.tests.base import VaccinationTestCase, population


class RefreshTests(VaccinationTestCase):
    def test_after_a_merge_the_refresh_counts_the_person_once_and_fully(self):
        population(self.commune_a1, 0, 0, 10, 0)
        kept = self.person("Nguyễn Văn An", "1990-03-15", self.commune_a1)
        other = self.person("Nguyen Van An", "1990-03-15", self.commune_a1)
        self.dose(kept, 1, "astrazeneca", "2021-08-01")
        self.dose(other, 2, "astrazeneca", "2021-10-01")
        self.assertEqual(coverage.coverage(self.commune_a1, dt.date(2021, 11, 4)).adults_1dose, 2)
        merge(other, kept)
        ran = run_command("refresh_vaccination")
        self.assertEqual(ran.out, "statuses 1\n")
        c = coverage.coverage(self.commune_a1, dt.date(2021, 11, 4))
        self.assertEqual((c.adults_1dose, c.adults_full), (1, 1))
        self.assertEqual(VaccinationStatus.objects.get().full_on, dt.date(2021, 10, 1))

    def test_a_corrected_birth_date_moves_the_person_to_their_band_on_refresh(self):
        person = self.person("Bà Tư", "1990-01-01", self.commune_a1)
        self.dose(person, 1, "pfizer", "2021-09-01")
        person.date_of_birth, person.birth_year = dt.date(1940, 1, 1), 1940
        person.save()
        run_command("refresh_vaccination", "--province", "95")
        self.assertEqual(coverage.coverage(self.commune_a1, dt.date(2021, 11, 4)).elderly_1dose, 1)

    def test_a_dry_run_changes_nothing(self):
        person = self.person("Bà Tư", "1990-01-01", self.commune_a1)
        self.dose(person, 1, "pfizer", "2021-09-01")
        VaccinationStatus.objects.all().delete()
        self.assertEqual(
            run_command("refresh_vaccination", "--dry-run").out, "statuses 1 (dry run: nothing stored)\n"
        )
        self.assertFalse(VaccinationStatus.objects.exists())
