"""Kinward interchange format, version 1: schemas, reader, validator, writer and the format's meaning rules.

The contract is docs/interchange/README.md (from /work/shared/design/INTERCHANGE.md); the JSON Schemas
(draft 2020-12) ship in `schemas/`. Typical use:

    report = validate_dataset("dataset/")            # whole dataset, streaming
    for item, problems in DatasetValidator().validate(read_dataset("dataset/")):
        ...                                         # import item.record when problems == []
"""

from kinward.engines.interchange.format import FORMAT_NAME, RECORD_TYPES, REFERENCES, SUPPORTED_VERSION
from kinward.engines.interchange.reader import (
    DatasetError,
    RecordLine,
    read_dataset,
    read_manifest,
    read_records,
)
from kinward.engines.interchange.schemas import SCHEMA_NAMES, UnknownRecordTypeError, load_schema, schema_text
from kinward.engines.interchange.semantics import (
    InterchangeValueError,
    apply_corrections,
    birth_ends_pregnancy,
    identity_key,
    in_pregnancy_window,
    licence_valid_on,
    local_date,
    parse_time,
    same_person,
)
from kinward.engines.interchange.validate import (
    DatasetValidator,
    Problem,
    UnsupportedVersionError,
    ValidationReport,
    check_manifest,
    require_supported_manifest,
    validate_dataset,
    validate_record,
)
from kinward.engines.interchange.writer import DatasetWriter, WriterError, dumps_record

__all__ = [
    "FORMAT_NAME",
    "RECORD_TYPES",
    "REFERENCES",
    "SCHEMA_NAMES",
    "SUPPORTED_VERSION",
    "DatasetError",
    "DatasetValidator",
    "DatasetWriter",
    "InterchangeValueError",
    "Problem",
    "RecordLine",
    "UnknownRecordTypeError",
    "UnsupportedVersionError",
    "ValidationReport",
    "WriterError",
    "apply_corrections",
    "birth_ends_pregnancy",
    "check_manifest",
    "dumps_record",
    "identity_key",
    "in_pregnancy_window",
    "licence_valid_on",
    "load_schema",
    "local_date",
    "parse_time",
    "read_dataset",
    "read_manifest",
    "read_records",
    "require_supported_manifest",
    "same_person",
    "schema_text",
    "validate_dataset",
    "validate_record",
]
