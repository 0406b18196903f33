"""Kinward rules: red-flag rules as declarative, versioned data (YAML + DuckDB SQL), run in batch or per event.

No Django here. See docs/engines/rules.md. Typical use:

    ruleset = load_ruleset()                     # the shipped rules, validated
    result = scan_dataset("dataset/", ruleset)   # alerts over an interchange dataset folder
    report = score_alerts(result.alerts, json.load(open("dataset/truth.json")))
"""

from .checks import CertificateCheck, base45_decode, default_verifier, structural_check
from .dataset import DatasetError, open_dataset
from .ruleset import PATTERN_SUBJECTS, PATTERNS, Parameter, Rule, RuleFileError, RuleSet, load_ruleset
from .scan import Alert, RecordRef, ScanResult, scan_connection, scan_dataset, write_alerts

__all__ = [
    "PATTERNS",
    "PATTERN_SUBJECTS",
    "Alert",
    "CertificateCheck",
    "DatasetError",
    "Parameter",
    "RecordRef",
    "Rule",
    "RuleFileError",
    "RuleSet",
    "ScanResult",
    "base45_decode",
    "default_verifier",
    "load_ruleset",
    "open_dataset",
    "scan_connection",
    "scan_dataset",
    "structural_check",
    "write_alerts",
]
