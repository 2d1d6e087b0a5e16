"""The map in a real browser: grid worker A signs in and sees grid A highlighted."""

import pytest

from tests.personas import PASSWORD

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]:not([name=language])")
    page.wait_for_url(f"{base_url}/")


def open_map(page, base_url):
    page.goto(f"{base_url}/map/")
    page.wait_for_selector("#grid-map[data-state=ready]", timeout=15_000)
    page.wait_for_selector("#grid-map path.grid-shape")


def test_grid_worker_sees_own_grid_highlighted(browser, live_server, live_world, screenshots):
    grid_a, grid_b = live_world.grid_a, live_world.grid_b
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server.url, "grid_worker_a")
    open_map(page, live_server.url)

    map_element = page.locator("#grid-map")
    assert map_element.get_attribute("data-highlighted-grids") == str(grid_a.pk)
    path_a = page.locator(f'#grid-map path[data-grid-id="{grid_a.pk}"]')
    path_b = page.locator(f'#grid-map path[data-grid-id="{grid_b.pk}"]')
    assert "grid-mine" in path_a.get_attribute("class")
    assert "grid-mine" not in path_b.get_attribute("class")
    legend = page.locator("#my-grids")
    assert legend.is_visible()
    assert "一网格" in legend.inner_text()
    assert "二网格" not in legend.inner_text()
    # Labels name the grid and its party branch; the worker sees one building point.
    assert "一网格党支部" in page.locator(".grid-label-mine").inner_text()
    assert page.locator(".leaflet-tooltip.grid-label").count() == 3
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.screenshot(path=str(screenshots / "map-desktop.png"))

    # A click on grid B opens its page.
    path_b.click()
    page.wait_for_url(f"{live_server.url}/places/grids/{grid_b.pk}/")
    assert "二网格党支部" in page.content()
    assert errors == []
    context.close()


def test_map_and_pages_fit_a_phone_screen(browser, live_server, live_world, screenshots):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    sign_in(page, live_server.url, "grid_worker_a")
    page.screenshot(path=str(screenshots / "home-phone.png"), full_page=True)
    open_map(page, live_server.url)

    box = page.locator("#grid-map").bounding_box()
    assert box["width"] == pytest.approx(PHONE["width"], abs=1)
    # The navbar is collapsed behind its toggler; nothing scrolls sideways.
    assert page.locator(".navbar-toggler").is_visible()
    assert not page.locator("#main-nav").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#my-grids").inner_text().strip().startswith("一网格")
    assert page.locator("#my-grids").is_visible()
    page.screenshot(path=str(screenshots / "map-phone.png"), full_page=True)

    page.click(".navbar-toggler")
    page.wait_for_selector("#main-nav.show")
    page.screenshot(path=str(screenshots / "menu-phone.png"))

    page.goto(f"{live_server.url}/places/buildings/{live_world.building_a.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert "138****1111" in page.content()
    page.screenshot(path=str(screenshots / "building-phone.png"), full_page=True)

    page.goto(f"{live_server.url}/party/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(screenshots / "party-phone.png"), full_page=True)
    context.close()


def test_language_switch_to_english_in_the_browser(browser, live_server, live_world, screenshots):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "street_admin")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.click('button[name=language][value="en"]')
    page.wait_for_selector('html[lang="en"]')
    assert page.locator('button[name=language][value="zh-hans"]').is_visible()
    open_map(page, live_server.url)
    assert "My grid" in page.locator(".map-side").inner_text()
    # The street admin has no grid of their own: nothing highlighted, buildings drawn.
    assert page.locator("#grid-map").get_attribute("data-highlighted-grids") == ""
    page.screenshot(path=str(screenshots / "map-desktop-en-street-admin.png"))
    page.goto(f"{live_server.url}/party/")
    page.screenshot(path=str(screenshots / "party-desktop-en.png"), full_page=True)
    context.close()
