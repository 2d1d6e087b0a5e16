"""The classifier in the product: CLI contract, training, evaluation, intake, the worker."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.cases.actions import submit_case
from gridgov.cases.models import Case, Category
from gridgov.core.models import AuditLogEntry
from gridgov.insights import classifier
from gridgov.insights.actions import retrain_if_due, train_classifier
from gridgov.insights.models import TrainedModel
from gridgov.insights.tests.jsonl_command import run_jsonl

CLEAR_TEXT = "巡查发现小区东门口的垃圾桶已经满了，旁边还堆了好几袋生活垃圾，气味很大，请尽快清运"


def run_classify(monkeypatch, lines: list[str]) -> tuple[list[dict], int]:
    return run_jsonl(monkeypatch, "classify", lines)


@pytest.mark.django_db
def test_classify_answers_one_line_per_text_on_a_fresh_install(monkeypatch):
    rows, code = run_classify(
        monkeypatch,
        [json.dumps({"text": CLEAR_TEXT}, ensure_ascii=False), json.dumps({"text": "暖气片冰凉"})],
    )

    assert code == 0
    assert len(rows) == 2
    codes = set(Category.objects.values_list("code", flat=True))
    for row in rows:
        assert set(row) == {"category", "confidence", "top"}
        assert row["category"] in codes
        assert len(row["top"]) == 3
        assert row["top"][0] == {"category": row["category"], "score": row["confidence"]}
    assert rows[0]["category"] == "env.sanitation"
    assert rows[1]["category"] == "utility.heating"
    assert not TrainedModel.objects.exists()  # a read writes nothing


@pytest.mark.django_db
def test_classify_marks_bad_lines_and_keeps_going(monkeypatch):
    rows, code = run_classify(
        monkeypatch,
        [
            "{not json",
            json.dumps({"txt": "x"}),
            "[1]",
            json.dumps({"text": "x" * 2001}),
            json.dumps({"text": "路灯不亮"}),
        ],
    )

    assert code == 1
    assert [row.get("line") for row in rows[:4]] == [1, 2, 3, 4]
    assert all("error" in row for row in rows[:4])
    assert rows[4]["category"] == "facility.lighting"


@pytest.mark.django_db
def test_retired_categories_are_never_suggested(monkeypatch):
    Category.objects.filter(code="env.sanitation").update(active=False)

    rows, _ = run_classify(monkeypatch, [json.dumps({"text": CLEAR_TEXT}, ensure_ascii=False)])

    assert "env.sanitation" not in [item["category"] for item in rows[0]["top"]]
    assert sum(item["score"] for item in rows[0]["top"]) <= 1.0001


@pytest.mark.django_db
def test_training_stores_the_model_with_its_figures_and_an_audit_row(world):
    row = train_classifier(actor=world.street_admin)

    assert row.corpus_examples >= 28 * 100
    assert 0.8 < row.held_out_top1 <= 1 and row.held_out_top3 >= row.held_out_top1
    entry = AuditLogEntry.objects.get(action="insights.train_classifier")
    assert entry.actor == world.street_admin and entry.object_id == str(row.pk)
    classifier.forget()
    assert classifier.suggest(["楼道灯坏了"])[0].category == "facility.lighting"


@pytest.mark.django_db
def test_closed_cases_teach_the_classifier_their_final_category(world):
    from gridgov.insights.actions import training_examples

    case = submit_case(
        description="门卫大爷总把快递乱放在门口", actor=world.resident, lat=36.105, lng=120.305
    )
    Case.objects.filter(pk=case.pk).update(
        status="closed", category=Category.objects.get(code="housing.property")
    )

    examples, _, cases = training_examples()

    assert cases == 1
    assert ("门卫大爷总把快递乱放在门口", "housing.property") in examples


@pytest.mark.django_db
def test_the_worker_trains_once_on_a_fresh_install_then_when_enough_cases_closed(world, settings):
    settings.GRIDGOV_CLASSIFIER_RETRAIN_AFTER = 2
    first = retrain_if_due()
    assert first is not None
    assert retrain_if_due() is None

    category = Category.objects.get(code="env.sanitation")
    for text in ("楼下垃圾没人收", "门口垃圾桶满了"):
        case = submit_case(description=text, actor=world.resident, lat=36.105, lng=120.305)
        Case.objects.filter(pk=case.pk).update(
            status="closed", category=category, closed_at=first.created_at.replace(year=2999)
        )

    second = retrain_if_due()
    assert second is not None and second.case_examples == 2


def test_train_and_evaluate_commands(db, tmp_path):
    out = io.StringIO()
    call_command("train", stdout=out)
    assert "held out: top-1" in out.getvalue()

    test_file = tmp_path / "t.jsonl"
    test_file.write_text(
        json.dumps({"text": CLEAR_TEXT, "category": "env.sanitation"}, ensure_ascii=False) + "\n",
        "utf-8",
    )
    out = io.StringIO()
    call_command("evaluate", "--test", str(test_file), stdout=out)
    text = out.getvalue()
    assert "tested on 1" in text and "confusion matrix" in text

    out = io.StringIO()
    call_command("evaluate", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["top1"] > 0.8 and figures["tested_on"] >= 28 * 20


def test_evaluate_refuses_a_bad_test_file(db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "no category"}\n', "utf-8")

    with pytest.raises(CommandError, match="text and category"):
        call_command("evaluate", "--test", str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("evaluate", "--test", str(tmp_path / "missing.jsonl"))


@pytest.mark.django_db
def test_a_clear_text_is_dispatched_directly_and_the_reason_says_so(world, settings):
    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 0.3

    case = submit_case(description=CLEAR_TEXT, actor=world.resident, lat=36.105, lng=120.305)

    assert case.status == "dispatched"
    assert case.category.code == "env.sanitation"
    assert "自动分类" in case.routing_reason or "Classified automatically" in case.routing_reason
    assert case.suggested_categories[0]["category"] == "env.sanitation"
    assert len(case.suggested_categories) == 3


@pytest.mark.django_db
def test_below_the_threshold_the_case_waits_with_the_suggestions(world, settings):
    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 1.0

    case = submit_case(description=CLEAR_TEXT, actor=world.resident, lat=36.105, lng=120.305)

    assert case.status == "submitted" and case.category is None
    assert case.suggested_categories[0]["category"] == "env.sanitation"
    assert "env.sanitation" not in case.routing_reason  # names the category, not the code
    assert Category.objects.get(code="env.sanitation").name in case.routing_reason


@pytest.mark.django_db
def test_a_chosen_category_is_never_overridden(world, settings):
    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 0.0
    heating = Category.objects.get(code="utility.heating")

    case = submit_case(
        description=CLEAR_TEXT, actor=world.resident, lat=36.105, lng=120.305, category=heating
    )

    assert case.category == heating
    assert case.suggested_categories[0]["category"] == "env.sanitation"  # kept for the dispatcher


@pytest.mark.django_db
def test_the_report_form_gets_three_suggestions_as_the_resident_types(world, login, client):
    assert client.get("/cases/report/suggest/", {"text": CLEAR_TEXT}).status_code == 302  # login

    resident = login("resident")
    answer = resident.get("/cases/report/suggest/", {"text": CLEAR_TEXT})
    assert answer.status_code == 200
    top = answer.json()["top"]
    assert len(top) == 3 and top[0]["category"] == "env.sanitation"
    assert top[0]["name"] == Category.objects.get(code="env.sanitation").name
    assert resident.get("/cases/report/suggest/", {"text": "灯"}).json() == {"top": []}
    too_long = resident.get("/cases/report/suggest/", {"text": "灯" * 4001})
    assert too_long.status_code == 400 and "error" in too_long.json()
    page = resident.get("/cases/report/")
    assert 'id="category-suggestions"' in page.content.decode()


@pytest.mark.django_db
def test_the_classify_api_needs_a_login_and_a_text(world, client):
    from gridgov.accounts.actions import create_api_token

    assert (
        client.post("/api/v1/classify", {"text": CLEAR_TEXT}, "application/json").status_code == 401
    )
    token = create_api_token(user=world.grid_worker_a, name="t")[1]
    auth = {"Authorization": f"Bearer {token}"}

    ok = client.post("/api/v1/classify", {"text": CLEAR_TEXT}, "application/json", headers=auth)
    empty = client.post("/api/v1/classify", {"text": "  "}, "application/json", headers=auth)
    missing = client.post("/api/v1/classify", {}, "application/json", headers=auth)

    assert ok.status_code == 200 and ok.json()["category"] == "env.sanitation"
    assert len(ok.json()["top"]) == 3
    assert empty.status_code == 400 and "text" in empty.json()["errors"]
    assert missing.status_code == 422


@pytest.mark.django_db
def test_the_register_form_preselects_the_first_suggestion(world, login, settings):
    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 1.01
    case = submit_case(description=CLEAR_TEXT, actor=world.resident, lat=36.105, lng=120.305)

    html = login("street_admin").get(f"/cases/{case.pk}/").content.decode()

    assert '<option value="env.sanitation" selected>' in html
    assert "建议分类" in html or "Suggested:" in html


@pytest.mark.django_db
def test_a_model_stored_by_an_older_release_is_replaced(world, monkeypatch):
    old = train_classifier(actor=None)
    TrainedModel.objects.filter(pk=old.pk).update(version=old.version - 1, blob=b"old")
    classifier.forget()

    assert classifier.suggest(["楼道灯坏了"])[0].category == "facility.lighting"  # corpus model
    fresh = retrain_if_due()
    assert fresh is not None and fresh.pk != old.pk
