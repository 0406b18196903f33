"""Scoring alerts against planted truth (INTERCHANGE.md, "Planted truth" and "Alerts out").

Matching: an alert matches a planted pattern when its rule maps to that pattern (the rule file's `pattern`) and
its subject (type and ref) equals the pattern's subject. Per pattern:

- recall = planted subjects found by at least one alert of a rule mapped to the pattern / planted subjects;
- precision = distinct (pattern, subject) pairs alerted that are planted / distinct pairs alerted (several alerts
  on one subject, e.g. from two rules mapped to the same pattern, count once).

Per rule: recall is the share of its pattern's planted subjects the rule alone found, precision the share of its
distinct alerted subjects that are planted for its pattern. Rules with no planted counterpart (pattern null:
certificate_reissue, invalid_newborn_id, early_adoption) are listed with their alert counts and left out of every
precision figure: the truth says nothing about them, so their alerts are neither right nor wrong. An alert of a
mapped rule on a subject planted under another pattern (a clinic-ring facility also flagged as an anomaly) is a
false positive for its own pattern; the report counts such cross-matches separately so that they can be read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .ruleset import PATTERN_SUBJECTS, PATTERNS, RuleSet


class TruthFileError(ValueError):
    """truth.json is not the planted-truth form of INTERCHANGE.md (message names the entry and the field)."""


@dataclass(frozen=True)
class Score:
    """Recall and precision of one pattern or rule, with the counts behind them."""

    name: str
    planted: int
    found: int
    alerted: int
    correct: int
    cross_matches: int = 0

    @property
    def recall(self) -> float | None:
        """found / planted, or None when nothing was planted."""
        return self.found / self.planted if self.planted else None

    @property
    def precision(self) -> float | None:
        """correct / alerted, or None when nothing was alerted."""
        return self.correct / self.alerted if self.alerted else None


@dataclass(frozen=True)
class EvaluationReport:
    """Per-pattern and per-rule scores, the overall precision, and the alert counts of unmapped rules."""

    patterns: dict[str, Score]
    rules: dict[str, Score]
    unmapped: dict[str, int] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def precision(self) -> float | None:
        """Correct distinct (pattern, subject) pairs over all distinct pairs alerted by mapped rules."""
        alerted = sum(s.alerted for s in self.patterns.values())
        return sum(s.correct for s in self.patterns.values()) / alerted if alerted else None

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form of the report (for files and benchmarks)."""

        def score(s: Score) -> dict[str, Any]:
            return {**s.__dict__, "recall": s.recall, "precision": s.precision}

        return {
            "patterns": {k: score(v) for k, v in self.patterns.items()},
            "rules": {k: score(v) for k, v in self.rules.items()},
            "precision": self.precision,
            "unmapped": self.unmapped,
            "missed": self.missed,
        }


def _subject(item: Mapping[str, Any], where: str) -> tuple[str, str]:
    subject = item.get("subject")
    if not isinstance(subject, Mapping) or not {"type", "ref"} <= set(subject):
        raise TruthFileError(f"{where}: field 'subject' must be an object with type and ref")
    return str(subject["type"]), str(subject["ref"])


def read_truth(truth: Mapping[str, Any]) -> dict[str, set[tuple[str, str]]]:
    """Planted subjects per pattern from a parsed truth.json; TruthFileError for an unknown pattern or subject."""
    planted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    patterns = truth.get("patterns")
    if not isinstance(patterns, list):
        raise TruthFileError("truth: field 'patterns' must be a list")
    for i, item in enumerate(patterns):
        name = item.get("pattern") if isinstance(item, Mapping) else None
        if name not in PATTERNS:
            raise TruthFileError(f"truth patterns[{i}]: unknown pattern {name!r}")
        subject = _subject(item, f"truth patterns[{i}]")
        if subject[0] != PATTERN_SUBJECTS[name]:
            raise TruthFileError(
                f"truth patterns[{i}]: a {name} subject is a {PATTERN_SUBJECTS[name]} record"
            )
        planted[name].add(subject)
    return planted


def _alert_fields(alert: Any) -> tuple[str, tuple[str, str]]:
    if isinstance(alert, Mapping):
        return str(alert["rule"]), _subject(alert, f"alert {alert.get('id')!r}")
    return alert.rule, (alert.subject.type, alert.subject.ref)


def score_alerts(
    alerts: Iterable[Any], truth: Mapping[str, Any], ruleset: RuleSet | None = None
) -> EvaluationReport:
    """Recall and precision per planted pattern and per rule (matching as in the module docstring).

    `alerts` are Alert objects or "Alerts out" dicts; `truth` is parsed truth.json; rules map to patterns via
    `ruleset` (default: the shipped rules). Alerts of rules not in the ruleset count as unmapped.
    """
    from .ruleset import load_ruleset

    mapping = {r.id: r.pattern for r in (ruleset or load_ruleset())}
    planted = read_truth(truth)
    all_planted = {s for subjects in planted.values() for s in subjects}
    by_pattern: dict[str, set[tuple[str, str]]] = defaultdict(set)
    by_rule: dict[str, set[tuple[str, str]]] = defaultdict(set)
    unmapped: dict[str, int] = defaultdict(int)
    for alert in alerts:
        rule, subject = _alert_fields(alert)
        pattern = mapping.get(rule)
        if pattern is None:
            unmapped[rule] += 1
            continue
        by_pattern[pattern].add(subject)
        by_rule[rule].add(subject)

    def score(name: str, pattern: str, alerted: set[tuple[str, str]]) -> Score:
        truth_set = planted.get(pattern, set())
        wrong = alerted - truth_set
        return Score(
            name=name,
            planted=len(truth_set),
            found=len(truth_set & alerted),
            alerted=len(alerted),
            correct=len(alerted & truth_set),
            cross_matches=len(wrong & all_planted),
        )

    patterns = {p: score(p, p, by_pattern.get(p, set())) for p in PATTERNS if p in planted or p in by_pattern}
    rules = {r: score(r, p, by_rule.get(r, set())) for r, p in sorted(mapping.items()) if p is not None}
    missed = {
        p: sorted(ref for _, ref in planted[p] - by_pattern.get(p, set()))
        for p in planted
        if planted[p] - by_pattern.get(p, set())
    }
    return EvaluationReport(patterns, rules, dict(unmapped), missed)


def format_report(report: EvaluationReport) -> str:
    """A plain-text table of the report: one line per pattern, then per rule, then unmapped rules."""

    def pct(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.3f}"

    lines = [f"{'pattern':28} {'planted':>7} {'found':>6} {'alerted':>7} {'recall':>6} {'precision':>9}"]
    for s in report.patterns.values():
        lines.append(
            f"{s.name:28} {s.planted:7} {s.found:6} {s.alerted:7} {pct(s.recall)} {pct(s.precision):>9}"
        )
    lines.append(f"{'all patterns':28} {'':7} {'':6} {'':7} {'':6} {pct(report.precision):>9}")
    lines.append("")
    lines.append(f"{'rule':28} {'planted':>7} {'found':>6} {'alerted':>7} {'recall':>6} {'precision':>9}")
    for s in report.rules.values():
        lines.append(
            f"{s.name:28} {s.planted:7} {s.found:6} {s.alerted:7} {pct(s.recall)} {pct(s.precision):>9}"
        )
    for rule, count in sorted(report.unmapped.items()):
        lines.append(f"{rule:28} {'(no planted counterpart)':>23} {count:7}")
    return "\n".join(lines)
