"""Kinward ids: random newborn identifiers with a MOD 29-2 check character, and signed offline ID blocks.

No Django here. See docs/engines/ids.md.
"""

from .blocks import BlockError, IdBlock, issue_block, parse_block_text, prove_id_in_block, verify_block
from .codec import (
    ALPHABET,
    ID_LENGTH,
    LOOK_ALIKES,
    Correction,
    IdErrorKind,
    ValidationResult,
    check_character,
    format_id,
    is_valid,
    new_id,
    new_ids,
    validate,
)

__all__ = [
    "ALPHABET",
    "BlockError",
    "Correction",
    "ID_LENGTH",
    "IdBlock",
    "IdErrorKind",
    "LOOK_ALIKES",
    "ValidationResult",
    "check_character",
    "format_id",
    "is_valid",
    "issue_block",
    "new_id",
    "new_ids",
    "parse_block_text",
    "prove_id_in_block",
    "validate",
    "verify_block",
]
