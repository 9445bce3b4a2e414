"""The demo gives the reports figures: notifications, diversity answers (enough for some
regions to show numbers and others 'c'), findings tagged to conditions on the completed
peer-QA'd reviews, and national recommendations with responses."""

from __future__ import annotations

import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.auth.models import User
from portal.extensions import db
from portal.reporting.learning_models import LearningFinding, NationalRecommendation
from portal.reporting.models import DiversityAnswers, IncidentNotification
from tests.factories import count
from tests.support import sign_in_as


def test_the_demo_fills_the_reports(app, client):
    runner = app.test_cli_runner()
    for command in (
        ["organisations", "load"],
        ["framework", "load-all"],
        ["cpd", "requirements", "load-all"],
        ["peer-qa", "rubric", "load-all"],
        ["reporting", "conditions", "load"],
        ["demo", "load"],
    ):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, (command, result.output)
    assert count(IncidentNotification) > 0
    assert count(DiversityAnswers) > 0
    assert count(LearningFinding) == 4
    recommendations = list(db.session.scalars(sa.select(NationalRecommendation)))
    assert len(recommendations) == 3
    assert {r.response.value for r in recommendations} == {
        "partly_accepted",
        "no_response",
        "rejected",
    }
    analyst = db.session.scalar(sa.select(User).where(User.email == "analyst@demo.test"))
    sign_in_as(client, analyst)
    soup = BeautifulSoup(client.get("/reports").get_data(as_text=True), "html.parser")
    ethnicity = soup.find("table", id="table-diversity-ethnicity").get_text(" ")
    assert " c " in f" {ethnicity} "
    conditions = soup.find("table", id="table-learning-conditions-by-year").get_text(" ")
    assert "Workload and capacity" in conditions
    # Running the demo again adds nothing.
    assert "already loaded" in runner.invoke(args=["demo", "load"]).output
    assert count(LearningFinding) == 4
