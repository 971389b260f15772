"""Bad member lists are refused at upload with a message that says what to do, and
nothing is kept or changed; the encodings and separators spreadsheets write are read."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members import import_reading
from members.import_reading import ImportRefused
from members.models import MemberImport, User
from tests.members import import_steps as steps

pytestmark = pytest.mark.django_db

URL = "/manage/members/import/"


def _upload(client, treasurer, content: bytes, name: str = "members.csv"):
    client.force_login(treasurer)
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def _refused(client, treasurer, content: bytes, message: str, name: str = "members.csv"):
    users = User.objects.count()
    response = _upload(client, treasurer, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert MemberImport.objects.count() == 0 and User.objects.count() == users


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_an_excel_workbook_is_refused_with_how_to_save_csv(client, treasurer):
    _refused(client, treasurer, _xlsx(), "This is an Excel workbook or another zipped file, not CSV.", "list.xlsx")


def test_a_binary_file_is_refused(client, treasurer):
    _refused(client, treasurer, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "This is not a text file")


def test_an_empty_file_is_refused(client, treasurer):
    users = User.objects.count()
    response = _upload(client, treasurer, b"")
    assert response.status_code == 400 and MemberImport.objects.count() == 0 and User.objects.count() == users
    page = response.content.decode()
    assert "The submitted file is empty." in page or "The file is empty." in page


def test_a_file_of_blank_lines_is_refused(client, treasurer):
    _refused(client, treasurer, b"\r\n\r\n  \r\n", "The file is empty.")


def test_a_header_with_no_people_is_refused(client, treasurer):
    _refused(client, treasurer, b"Email,Name\r\n", "The file has a header row but no rows of people below it.")


def test_a_file_with_no_email_column_is_refused(client, treasurer):
    _refused(client, treasurer, b"Name,City\nAnn,Leeds\n", "No column of this file is headed as an email address")


def test_a_text_file_that_is_not_csv_is_refused(client, treasurer):
    _refused(client, treasurer, b"Dear treasurer\nHere is our list of members.\n", "This does not look like a CSV file")


def test_a_file_over_the_size_limit_is_refused(client, treasurer, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_BYTES", 100)
    monkeypatch.setattr("members.import_forms.MAX_BYTES", 100)
    _refused(client, treasurer, b"Email,Name\n" + b"a@example.org,Ann\n" * 10, "The file is larger than")


def test_a_file_over_the_row_limit_is_refused(client, treasurer, monkeypatch):
    monkeypatch.setattr(import_reading, "MAX_ROWS", 3)
    rows = "".join(f"p{n}@example.org,Person {n}\n" for n in range(4))
    _refused(client, treasurer, ("Email,Name\n" + rows).encode(), "The file has more than 3 rows")


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3+cmd|x", "@SUM(A1:A2)"])
def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_refused(client, treasurer, cell):
    content = f'Email,Name,Notes\na@example.org,Ann,ok\nb@example.org,Bo,"{cell.replace(chr(34), chr(34) * 2)}"\n'
    _refused(client, treasurer, content.encode(), "Row 3, column “Notes” starts with")


def test_phone_numbers_and_dashes_are_not_taken_for_formulas(treasurer):
    job = steps.upload("Email,Phone,Notes\na@example.org,+44 20 7946 0000,-\nb@example.org,-,\n", treasurer)
    assert job.row_count == 2


def test_utf8_with_a_byte_order_mark_is_read(treasurer):
    job = steps.upload("\ufeffEmail;Name\nzoe@example.org;Zoë Brontë\n".encode(), treasurer)
    assert (job.encoding, job.delimiter, job.headers) == ("utf-8", ";", ["Email", "Name"])


def test_windows_1252_with_semicolons_is_read(treasurer):
    job = steps.upload(steps.content("windows_1252_semicolon.csv"), treasurer)
    assert (job.encoding, job.delimiter, job.row_count) == ("windows-1252", ";", 2)
    assert "Zoë Brontë" in job.text


def test_the_reader_refuses_what_is_neither_utf8_nor_windows_1252():
    with pytest.raises(ImportRefused, match="neither UTF-8 nor Windows-1252"):
        import_reading.read_upload(b"Email,Name\na@example.org,\x81\x8d\x8f\n")
