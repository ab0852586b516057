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


def make_driver():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1600,1100"]:
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)
