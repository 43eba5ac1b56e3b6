"""lib/importing: the pipeline every import kind shares, exercised with a small kind that stores auth groups."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from epiwatch.lib import importing
from epiwatch.lib.importing import Context, Importer, RowError, Stored
from epiwatch.lib.tabular import Column, Row, Spec, TableError

pytestmark = pytest.mark.django_db


class TeamImporter(Importer):
    """name (unique) and size: stored as auth groups named 'name:size'."""

    kind = "teams-test"
    columns = Spec("teams", [Column("name", "Tên", required=True), Column("size", "Số người", required=True)])
    batch_size = 3

    def __init__(self):
        self.batches = []

    def validate_row(self, row, context):
        return {
            "name": importing.text(row, "name", required=True),
            "size": importing.whole_number(row, "size"),
        }

    def key(self, data):
        return data["name"]

    def store(self, batch, context):
        self.batches.append([v.row.number for v in batch])
        existing = set(
            Group.objects.filter(name__in=[f"{v.data['name']}:{v.data['size']}" for v in batch]).values_list(
                "name", flat=True
            )
        )
        new = [f"{v.data['name']}:{v.data['size']}" for v in batch]
        new = [n for n in new if n not in existing]
        Group.objects.bulk_create([Group(name=n) for n in new])
        return Stored(accepted=len(new), duplicates=len(batch) - len(new))


class CarelessTeamImporter(TeamImporter):
    """Inserts without looking: the unique constraint refuses a name that exists."""

    def store(self, batch, context):
        self.batches.append([v.row.number for v in batch])
        for v in batch:
            Group.objects.create(name=f"{v.data['name']}:{v.data['size']}")
        return len(batch), 0


def csv_file(*rows, header=("Tên", "Số người")):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode())


def stored():
    return sorted(Group.objects.values_list("name", flat=True))


def test_it_reports_each_bad_row_and_stores_every_good_one_once():
    result = importing.run(
        TeamImporter(),
        csv_file(("a", "1"), ("b", "-3"), ("c", "2"), ("", "4"), ("d", "x"), ("e", "3"), ("f", "4")),
        Context(),
    )
    assert (result.accepted, result.rejected, result.duplicates) == (4, 3, 0)
    assert [str(e) for e in result.errors] == [
        "row 3, column size: '-3' is negative; expected 0 or more",
        "row 5, column name: a value is required",
        "row 6, column size: 'x' is not a whole number",
    ]
    assert stored() == ["a:1", "c:2", "e:3", "f:4"]
    assert result.summary() == "accepted 4, rejected 3, duplicates 0"


def test_it_counts_a_repeated_row_once_and_refuses_a_contradicting_one():
    result = importing.run(
        TeamImporter(), csv_file(("a", "1"), ("b", "2"), ("a", "1"), ("b", "5"), ("a", "1")), Context()
    )
    assert (result.accepted, result.rejected, result.duplicates) == (2, 1, 2)
    assert str(result.errors[0]) == "row 5: the same record as row 3, but with different values"
    assert stored() == ["a:1", "b:2"]


def test_it_counts_rows_already_in_the_database_as_duplicates():
    Group.objects.create(name="a:1")
    result = importing.run(TeamImporter(), csv_file(("a", "1"), ("b", "2")), Context())
    assert (result.accepted, result.duplicates) == (1, 1)
    assert stored() == ["a:1", "b:2"]


def test_it_stores_in_batches():
    importer = TeamImporter()
    progress = []
    importing.run(
        importer,
        csv_file(*[(f"t{i}", str(i)) for i in range(7)]),
        Context(),
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert importer.batches == [[2, 3, 4], [5, 6, 7], [8]]
    assert progress == [(3, 7), (6, 7), (7, 7)]
    assert len(stored()) == 7


def test_a_row_the_database_refuses_does_not_take_its_batch_with_it():
    Group.objects.create(name="b:2")
    importer = CarelessTeamImporter()
    result = importing.run(importer, csv_file(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")), Context())
    assert (result.accepted, result.rejected) == (3, 1)
    assert result.errors[0].row == 3 and str(result.errors[0]).startswith("row 3: could not be stored (")
    assert stored() == ["a:1", "b:2", "c:3", "d:4"]
    # the first batch failed as a whole, then went row by row
    assert importer.batches == [[2, 3, 4], [2], [3], [4], [5]]


def test_a_dry_run_counts_everything_and_stores_nothing():
    Group.objects.create(name="a:1")
    result = importing.run(
        TeamImporter(), csv_file(("a", "1"), ("b", "2"), ("c", "-1")), Context(dry_run=True)
    )
    assert (result.accepted, result.rejected, result.duplicates, result.dry_run) == (1, 1, 1, True)
    assert stored() == ["a:1"]


def test_a_dry_run_inside_a_transaction_leaves_the_transaction_usable():
    with transaction.atomic():
        importing.run(TeamImporter(), csv_file(("a", "1")), Context(dry_run=True))
        Group.objects.create(name="after")
    assert stored() == ["after"]


def test_it_writes_the_error_file_only_when_a_row_is_rejected(tmp_path):
    target = tmp_path / "teams.csv.errors.csv"
    importing.run(TeamImporter(), csv_file(("a", "1")), Context(), errors_to=target)
    assert not target.exists()
    importing.run(
        TeamImporter(),
        csv_file(("b", "1"), ("=SUM(A1)", "-2"), ("c", "+3"), header=("Tên", "Số người", "Ghi chú")),
        Context(),
        errors_to=target,
    )
    assert list(csv.reader(io.StringIO(target.read_text("utf-8-sig")))) == [
        ["Tên", "Số người", "Ghi chú", "error"],
        ["'=SUM(A1)", "'-2", "", "row 3, column size: '-2' is negative; expected 0 or more"],
    ]
    assert stored() == ["a:1", "b:1", "c:3"]


def test_rows_read_before_the_file_breaks_are_kept():
    good = [f"t{i},{i}" for i in range(20)]
    lines = ["Tên,Số người", *good, 'c,"' + "x" * 200_000 + '"', "d,4"]
    with pytest.raises(importing.ImportFailed) as exc:
        importing.run(TeamImporter(), io.BytesIO("\n".join(lines).encode()), Context())
    assert "Row 22 cannot be read" in str(exc.value)
    assert exc.value.result.accepted == 20
    assert len(stored()) == 20


def test_an_unreadable_file_raises_before_anything_is_stored():
    with pytest.raises(TableError, match="The file is empty"):
        importing.run(TeamImporter(), io.BytesIO(b""), Context())


def test_the_context_can_refuse_an_import():
    class Picky(TeamImporter):
        def check_context(self, context):
            if context.organization is None:
                raise importing.ImportRefused("needs an organization")

    with pytest.raises(importing.ImportRefused, match="needs an organization"):
        importing.run(Picky(), csv_file(("a", "1")), Context())


def test_the_registry_finds_kinds_and_lists_them_when_asked_for_an_unknown_one(monkeypatch):
    monkeypatch.setattr(importing, "_importers", dict(importing._importers))
    importing.register(TeamImporter)
    assert importing.get("teams-test") is TeamImporter
    assert "teams-test" in importing.kinds()
    assert {"population", "villages", "roster"} <= set(importing.kinds())
    with pytest.raises(importing.UnknownKind) as exc:
        importing.get("nope")
    assert str(exc.value).startswith("Unknown import kind 'nope'; known kinds: ")
    assert "population" in str(exc.value)

    class Other(Importer):
        kind = "teams-test"

    with pytest.raises(ValueError, match="registered twice"):
        importing.register(Other)


def row(**values):
    return Row(number=7, values=values, cells=())


@pytest.mark.parametrize(
    "text,expected",
    [("12", 12), ("12.345", 12345), ("12,345", 12345), ("1 234 567", 1234567), ("+5", 5), ("0", 0)],
)
def test_whole_numbers_accept_thousands_separators(text, expected):
    assert importing.whole_number(row(n=text), "n") == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("12.5", "'12.5' is not a whole number"),
        ("1.2345", "'1.2345' is not a whole number"),
        ("abc", "'abc' is not a whole number"),
        ("-1", "'-1' is negative; expected 0 or more"),
        ("", "a value is required"),
    ],
)
def test_whole_numbers_refuse_the_rest(text, message):
    with pytest.raises(RowError) as exc:
        importing.whole_number(row(n=text), "n")
    assert (exc.value.column, exc.value.message) == ("n", message)


def test_the_other_field_parsers():
    assert importing.whole_number(row(n=""), "n", required=False) is None
    with pytest.raises(RowError, match="above the maximum of 10"):
        importing.whole_number(row(n="11"), "n", maximum=10)
    assert importing.text(row(t="  a   b "), "t") == "a b"
    with pytest.raises(RowError, match="is 3 characters long; at most 2"):
        importing.text(row(t="abc"), "t", max_length=2)
    assert importing.choice(row(s="NỮ"), "s", {"nữ": "F", "nam": "M"}) == "F"
    assert importing.choice(row(s=""), "s", {"nữ": "F"}, default="U") == "U"
    with pytest.raises(RowError, match="'x' is not one of: nữ, nam"):
        importing.choice(row(s="x"), "s", {"nữ": "F", "nam": "M"})
    with pytest.raises(RowError, match="'31/02/2021' is not a date"):
        importing.date(row(d="31/02/2021"), "d")
    import datetime as dt

    with pytest.raises(RowError, match="is in the future"):
        importing.date(row(d="02/01/2030"), "d", not_after=dt.date(2021, 1, 1))
    assert str(RowError("d", "bad", row=7)) == "row 7, column d: bad"
    assert str(RowError(None, "bad", row=7)) == "row 7: bad"


def test_a_template_has_the_header_in_either_language(tmp_path):
    importing.write_template(TeamImporter, tmp_path / "vi.csv", language="vi", fmt="csv")
    importing.write_template(TeamImporter, tmp_path / "en.csv", language="en", fmt="csv")
    assert (tmp_path / "vi.csv").read_text("utf-8-sig").splitlines() == ["Tên,Số người"]
    assert (tmp_path / "en.csv").read_text("utf-8-sig").splitlines() == ["name,size"]
