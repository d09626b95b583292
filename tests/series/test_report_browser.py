"""The report page in a real browser: Debian's chromium, headless, driven by selenium through
Debian's chromedriver (both given by path: nothing is downloaded). Skipped where they are absent
(.ci/run installs them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spc_cli import api

from .shoot import T0, shoot

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
DRIVER = shutil.which("chromedriver") or next(
    (p for p in ("/usr/lib/chromium/chromedriver", "/usr/bin/chromedriver") if Path(p).is_file()), None)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,2400")

pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None,
                                reason="chromium and chromedriver not installed (apt-get install chromium "
                                       "chromium-driver); .ci/run installs them")


@pytest.fixture()
def browser(tmp_path, monkeypatch):
    selenium = pytest.importorskip("selenium", reason="selenium is a test dependency (pip install -e '.[test]')")
    del selenium
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium's own driver manager never goes online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_every_picture_of_a_small_run_loads_and_the_page_has_no_console_error(tmp_path, browser):
    from selenium.webdriver.common.by import By

    shoot(tmp_path / "in", {"a": (1, T0)})
    rng = np.random.default_rng(1)
    dark = (np.kron(rng.random((40, 60, 3)) ** 3, np.ones((5, 5, 1))) * 80).astype(np.uint8)
    Image.fromarray(dark).save(tmp_path / "in" / "dark photo #1.png")  # a name that needs escaping in a URL
    (tmp_path / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    out = tmp_path / "out"
    api.enhance([tmp_path / "in"], out, progress=False, report=True)

    browser.get((out / "index.html").as_uri())
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    with Image.open(shot) as im:
        assert im.size[0] >= 1000 and len(np.unique(np.asarray(im.convert("L")))) > 50  # a page, not blank

    images = browser.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.alt])")
    assert len(images) == 2 * 4  # before and after of the four photos written
    for src, complete, width, alt in images:
        assert complete and width > 0, f"{alt} ({src}) did not load"
    assert {alt.split(":")[0] for *_, alt in images} == {"before", "after"}
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []

    articles = browser.find_elements(By.TAG_NAME, "article")
    assert len(articles) == 5
    browser.get((out / "index.html").as_uri() + "#failed")  # the filters: CSS only
    shown = [a for a in browser.find_elements(By.TAG_NAME, "article") if a.is_displayed()]
    assert len(shown) == 1 and "broken.jpg" in shown[0].text
    browser.get((out / "index.html").as_uri() + "#changed")
    shown = [a for a in browser.find_elements(By.TAG_NAME, "article") if a.is_displayed()]
    assert shown and all("changed" in a.get_attribute("class") for a in shown)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
