"""Training, retraining, the saved model and the `kinward watch` commands (no dev-score assertions)."""

import json
from pathlib import Path

import pytest

from kinward.engines.textwatch import classify_posts, load_model, retrain, train_model
from kinward.engines.textwatch.cli import register
from kinward.engines.textwatch.model import LABELS, TrainingDataError
from kinward.engines.textwatch.trainset import DATA_DIR, generate, load_jsonl

DEV = Path(__file__).parents[2] / "data" / "textwatch" / "dev.jsonl"


@pytest.fixture(scope="module")
def small_model():
    posts = generate(seed=7, scale=0.05)
    return train_model(posts), posts


def test_a_trained_model_is_versioned_and_labels_its_own_training_posts(small_model):
    model, posts = small_model
    assert model.version.startswith("tw-")
    results = classify_posts(posts[:60], model)
    agree = sum(r.label == p["label"] for r, p in zip(results, posts[:60], strict=True))
    assert agree >= 50
    for r in results:
        assert r.label in LABELS
        assert r.risk == (r.label != "benign")
        assert 0.0 <= r.score <= 1.0
        assert r.model_version == model.version


def test_retrain_adds_analyst_decisions_and_records_the_parent(small_model):
    model, posts = small_model
    decision = {"text": "Tukar tambah bayi kembar dengan motor, serius japri", "label": "offer_sale"}
    new = retrain(posts, [decision] * 3, parent=model)
    assert new.training["parent_version"] == model.version
    assert new.training["n_examples"] == len(posts) + 1
    assert "analyst_decision" in new.training["sources"]
    assert new.version != model.version


def test_retrain_rejects_an_unknown_label(small_model):
    model, posts = small_model
    with pytest.raises(TrainingDataError, match="label 'maybe'"):
        retrain(posts, [{"text": "x", "label": "maybe"}], parent=model)


def test_the_saved_model_classifies_with_reasons_and_entities():
    model = load_model()
    (res,) = classify_posts([{"id": "t1", "text": "Bayi cowok 1 minggu sehat, mahar 20jt nego, tanpa "
                              "pengadilan. WA 0813-2244-5566"}], model)  # fmt: skip
    assert res.risk is True
    assert res.lang == "id"
    assert res.entities == [{"type": "whatsapp", "raw": "0813-2244-5566", "normalized": "+6281322445566"}]
    assert any(r.startswith("cue ") for r in res.reasons)
    assert any(r.startswith("model ") for r in res.reasons)
    assert res.prices and res.prices[0]["currency"] == "IDR"


def _run(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="kinward")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_classify_and_evaluate_commands_run_on_the_dev_file(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert _run(["watch", "classify", str(DEV), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 201
    assert {"id", "label", "risk", "score", "reasons", "lang", "entities"} <= set(rows[0])
    assert _run(["watch", "evaluate", str(DEV), "--json", str(tmp_path / "m.json")]) == 0
    printed = capsys.readouterr().out
    assert "overall" in printed and "normalized (untyped)" in printed
    figures = json.loads((tmp_path / "m.json").read_text())
    assert figures["n_posts"] == 201
    assert 0.0 <= figures["risk"]["f1"] <= 1.0


def test_dev_gold_entities_are_substrings_of_their_posts():
    for post in load_jsonl(DEV):
        for ent in post["entities"]:
            assert ent["raw"] in post["text"]


def test_training_data_copies_no_dev_post_and_no_long_dev_passage():
    window = 32
    dev_texts = [p["text"].lower() for p in load_jsonl(DEV)]
    passages = {t[i : i + window] for t in dev_texts for i in range(len(t) - window + 1)}
    for name in ("train.jsonl", "heldout.jsonl", "handwritten.jsonl"):
        for post in load_jsonl(DATA_DIR / name):
            text = post["text"].lower()
            assert text not in dev_texts
            shared = [
                text[i : i + window]
                for i in range(len(text) - window + 1)
                if text[i : i + window] in passages
            ]
            assert not shared, (post["id"], shared[0])
            assert post["label"] in LABELS
            for ent in post.get("entities", []):
                assert ent["raw"] in post["text"]


def test_cluster_command_links_posts_of_one_broker(tmp_path, capsys):
    posts = [
        {"id": "a", "text": "Bayi cowok sehat, mahar 20jt. WA 0813-2244-5566"},
        {"id": "b", "text": "Info adopsi cepat, japri o8l3 2244 5566"},
        {"id": "c", "text": "Jual stroller bekas, mulus, COD Depok"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(p) for p in posts) + "\n", encoding="utf-8")
    assert _run(["watch", "cluster", str(src)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["entity_component"] == rows[1]["entity_component"] != rows[2]["entity_component"]
