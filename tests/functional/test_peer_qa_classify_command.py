"""`flask --app wsgi peer-qa classify`: recommendations in on standard input, one JSON object
out per line, with no database."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from config.settings import ROOT
from portal.core.documents import read_yaml
from portal.peer_qa.cli import peer_qa_cli
from portal.peer_qa.recommendation_rules import RULES_DIR

pytestmark = pytest.mark.no_db

INPUT = (
    "Practitioners should be reminded to see children alone.\n"
    "\n"
    "   \n"
    "The safeguarding partners should fund a redesign of the front door by March 2027.\n"
    "The Department for Education should issue guidance on home education.\n"
)
KEYS = {"text", "class", "target_level", "strength", "admonishment", "owner_named", "evidence"}


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


def test_each_recommendation_gives_one_json_line_and_blank_lines_are_skipped():
    result = CliRunner().invoke(peer_qa_cli, ["classify"], input=INPUT)
    assert result.exit_code == 0, result.output
    rows = _lines(result.stdout)
    assert len(rows) == 3
    assert all(set(row) >= KEYS for row in rows)
    first, second, third = rows
    assert first["text"] == "Practitioners should be reminded to see children alone."
    assert (first["class"], first["target_level"], first["strength"]) == (
        "training",
        "practitioner",
        "weak",
    )
    assert first["admonishment"] is True and first["owner_named"] is False
    assert "remind*" in {e["term"] for e in first["evidence"]}
    assert (second["class"], second["strength"], second["owner_named"]) == (
        "system",
        "strong",
        True,
    )
    assert second["measurable"] is True
    assert (third["class"], third["target_level"]) == ("national", "national")
    assert all(row["rules_version"] == "2026.1" for row in rows)


def test_no_input_gives_no_output():
    result = CliRunner().invoke(peer_qa_cli, ["classify"], input="")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_another_version_of_the_rules_can_be_given(tmp_path):
    document = copy.deepcopy(read_yaml(RULES_DIR / "2026.1.yaml"))
    document["version"] = "2099.1-trial"
    for option in document["classes"]["options"]:
        if option["code"] == "system":
            option["signals"].append({"words": ["children alone"], "weight": 10})
    trial = tmp_path / "trial.yaml"
    trial.write_text(yaml.safe_dump(document))
    result = CliRunner().invoke(
        peer_qa_cli, ["classify", "--rules", str(trial)], input=INPUT.splitlines()[0]
    )
    assert result.exit_code == 0, result.output
    row = _lines(result.stdout)[0]
    assert row["rules_version"] == "2099.1-trial"
    assert row["class"] == "system"


def test_invalid_rules_are_reported_and_nothing_is_classified(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\nclasses: {}\n")
    result = CliRunner().invoke(peer_qa_cli, ["classify", "--rules", str(bad)], input=INPUT)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "problem(s)" in result.stderr
    assert "classes: option 'training' is missing" in result.stderr
    assert "nothing was classified" in result.stderr


def test_the_command_runs_as_a_real_process_without_a_database():
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        # Nothing listens there: the command must never need it.
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "peer-qa", "classify"],
        input=INPUT.encode(),
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode()
    rows = _lines(completed.stdout.decode())
    assert [row["class"] for row in rows] == ["training", "system", "national"]


def test_a_file_can_be_read_instead_of_standard_input(tmp_path):
    source = tmp_path / "recommendations.txt"
    source.write_text("Children\u2019s social care should update its procedure.\n", "utf-8")
    result = CliRunner().invoke(peer_qa_cli, ["classify", str(source)])
    assert result.exit_code == 0, result.output
    assert _lines(result.stdout)[0]["class"] == "procedure"
