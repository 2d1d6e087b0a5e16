"""The dashboard in a real browser: a street admin looks at the street, switches to a
community, opens the red and black list and downloads its Excel. Screenshots go to
screenshots/."""

import io

import pytest
from openpyxl import load_workbook

from gridgov.cases import actions
from gridgov.cases.models import Category
from gridgov.insights.kpis import refresh_kpis
from tests.browser.test_case_browser import sign_in

pytestmark = pytest.mark.browser


def test_street_admin_dashboard_community_red_black_list_and_excel(
    browser, live_server, live_world, screenshots
):
    world = live_world
    for code, lng in (
        ("env.sanitation", 120.305),
        ("facility.road", 120.315),
        ("env.sanitation", 120.325),
        ("housing.property", 120.305),
    ):
        actions.submit_case(
            description="楼道里堆满了杂物",
            category=Category.objects.get(code=code),
            lat=36.105,
            lng=lng,
            actor=world.resident,
        )
    refresh_kpis()
    base = live_server.url
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, "street_admin")

    page.click("text=数据看板")
    page.wait_for_selector(".insights-chart[data-chart=daily] canvas")
    page.wait_for_selector("#insights-map path.leaflet-interactive")
    assert page.locator("#insights-map path.leaflet-interactive").count() == 3  # the street's grids
    assert world.street.name in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "dashboard-street.png"), full_page=True)

    with page.expect_navigation():
        page.select_option("#insights-place", world.c1.code)
    assert world.c1.name in page.inner_text("h1")
    page.wait_for_selector(".insights-chart[data-chart=category] canvas")
    page.screenshot(path=str(screenshots / "dashboard-community.png"), full_page=True)

    page.click("#red-black")
    page.click("#tab-red_black_grids")
    pane = page.locator("#pane-red_black_grids")
    assert world.grid_a.name in pane.inner_text()
    page.locator("#red-black").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "dashboard-red-black.png"))

    with page.expect_download() as waiting:
        pane.locator("a.insights-export").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(download.path().read_bytes())).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {world.grid_a.name}  # the community's only grid leading a case
    assert errors == []
    context.close()
