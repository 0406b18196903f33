"""Metrics on small hand-made cases with known answers."""

import pytest

from kinward.engines.textwatch.evaluate import EvaluationInputError, evaluate, format_report


def _post(pid, label, lang="en", ents=(), risk=None):
    return {"id": pid, "label": label, "lang": lang, "risk": label != "benign" if risk is None else risk,
            "entities": [{"type": t, "raw": v, "normalized": v} for t, v in ents]}  # fmt: skip


def test_it_computes_risk_precision_recall_and_f1():
    gold = [_post("a", "offer_sale"), _post("b", "seek_buy"), _post("c", "benign"), _post("d", "benign")]
    pred = [_post("a", "offer_sale"), _post("b", "benign"), _post("c", "review"), _post("d", "benign")]
    rep = evaluate(gold, pred)
    assert (rep.risk.tp, rep.risk.fp, rep.risk.fn) == (1, 1, 1)
    assert rep.risk.precision == pytest.approx(0.5)
    assert rep.risk.recall == pytest.approx(0.5)
    assert rep.risk.f1 == pytest.approx(0.5)
    assert rep.label_accuracy == pytest.approx(0.5)
    assert rep.flagged_by_label["benign"] == [1, 2]
    assert rep.label["offer_sale"].f1 == pytest.approx(1.0)


def test_it_splits_risk_figures_by_gold_language():
    gold = [_post("a", "offer_sale", "id"), _post("b", "offer_sale", "ru")]
    pred = [_post("a", "offer_sale", "id"), _post("b", "benign", "ru")]
    rep = evaluate(gold, pred)
    assert rep.risk_by_lang["id"].f1 == pytest.approx(1.0)
    assert rep.risk_by_lang["ru"].f1 == 0.0


def test_entity_matching_is_a_per_post_set_match_that_ignores_type():
    gold = [_post("a", "benign", ents=[("phone", "+6281"), ("handle", "x")]), _post("b", "benign")]
    pred = [
        _post("a", "benign", ents=[("whatsapp", "+6281"), ("url", "y.example")]),
        _post("b", "benign", ents=[("handle", "x")]),  # right value, wrong post: a false positive
    ]
    rep = evaluate(gold, pred)
    assert (rep.entities.tp, rep.entities.fp, rep.entities.fn) == (1, 2, 1)
    assert rep.entities.precision == pytest.approx(1 / 3)
    assert rep.entities.recall == pytest.approx(0.5)
    assert rep.entities_typed.tp == 0
    assert "entities" in format_report(rep)


def test_it_rejects_a_missing_prediction():
    with pytest.raises(EvaluationInputError, match="no prediction for gold post id 'a'"):
        evaluate([_post("a", "benign")], [])
