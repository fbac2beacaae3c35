"""connector-node eligibility …"""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from community_node.participants.models import ProfileStatus
from tests.community_node.factories import ConnecteeFactory


def test_show_rules_prints_the_active_rules(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["eligibility", "show-rules"])
    assert result.exit_code == 0, result.output
    rules = json.loads(result.output)
    assert rules["version"].startswith("default-")
    assert rules["connector"]["min_years_in_field"] == 5


def test_show_rules_checks_a_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('version = "mine"\n[connectee]\nmin_english_level = "B2"\n')
    ok = runner.invoke(args=["eligibility", "show-rules", "--file", str(path)])
    assert ok.exit_code == 0
    assert json.loads(ok.output)["connectee"]["min_english_level"] == "B2"
    path.write_text('version = "mine"\n[connectee]\nenglish = "B2"\n')
    bad = runner.invoke(args=["eligibility", "show-rules", "--file", str(path)])
    assert bad.exit_code == 1
    assert "connectee.english: unknown key" in bad.output


def test_reevaluate_reports_counts(runner: FlaskCliRunner) -> None:
    person = ConnecteeFactory()
    result = runner.invoke(args=["eligibility", "reevaluate"])
    assert result.exit_code == 0, result.output
    assert "Evaluated 1 pending applicant(s)" in result.output
    assert "1 changed status" in result.output
    assert person.status is ProfileStatus.APPROVED
    again = runner.invoke(args=["eligibility", "reevaluate"])
    assert "Evaluated 0 pending applicant(s)" in again.output
