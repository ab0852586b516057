#!/usr/bin/env python3
"""Walks the engineer's path through the pages in headless Chromium (selenium + chromedriver):
overview → the slowest request → its trace → the span's profile link → the flame graph, and
checks the flame graph's widest frame under the span is the function `go tool pprof -tagfocus`
names. Saves a screenshot of every page in OUT_DIR.

    browse.py CORRELATOR_URL FROM TO EXPECTED_TRACE EXPECTED_SPAN EXPECTED_FUNCTION OUT_DIR

Prints one `ok`/`FAIL` line per check and exits 1 on any failure.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from browse_common import check, failures, make_driver  # noqa: E402
from browse_common import shot as save_shot  # noqa: E402

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

base, start, end, want_trace, want_span, want_function, out = sys.argv[1:8]


def shot(driver, name):
    save_shot(driver, out, name)


# Self value summed per function over the drawn frames (the root excluded): the widest frame.
WIDEST = """
const totals = {};
document.querySelectorAll('#flamegraph .n:not(.root)').forEach(n => {
  const name = n.querySelector(':scope > span').textContent;
  totals[name] = (totals[name] || 0) + Number(n.getAttribute('data-s'));
});
let best = null;
for (const [name, value] of Object.entries(totals)) {
  if (best === null || value > best[1] || (value === best[1] && name < best[0])) best = [name, value];
}
return best;
"""

driver = make_driver()
wait = WebDriverWait(driver, 20)
try:
    # 1. Overview: the slowest request of the window is first.
    driver.get(f"{base}/ui/?from={start}&to={end}")
    wait.until(EC.presence_of_element_located((By.ID, "slow-requests")))
    shot(driver, "1-overview.png")
    check("overview lists services", "checkout-api" in driver.find_element(By.ID, "services").text)
    check("overview shows ingest health", len(driver.find_elements(By.CSS_SELECTOR, "#ingest-health tbody tr")) == 3)
    first = driver.find_element(By.CSS_SELECTOR, "#slow-requests tbody tr:first-child a.trace-link")
    check("the first slow request is the slowest exemplar's trace", first.text.strip() == want_trace, first.text)

    # 2. Click it: its trace page, the span waterfall.
    first.click()
    wait.until(EC.url_contains(f"/ui/traces/{want_trace}"))
    wait.until(EC.presence_of_element_located((By.ID, "waterfall")))
    shot(driver, "2-trace.png")
    row = driver.find_element(By.CSS_SELECTOR, f'.wf-row[data-span-id="{want_span}"]')
    bar = row.find_element(By.CSS_SELECTOR, ".bar")
    check("the span has a timing bar", bar.size["width"] > 0, bar.size)
    links = row.find_elements(By.CSS_SELECTOR, "a.profile-link")
    check("the span has linked profiles", len(links) > 0)
    check("its strongest link is its own samples", links and "kind-span_samples" in links[0].get_attribute("class"),
          links and links[0].get_attribute("class"))

    # 3. Click the profile link: the flame graph filtered to the span.
    links[0].click()
    wait.until(EC.url_contains(f"span_id={want_span}"))
    wait.until(EC.presence_of_element_located((By.ID, "flamegraph")))
    shot(driver, "3-flamegraph.png")
    widest = driver.execute_script(WIDEST)
    check(f"the widest frame under span {want_span} is {want_function} (go tool pprof -tagfocus)",
          widest is not None and widest[0] == want_function, widest)
    check("the page names the same hottest frame", driver.find_element(By.ID, "widest-frame").text == want_function)
    top = driver.find_element(By.CSS_SELECTOR, "#top-functions tbody tr:first-child").text
    check("the top table's first row is the same function", want_function in top, top)

    # 4. Hover shows values; a click zooms into the frame, a click on "all" resets.
    frame = None
    for candidate in driver.find_elements(By.CSS_SELECTOR, "#flamegraph .n:not(.root) > span"):
        if candidate.text == want_function or candidate.get_attribute("textContent") == want_function:
            frame = candidate
            break
    check("the function has a frame", frame is not None)
    if frame is not None:
        ActionChains(driver).move_to_element(frame).perform()
        status = driver.find_element(By.ID, "fg-status").text
        check("hovering a frame shows its values", want_function in status and "self" in status, status)
        graph_width = driver.find_element(By.ID, "flamegraph").size["width"]
        driver.execute_script("arguments[0].click()", frame)
        zoomed = frame.find_element(By.XPATH, "..").size["width"]
        check("clicking a frame zooms it to the full width", zoomed >= graph_width * 0.95, (zoomed, graph_width))
        shot(driver, "4-zoomed.png")
        driver.find_element(By.CSS_SELECTOR, "#flamegraph .root > span").click()
        check("clicking all resets the zoom", not driver.find_elements(By.CSS_SELECTOR, "#flamegraph .n.h"))

    # 5. Sample-type switch: counts instead of CPU time, same hottest function.
    driver.get(f"{base}/ui/profiles/cpu-fixture?span_id={want_span}&sample_type=samples")
    wait.until(EC.presence_of_element_located((By.ID, "flamegraph")))
    widest = driver.execute_script(WIDEST)
    check("sample_type=samples shows sample counts", widest is not None and widest[0] == want_function, widest)

    # 6. An unknown trace: a 404 page with the search box, which finds the real trace.
    driver.get(f"{base}/ui/traces/0123456789abcdef0123456789abcdef")
    message = driver.find_element(By.ID, "error-message").text
    check("an unknown trace says what was not found", "0123456789abcdef0123456789abcdef was not found" in message, message)
    shot(driver, "5-not-found.png")
    box = driver.find_element(By.CSS_SELECTOR, "main form.search input[name=q]")
    box.clear()
    box.send_keys(want_trace)
    box.submit()
    wait.until(EC.url_contains(f"/ui/traces/{want_trace}"))
    check("the search box opens a trace", driver.find_elements(By.ID, "waterfall") != [])
finally:
    driver.quit()

print(f"browser: {failures()} failed")
sys.exit(1 if failures() else 0)
