#!/usr/bin/env python3
"""Loads the overview, a trace page and the explore page in headless Chromium over HTTPS (the
test CA is not in Chromium's store, so certificate errors are ignored: what is checked is the
pages under the Content-Security-Policy) and fails on any console error.

    pages.py HTTPS_URL TRACE_ID UI_SCRIPTS_DIR
"""

import sys

url, trace, ui = sys.argv[1:4]
sys.path.insert(0, ui)
from browse_common import console_errors, make_driver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

driver = make_driver(extra=["--ignore-certificate-errors"])
try:
    for path in ["/ui/", f"/ui/traces/{trace}", "/ui/explore"]:
        driver.get(url + path)
        if not driver.find_elements(By.TAG_NAME, "main"):
            print(f"    {path}: no page")
            sys.exit(1)
    errors = console_errors(driver)
    print(f"    3 pages over HTTPS, console errors: {errors}")
    sys.exit(1 if errors else 0)
finally:
    driver.quit()
