"""Synthetic posts: broker ads carry the phones of the planted clinic ring's recipients."""

from __future__ import annotations

import json

import pytest

from kinward.engines.synth import SynthOptions, generate_dataset
from kinward.engines.synth.posts import (
    SynthPostsError,
    generate_posts,
    local_format,
    ring_broker_phones,
    training_examples,
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    generate_dataset(folder, SynthOptions(births=2000, seed=7))
    return folder


def test_broker_phones_are_those_of_the_people_the_clinic_ring_discharged_babies_to(dataset):
    phones = ring_broker_phones(dataset)
    truth = json.loads((dataset / "truth.json").read_text())
    ring = next(p for p in truth["patterns"] if p["pattern"] == "clinic_ring")
    events = {json.loads(line)["ref"]: json.loads(line) for line in (dataset / "custody_events.jsonl").open()}
    recipients = {
        events[e["ref"]]["to"]
        for e in ring["evidence"]
        if e["type"] == "custody_events" and events[e["ref"]]["type"] == "discharge"
    }
    assert phones and {b.person for b in phones} <= recipients
    persons = {json.loads(line)["ref"]: json.loads(line) for line in (dataset / "persons.jsonl").open()}
    assert all(persons[b.person]["phone"] == b.phone and b.clinic == ring["subject"]["ref"] for b in phones)


def test_posts_are_mostly_benign_and_each_broker_advertises_in_several_posts(dataset):
    phones = ring_broker_phones(dataset)
    posts = generate_posts(seed=7, n=120, broker_phones=phones)
    risky = [p for p in posts if p["risk"]]
    assert 0.2 <= len(risky) / len(posts) <= 0.3
    first = phones[0].phone
    ads = [p for p in risky if p["entities"][0]["normalized"] == first]
    assert len(ads) >= 2 and all(p["broker"] == phones[0].person for p in ads)
    assert all(p["entities"][0]["raw"] in p["text"] for p in posts if p["entities"])
    assert generate_posts(seed=7, n=120, broker_phones=phones) == posts


def test_the_textwatch_engine_reads_the_broker_phone_back_from_the_ads(dataset):
    from kinward.engines.textwatch import classify_posts

    phones = ring_broker_phones(dataset)
    ads = [p for p in generate_posts(seed=1, n=40, broker_phones=phones) if p["risk"]]
    results = classify_posts(ads)
    found = [{e["normalized"] for e in r.entities} for r in results]
    assert (
        sum(ad["entities"][0]["normalized"] in f for ad, f in zip(ads, found, strict=True)) >= len(ads) * 0.9
    )
    assert sum(r.risk for r in results) >= len(ads) * 0.8


def test_phones_are_written_as_people_write_them():
    assert local_format("+6285795856728", 0) == "0857-9585-6728"
    assert local_format("+6285795856728", 2) == "+62 857 9585 6728"
    examples = training_examples(seed=1, n=20)
    assert {e["label"] for e in examples} >= {"benign", "review"} and len(examples) == 23


def test_a_folder_that_is_not_a_dataset_is_refused(tmp_path):
    with pytest.raises(SynthPostsError, match="truth.json is missing"):
        ring_broker_phones(tmp_path)
    with pytest.raises(SynthPostsError, match="n must be at least 1"):
        generate_posts(seed=1, n=0, broker_phones=[])
