"""The case loop in a real phone browser: report with a photo, accept, resolve, verify, rate.

resident reports rubbish at home with a photo → grid_worker_a finds it in the
queue, accepts and resolves it, then verifies it on site → the resident sees
it closed and rates it.  Screenshots of every page go to screenshots/.
"""

import io

import pytest
from PIL import Image

from gridgov.cases.models import Case
from tests.personas import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
RUBBISH = "楼下垃圾桶旁边堆了好几袋建筑垃圾, 已经三天没人清运了"


def phone(browser, **options):
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        **options,
    )


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_url(f"{base_url}/")


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def photo_file(tmp_path):
    path = tmp_path / "垃圾.jpg"
    image = Image.new("RGB", (1200, 900), (120, 130, 140))
    for x in range(300, 900):  # a brown heap in the middle
        for y in range(450, 750, 3):
            image.putpixel((x, y), (150, 100, 60))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    path.write_bytes(out.getvalue())
    return path


def test_report_accept_resolve_verify_and_rate_on_a_phone(
    browser, live_server, live_world, screenshots, tmp_path
):
    base = live_server.url
    errors = []

    # --- the resident reports with a photo --------------------------------------------
    resident = phone(browser)
    page = resident.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, "resident")
    page.goto(f"{base}/cases/report/")
    page.wait_for_selector("#place-map[data-state=ready]", timeout=15_000)
    assert page.locator("#place-map").get_attribute("data-source") == "home"
    assert page.locator("#id_at_home").is_checked()
    assert page.locator("#place-map .leaflet-marker-icon").count() == 1
    page.fill("#id_description", RUBBISH)
    page.select_option("#id_category", "env.sanitation")
    page.set_input_files("#id_photos", str(photo_file(tmp_path)))
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-report-phone.png"), full_page=True)
    page.click("form.report-form button[type=submit]")
    page.wait_for_selector(".case-page")
    case = Case.objects.get()
    assert page.url == f"{base}/cases/{case.pk}/"
    assert case.building == live_world.building_a and case.photos.count() == 1
    assert page.locator(".case-photos img").count() == 1
    assert page.evaluate("document.querySelector('.case-photos img').naturalWidth") > 0
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-page-resident-phone.png"), full_page=True)

    # --- grid worker A: queue, accept, resolve, verify ----------------------------------
    worker = phone(browser, geolocation={"latitude": 36.1052, "longitude": 120.3051})
    worker.grant_permissions(["geolocation"])
    page = worker.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, "grid_worker_a")
    page.goto(f"{base}/cases/queue/")
    item = page.locator(f'.queue-item[data-case-id="{case.pk}"]')
    assert item.is_visible()
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-queue-phone.png"), full_page=True)
    item.locator("a").click()
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    assert page.locator("#act-accept").get_attribute("open") is not None
    page.screenshot(path=str(screenshots / "case-page-worker-phone.png"), full_page=True)
    page.fill("#id_accept-note", "已电话联系居民, 下午去现场")
    page.click("#act-accept button[type=submit]")
    page.wait_for_selector('.case-page[data-status="accepted"]')
    assert page.locator("#act-resolve").get_attribute("open") is not None  # the next step
    page.fill("#id_resolve-reply", "已联系环卫车清运, 现场已清理干净")
    page.click("#act-resolve button[type=submit]")
    page.wait_for_selector('.case-page[data-status="resolved"]')
    assert page.locator("#act-verify").get_attribute("open") is not None
    page.check("#id_verify-ok_0")
    page.click("#act-verify button[type=submit]")
    page.wait_for_selector('.case-page[data-status="closed"]')
    assert page.locator(".case-action").count() == 0
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-page-closed-phone.png"), full_page=True)

    # the patrol form: GPS fills the point
    page.goto(f"{base}/cases/patrol/")
    page.wait_for_selector("#place-map[data-source=gps]", timeout=15_000)
    assert page.input_value("#id_lat").startswith("36.1052")
    assert page.locator(".category-buttons .category-button").first.is_visible()
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-patrol-phone.png"), full_page=True)
    worker.close()

    # --- the resident sees it closed and rates it ---------------------------------------
    page = resident.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/cases/mine/")
    card = page.locator(f'.my-case[data-case-id="{case.pk}"]')
    assert card.get_attribute("data-status") == "closed"
    assert card.locator(".rate-form").is_visible()
    card.locator(".my-case-timeline > summary").click()
    fits_the_phone(page)
    page.screenshot(path=str(screenshots / "case-mine-phone.png"), full_page=True)
    card.locator('label[for="id_rate-rating_0"]').click()  # 满意, a big button
    assert card.locator('input[value="satisfied"]').is_checked()
    card.locator("textarea").fill("清理得很及时, 谢谢网格员")
    card.locator(".rate-form button[type=submit]").click()
    page.wait_for_url(f"{base}/cases/mine/")
    assert page.locator(f'.my-case[data-case-id="{case.pk}"] .rate-form').count() == 0
    case.refresh_from_db()
    assert case.rating == "satisfied" and case.status == "closed"
    page.screenshot(path=str(screenshots / "case-mine-rated-phone.png"), full_page=True)
    resident.close()
    assert errors == []


def test_the_case_page_on_a_desktop_for_a_summoned_community(
    browser, live_server, live_world, screenshots
):
    from gridgov.cases import actions
    from gridgov.cases.models import Category

    world = live_world
    case = actions.submit_case(
        description=RUBBISH,
        category=Category.objects.get(code="env.sanitation"),
        lat=36.105,
        lng=120.305,
        actor=world.resident,
        requester_phone="13912345678",
    )
    case = actions.accept_case(case=case, actor=world.grid_worker_a, note="已到现场查看")
    actions.whistle(
        case=case, actor=world.grid_worker_a, up=True, reason="垃圾量大, 需要社区协调清运"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "community_admin")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    forms = page.locator(".case-action").evaluate_all("els => els.map(e => e.id)")
    assert forms == ["act-report", "act-resolve", "act-whistle"]
    assert "139****5678" in page.locator(".case-requester").inner_text()
    # the actions stand beside the facts on a desktop
    actions_box = page.locator(".case-actions").bounding_box()
    facts_box = page.locator(".case-facts-section").bounding_box()
    assert actions_box["x"] > facts_box["x"] + facts_box["width"]
    page.click("#act-whistle > summary")
    picker = page.locator("#act-whistle .unit-picker")
    assert not picker.is_visible()  # "the level above" is chosen: no unit list
    page.check("#id_whistle-target_1")
    assert picker.is_visible()
    assert "城市管理科" in picker.inner_text()
    page.screenshot(path=str(screenshots / "case-page-desktop.png"), full_page=True)
    assert errors == []
    context.close()
