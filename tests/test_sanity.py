import numpy as np

from sign2text.data.ablation import derangement
from sign2text.evaluation.sanity import best_constant_sentence, warnings_for
from sign2text.metrics import corpus_scores

REFERENCES = ["the cat sat on the mat .", "the dog sat on the rug .", "a bird sang in the tree ."]


def test_best_constant_sentence_is_the_best_of_the_candidates() -> None:
    candidates = ["completely unrelated words here", "the cat sat on the rug .", "bird"]
    best, scores = best_constant_sentence(candidates, REFERENCES)
    assert best == "the cat sat on the rug ."
    for other in candidates:
        assert corpus_scores([other] * 3, REFERENCES)["bleu4"] <= scores["bleu4"]


def test_a_model_no_better_than_a_constant_sentence_is_flagged() -> None:
    constant = corpus_scores(["the cat sat on the rug ."] * 3, REFERENCES)
    ablations = {"constant sentence": constant}
    assert "does not clear its ablations" in warnings_for(constant, ablations)[0]
    perfect = corpus_scores(REFERENCES, REFERENCES)
    assert warnings_for(perfect, ablations) == []


def test_long_and_looping_hypotheses_are_flagged() -> None:
    looping = ["the the the the the the the the the the the"] * 3
    scores = corpus_scores(looping, REFERENCES)
    messages = " ".join(warnings_for(scores, {"swapped inputs": scores}))
    assert "length" in messages and "loop" in messages


def test_derangement_moves_every_clip() -> None:
    for n in (2, 3, 10, 101):
        source = derangement(n, seed=n)
        assert sorted(source.tolist()) == list(range(n))
        assert (source != np.arange(n)).all()
