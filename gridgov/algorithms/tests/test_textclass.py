"""The text classifier on its own: features, training, ranking, evaluation, storage."""

import pickle

import pytest

from gridgov.algorithms import textclass
from gridgov.algorithms.textclass import CategoryModel, evaluate, normalise, split

TOY = [
    ("楼下垃圾好几天没人收了", "rubbish"),
    ("小区门口的垃圾桶满了往外溢", "rubbish"),
    ("垃圾站臭气熏天", "rubbish"),
    ("路灯晚上不亮黑乎乎的", "light"),
    ("楼道灯坏了上下楼看不见", "light"),
    ("路口那盏灯一闪一闪的", "light"),
    ("暖气不热家里才十五度", "heat"),
    ("供暖开始了我家还是凉的", "heat"),
    ("暖气片冰凉打电话没人管", "heat"),
]


@pytest.fixture(scope="module")
def toy_model():
    return CategoryModel().fit([t for t, _ in TOY], [c for _, c in TOY])


def test_normalise_folds_width_case_digits_and_spaces():
    assert normalise("  ＡＢＣ  3号楼  1203室 ") == "abc 0号楼 0室"


def test_the_model_ranks_three_categories_best_first(toy_model):
    (prediction,) = toy_model.predict(["门口垃圾没人收"])

    assert prediction.category == "rubbish"
    assert [code for code, _ in prediction.top][0] == "rubbish"
    assert len(prediction.top) == 3
    scores = [score for _, score in prediction.top]
    assert scores == sorted(scores, reverse=True)
    assert sum(scores) == pytest.approx(1.0, abs=1e-5)
    assert prediction.confidence == scores[0]


def test_json_form_follows_the_cli_contract(toy_model):
    row = toy_model.predict(["暖气不热"])[0].as_json()

    assert set(row) == {"category", "confidence", "top"}
    assert [set(item) for item in row["top"]] == [{"category", "score"}] * 3


def test_training_needs_two_categories():
    with pytest.raises(ValueError):
        CategoryModel().fit(["a", "b"], ["x", "x"])


def test_no_texts_no_predictions(toy_model):
    assert toy_model.predict([]) == []


def test_a_stored_model_predicts_the_same(toy_model):
    again = CategoryModel.loads(toy_model.dumps())

    assert again.predict(["路灯不亮"]) == toy_model.predict(["路灯不亮"])


def test_a_model_of_another_version_is_refused(toy_model, monkeypatch):
    blob = toy_model.dumps()
    monkeypatch.setattr(textclass, "MODEL_VERSION", textclass.MODEL_VERSION + 1)

    with pytest.raises(ValueError):
        CategoryModel.loads(blob)
    with pytest.raises(ValueError):
        CategoryModel.loads(pickle.dumps({"not": "a model"}))


def test_split_keeps_a_share_of_every_category_apart():
    examples = [(f"text {i} {label}", label) for label in "abc" for i in range(10)]

    train, test = split(examples, held_out=0.2)

    assert sorted(train + test) == sorted(examples)
    assert not set(train) & set(test)
    assert sorted(label for _, label in test) == ["a", "a", "b", "b", "c", "c"]
    assert split(examples, held_out=0.2) == (train, test)  # deterministic


def test_evaluation_counts_hits_and_confusions(toy_model):
    figures = evaluate(toy_model, ["垃圾没人收", "灯不亮", "暖气不热"], ["rubbish", "heat", "heat"])

    assert figures.size == 3
    assert figures.top1 == pytest.approx(2 / 3)
    assert figures.top3 == 1.0
    assert figures.confusion["heat"]["light"] == 1
    assert figures.worst(1) == [("heat", "light", 1)]
