"""Fixtures for the dashboard tests: a headless Chromium for dash[testing], a small
run setting, and helpers that talk to the page."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

# the tests import their shared helpers (forge.py) by name, under --import-mode=importlib
sys.path.insert(0, str(Path(__file__).parent))

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HAVE_BROWSER = CHROMIUM.exists() and Path(CHROMEDRIVER).exists()

CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1500,1800",
)


def chrome_options() -> Any:
    """Selenium options for Debian's headless Chromium (we run as root, offline)."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in CHROME_ARGS:
        options.add_argument(arg)
    return options


def pytest_setup_options() -> Any:
    """dash[testing] hook: the browser options used by ``dash_duo``."""
    return chrome_options()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAVE_BROWSER:
        return
    skip = pytest.mark.skip(reason="needs /usr/bin/chromium and chromedriver")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
