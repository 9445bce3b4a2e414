"""The employer check through HTTP: typed and uploaded numbers, errors that keep the input,
the result on the page and as a CSV download."""

from __future__ import annotations

import csv
import io

from portal.core.permissions import Role
from tests.conftest import SERVICE_NAME
from tests.factories import make_record, make_user
from tests.functional.test_query_counts import counting
from tests.support import csrf_token, error_messages, page_checks, sign_in_as, submit

URL = "/register/employer-check"


def _commissioner(client):
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER]))


def test_typed_numbers_are_checked_once_each_and_unknown_ones_reported(client):
    _commissioner(client)
    page_checks(client.get(URL), service_name=SERVICE_NAME)
    known = make_record(status="accredited_with_conditions", conditions="Co-lead only")
    response = submit(
        client, URL, {"numbers": f"{known.number.lower()}\nCSPR-1999-00000, {known.number}"}
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    text = " ".join(soup.get_text().split())
    assert "2 numbers checked, 1 not on the register" in text
    assert known.user.name in text and "Co-lead only" in text
    assert "CSPR-1999-00000 Not on the register" in text


def test_more_than_100_numbers_are_refused_and_the_input_kept(client):
    _commissioner(client)
    typed = "\n".join(f"N-{i}" for i in range(101))
    soup = page_checks(submit(client, URL, {"numbers": typed}), service_name=SERVICE_NAME)
    assert soup.title is not None and soup.title.get_text().startswith("Error:")
    assert "Check 100 accreditation numbers or fewer at a time (you gave 101)" in error_messages(
        soup
    )
    assert soup.find("textarea").get_text().strip() == typed
    empty = page_checks(submit(client, URL, {"numbers": " "}), service_name=SERVICE_NAME)
    assert "Enter accreditation numbers or choose a CSV file" in error_messages(empty)


def test_a_csv_file_is_checked_and_a_wrong_one_refused(client):
    _commissioner(client)
    known = make_record()
    page = client.get(URL)
    token = csrf_token(page.get_data(as_text=True))
    good = client.post(
        URL,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(f"number\n{known.number}\nX-1\n".encode()), "numbers.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "2 numbers checked, 1 not on the register" in " ".join(
        page_checks(good, service_name=SERVICE_NAME).get_text().split()
    )
    for content, message in (
        (b"reference\nX-1\n", "The CSV file must have a column headed 'number' in its first row"),
        (b"\xff\xfe\x00\x00binary", "The selected file must be a CSV file"),
    ):
        wrong = client.post(
            URL,
            data={"csrf_token": token, "file": (io.BytesIO(content), "numbers.csv")},
            content_type="multipart/form-data",
        )
        assert message in error_messages(page_checks(wrong, service_name=SERVICE_NAME))


def test_the_result_downloads_as_csv_with_formulas_defused(client):
    _commissioner(client)
    record = make_record(user=make_user(name='=HYPERLINK("x")', roles=[Role.REVIEWER]))
    page = client.get(URL)
    response = client.post(
        "/register/employer-check/download",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "numbers": f"{record.number}\nX-404",
        },
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="accreditation-check.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["number", "name", "status", "level", "conditions", "valid until"]
    assert rows[1][:3] == [record.number, '\'=HYPERLINK("x")', "Accredited"]
    assert rows[1][5] == record.expires_on.isoformat()
    assert rows[2] == ["X-404", "", "Not on the register", "", "", ""]
    nothing = client.post(
        "/register/employer-check/download",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert nothing.status_code == 302


def test_the_check_runs_the_same_queries_for_3_numbers_as_for_30(client):
    _commissioner(client)
    numbers = [make_record().number for _ in range(30)]
    seen = []
    for batch in (numbers[:3], numbers):
        page = client.get(URL)
        token = csrf_token(page.get_data(as_text=True))
        with counting() as statements:
            response = client.post(URL, data={"csrf_token": token, "numbers": "\n".join(batch)})
        assert response.status_code == 200
        seen.append(len(statements))
    assert seen[0] == seen[1]
