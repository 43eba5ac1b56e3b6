"""Import a spreadsheet (CSV or XLSX) of one kind, for one organization.

    epiwatch import population dan-so-2021.xlsx --org bl-soyte
    epiwatch import roster cong-nhan.csv --org bl-thuysan-1 --dry-run

Prints one line, `accepted N, rejected M, duplicates K`. The rejected rows go to `FILE.errors.csv` next to the file
(their original cells and an `error` column: fix them and import that file again); an error file left by an
earlier run is removed when no row is rejected any more. `--dry-run` checks everything,
stores nothing and writes no error file (the first errors are listed on stderr instead).

Exit status: 0 when the file was processed, rejected rows or not; 1 when it could not be read (the reason on
stderr); 2 on bad usage: an unknown kind (the known ones are listed), an unknown organization code, or an
organization this kind does not apply to.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from epiwatch.accounts import access, audit
from epiwatch.accounts.models import Organization
from epiwatch.lib import importing
from epiwatch.lib.tabular import TableError, errors_path

USAGE = 2
UNREADABLE = 1
ERRORS_SHOWN_IN_DRY_RUN = 20


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of KIND for the organization --org CODE; prints accepted/rejected/duplicates."

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what the file holds, e.g. population, villages, roster")
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument(
            "--org", required=True, metavar="CODE", help="the organization the data comes from"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, store nothing")

    def handle(self, *args, kind: str, file: str, org: str, dry_run: bool = False, **options):
        try:
            importer_class = importing.get(kind)
        except importing.UnknownKind as exc:
            raise CommandError(str(exc), returncode=USAGE) from None
        organization = Organization.objects.select_related("area").filter(code=org).first()
        if organization is None:
            raise CommandError(f"Unknown organization code {org!r}.", returncode=USAGE)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.", returncode=UNREADABLE)

        errors_file = errors_path(path)
        context = importing.Context(organization=organization, scope=access.FULL, dry_run=dry_run)
        with audit.acting(organization=organization, via="command"):
            try:
                result = importing.run(
                    importer_class(), path, context, errors_to=None if dry_run else errors_file
                )
            except importing.ImportRefused as exc:
                raise CommandError(str(exc), returncode=USAGE) from None
            except importing.ImportFailed as exc:
                self.stdout.write(exc.result.summary())
                raise CommandError(f"{file}: {exc}", returncode=UNREADABLE) from None
            except TableError as exc:
                raise CommandError(f"{file}: {exc}", returncode=UNREADABLE) from None

        self.stdout.write(result.summary())
        if dry_run:
            for error in result.errors[:ERRORS_SHOWN_IN_DRY_RUN]:
                self.stderr.write(str(error))
            if result.rejected > ERRORS_SHOWN_IN_DRY_RUN:
                self.stderr.write(f"... and {result.rejected - ERRORS_SHOWN_IN_DRY_RUN} more rejected rows")
            self.stderr.write("dry run: nothing was stored")
        elif result.rejected:
            self.stderr.write(f"rejected rows written to {errors_file}")
        elif errors_file.exists():
            errors_file.unlink()  # the errors of an earlier run of this file are fixed now
