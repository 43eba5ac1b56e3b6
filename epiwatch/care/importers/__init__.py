"""Spreadsheet imports of the care app (found by the import framework's autodiscovery of `importers`):
`facilities` and `admissions`."""

from epiwatch.care.importers import admissions, facilities  # noqa: F401 - registers the kinds
