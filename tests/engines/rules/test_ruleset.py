"""Rule files: the shipped rules load, and every malformed file is refused naming the rule and the field."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kinward.engines.rules import PATTERNS, RuleFileError, load_ruleset
from kinward.engines.rules.ruleset import default_rules_dir

GOOD = """\
id: sample_rule
version: 2
title: A sample
pattern: null
subject: births
sql: sample.sql
parameters:
  days:
    type: integer
    default: 5
    min: 1
    max: 10
    description: Days.
explanation: Child {child} waited {days} days.
shows: [child, days]
cannot_see: [everything else]
"""


def write_rule(folder: Path, text: str = GOOD, name: str = "sample") -> Path:
    (folder / "sample.sql").write_text(
        "SELECT 1 AS subject_ref, [] AS evidence, '{}' AS facts WHERE $days > 0"
    )
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def test_the_shipped_rules_load_and_cover_every_planted_pattern():
    ruleset = load_ruleset()
    assert {r.pattern for r in ruleset if r.pattern} == set(PATTERNS)
    for rule in ruleset:
        assert rule.version >= 1 and rule.sql.strip() and rule.cannot_see
        assert rule.source.startswith(str(default_rules_dir()))


def test_dependencies_come_before_the_composite_rule():
    order = [r.id for r in load_ruleset()]
    ring = order.index("clinic_ring")
    for dep in load_ruleset().get("clinic_ring").depends_on:
        assert order.index(dep) < ring


def test_a_valid_rule_file_loads_with_its_defaults(tmp_path):
    ruleset = load_ruleset([write_rule(tmp_path)])
    rule = ruleset.get("sample_rule")
    assert (rule.version, rule.values["days"], rule.parameters[0].max) == (2, 5, 10)
    assert rule.reason({"child": "B1", "days": 5}) == "Child B1 waited 5 days."


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("version: 2", "version: 2\nseverity: high", "severity", "unknown field"),
        ("    min: 1", "    min: 1\n    unit: days", "parameters.days.unit", "unknown field"),
        ("default: 5", "default: five", "parameters.days", "expected integer"),
        ("default: 5", "default: 11", "parameters.days", "above the maximum"),
        ("default: 5", "default: true", "parameters.days", "got boolean"),
        ("type: integer", "type: duration", "parameters.days.type", "expected one of"),
        ("pattern: null", "pattern: baby_selling", "pattern", "unknown pattern"),
        ("pattern: null", "pattern: serial_mother", "subject", "persons"),
        ("subject: births", "subject: babies", "subject", "unknown record type"),
        ("version: 2", "version: 0", "version", "positive"),
        ("sql: sample.sql", "sql: missing.sql", "sql", "not found"),
        ("waited {days}", "waited {hours}", "explanation", "{hours}"),
        ("title: A sample\n", "", "title", "missing"),
        ("shows:", "triggers: [custody_events.birthday]\nshows:", "triggers", "custody_events.birthday"),
        ("shows:", "triggers: [custody]\nshows:", "triggers", "unknown value"),
        ("shows:", "needs: [custody]\nshows:", "needs", "unknown table 'custody'"),
        ("shows:", "needs: [agencies]\nshows:", "needs", "unknown table 'agencies'"),
        ("shows:", "needs: [custody_events.birthday]\nshows:", "needs", "unknown custody event type"),
        ("shows:", "needs: [births.discharge]\nshows:", "needs", "only custody_events has types"),
        ("shows:", "needs: [births > 2]\nshows:", "needs", "is not `<table>`"),
        ("shows:", "needs: [births >= 0]\nshows:", "needs", "at least 1"),
        ("shows:", "needs: []\nshows:", "needs", "omit the field"),
        ("shows:", "needs: births\nshows:", "needs", "expected a list of strings"),
    ],
)
def test_it_refuses_a_bad_rule_file_naming_rule_and_field(tmp_path, old, new, field, problem):
    assert old in GOOD
    path = write_rule(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RuleFileError) as caught:
        load_ruleset([path])
    assert caught.value.rule == "sample_rule"
    assert caught.value.field == field
    assert problem in str(caught.value)
    assert "sample_rule" in str(caught.value) and field in str(caught.value)


def test_it_refuses_an_sql_syntax_error_at_load(tmp_path):
    path = write_rule(tmp_path)
    (tmp_path / "sample.sql").write_text("SELEC subject_ref FROM births")
    with pytest.raises(RuleFileError) as caught:
        load_ruleset([path])
    assert (caught.value.rule, caught.value.field) == ("sample_rule", "sql")
    assert "does not parse" in str(caught.value)
    (tmp_path / "sample.sql").write_text("SELECT 1; SELECT 2")
    with pytest.raises(RuleFileError, match="exactly one"):
        load_ruleset([path])


def test_it_refuses_a_yaml_syntax_error_naming_the_file(tmp_path):
    path = write_rule(tmp_path, GOOD + "parameters: [unclosed\n", name="broken")
    with pytest.raises(RuleFileError) as caught:
        load_ruleset([path])
    assert caught.value.rule == "broken" and caught.value.field == "(syntax)"


def test_a_refused_file_leaves_the_ruleset_in_force_untouched(tmp_path):
    in_force = load_ruleset()
    before = [(r.id, r.version, dict(r.values)) for r in in_force]
    bad = write_rule(tmp_path, GOOD.replace("default: 5", "default: 500"))
    with pytest.raises(RuleFileError):
        load_ruleset([default_rules_dir(), bad])
    assert [(r.id, r.version, dict(r.values)) for r in in_force] == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        in_force.rules = ()
    with pytest.raises(TypeError):
        in_force.get("vanished_pregnancy").values["grace_weeks"] = 1


def test_parameter_overrides_are_checked_against_bounds():
    ruleset = load_ruleset(overrides={"vanished_pregnancy": {"grace_weeks": 8}})
    assert ruleset.get("vanished_pregnancy").values["grace_weeks"] == 8
    with pytest.raises(RuleFileError) as caught:
        load_ruleset(overrides={"vanished_pregnancy": {"grace_weeks": 99}})
    assert caught.value.field == "parameters.grace_weeks"
    with pytest.raises(RuleFileError):
        load_ruleset(overrides={"vanished_pregnancy": {"no_such": 1}})


def test_it_refuses_two_rules_with_one_id_and_unknown_dependencies(tmp_path):
    first = write_rule(tmp_path)
    second = tmp_path / "copy.yaml"
    second.write_text(GOOD)
    with pytest.raises(RuleFileError, match="defined twice"):
        load_ruleset([first, second])
    second.write_text(GOOD.replace("id: sample_rule", "id: other_rule") + "depends_on: [nowhere]\n")
    with pytest.raises(RuleFileError) as caught:
        load_ruleset([second])
    assert caught.value.field == "depends_on"


def test_a_trigger_may_name_a_custody_event_type():
    rule = load_ruleset().get("non_guardian_discharge")
    assert "custody_events.correction" in rule.triggers and "custody_events" not in rule.triggers


def test_needs_lists_alternatives_with_an_optional_count(tmp_path):
    text = "needs: [custody_events.abandonment_found, adoption_files, births >= 2]\nshows:"
    rule = load_ruleset([write_rule(tmp_path, GOOD.replace("shows:", text))]).get("sample_rule")
    assert [(n.table, n.event_type, n.at_least) for n in rule.needs] == [
        ("custody_events", "abandonment_found", 1),
        ("adoption_files", None, 1),
        ("births", None, 2),
    ]
    assert [str(n) for n in rule.needs] == [
        "custody_events.abandonment_found",
        "adoption_files",
        "births >= 2",
    ]
    assert load_ruleset([write_rule(tmp_path)]).get("sample_rule").needs == ()
