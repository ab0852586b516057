"""What the browser scripts share: checks that print ok/FAIL, screenshots, the headless
Chromium driver (selenium + chromedriver from Debian)."""

import os
import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

_failures = 0


def check(description, condition, detail=""):
    global _failures
    if condition:
        print(f"  ok   {description}")
    else:
        _failures += 1
        print(f"  FAIL {description} {detail}")


def failures():
    return _failures


def shot(driver, out, name):
    path = os.path.join(out, name)
    driver.save_screenshot(path)
    print(f"  screenshot {path}")


def make_driver(extra=()):
    options = webdriver.ChromeOptions()
    for argument in list(extra) + ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1600,1100"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)


def console_errors(driver):
    """The page's console errors so far (a Content-Security-Policy violation is one)."""
    try:
        return [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    except Exception as error:  # a driver without the log endpoint
        return [f"browser log unavailable: {error}"]
