"""Synthetic country for Kinward: a registry with ordinary noise and planted trafficking patterns, with truth.

    from kinward.engines.synth import SynthOptions, generate_dataset
    result = generate_dataset("out/", SynthOptions(births=2000, seed=7, country="ID"))

The dataset is in the interchange format (kinward.engines.interchange); docs/engines/synth.md explains what is
generated and how each planted pattern shows in the data.
"""

from kinward.engines.synth.generate import (
    PATTERNS,
    SynthOptions,
    SynthOptionsError,
    SynthResult,
    generate_dataset,
)
from kinward.engines.synth.simulate import FamilyLink, dummy_certificate_text

__all__ = [
    "PATTERNS",
    "FamilyLink",
    "SynthOptions",
    "SynthOptionsError",
    "SynthResult",
    "dummy_certificate_text",
    "generate_dataset",
]
