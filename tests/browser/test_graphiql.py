"""GraphiQL in a real browser: Debian's Chromium (headless), driven by Selenium through
Debian's chromedriver, against `tradedesk serve` on loopback, with every other host made
unreachable. `.ci/run` installs both; under CI=true a missing browser fails the test."""

from __future__ import annotations

import os
import shutil
import time
from urllib.parse import quote

import pytest

from tests.standins.serving import free_port
from tests.support.processes import run, start_server, wait_until_serving

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
ONLY_LOOPBACK = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"  # any other host does not resolve


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are not installed (.ci/run installs them)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # root in a container
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--host-resolver-rules={ONLY_LOOPBACK}",
        "--proxy-server=http://127.0.0.1:9",  # and nothing leaves by a proxy either
        "--proxy-bypass-list=127.0.0.1",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def test_graphiql_runs_a_query_offline(tmp_path, browser):
    seeded = run(["seed"], tmp_path, TRADEDESK_DATA_DIR=str(tmp_path))
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    server = start_server(tmp_path, "127.0.0.1", port, TRADEDESK_DATA_DIR=str(tmp_path))
    try:
        base = wait_until_serving(server, port)
        browser.get(f"{base}/graphql?q={quote('{ plans { name } }')}")
        run_button = _wait_for(browser, "return document.querySelector('.graphiql-execute-button')")
        run_button.click()
        result = _wait_for(
            browser,
            "const pane = document.querySelector('.graphiql-response');"
            "return pane && pane.innerText.includes('BASIC') ? pane.innerText : null;",
        )
        errors = [
            entry["message"]
            for entry in browser.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
        ]
    finally:
        server.terminate()
        server.wait(30)

    assert '"name": "BASIC"' in result
    assert errors == []  # nothing failed to load: no script, style or font from elsewhere


def _wait_for(browser, script: str, seconds: float = 30):
    """What `script` returns once it is truthy."""
    deadline = time.monotonic() + seconds
    while True:
        found = browser.execute_script(script)
        if found:
            return found
        assert time.monotonic() < deadline, browser.page_source[:2000]
        time.sleep(0.2)
