"""The dashboard in a real browser: upload -> indexed -> search -> file page -> delete; a database
outage lands in the DLQ and is re-driven from the page; hostile names and content render as text."""

from __future__ import annotations

from urllib.parse import quote

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from tests.faults.test_faults import database_outage
from tests.support import poll_until

PIPELINE_DEADLINE = 60
# Insert fails, then is retried LAMBDA_MAX_RETRIES times (5 s, 10 s apart by default) before the DLQ.
DLQ_DEADLINE = 150


def upload_through_page(driver, base: str, folder: str, *paths) -> str:
    """Pick files with the upload page's control; returns the key the page reports for the first."""
    driver.get(f"{base}/upload")
    driver.find_element(By.ID, "folder").send_keys(folder)
    driver.find_element(By.ID, "file-input").send_keys("\n".join(str(p) for p in paths))
    done = poll_until(
        lambda: (
            (
                (links := driver.find_elements(By.CSS_SELECTOR, "#uploads li.done a"))
                and len(links) == len(paths)
                and links
            )
            or _failed_upload(driver)
        ),
        timeout=60,
        what=f"the upload of {len(paths)} file(s) to finish",
    )
    return done[0].text


def upload_by_drop(driver, base: str, folder: str, name: str, text: str) -> str:
    """Drop a file on the upload page's drop zone (a real drop event); returns the key the page reports."""
    driver.get(f"{base}/upload")
    driver.find_element(By.ID, "folder").send_keys(folder)
    driver.execute_script(
        "const data = new DataTransfer();"
        "data.items.add(new File([arguments[1]], arguments[0], {type: 'text/plain'}));"
        "document.getElementById('dropzone').dispatchEvent("
        "  new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));",
        name,
        text,
    )
    done = poll_until(
        lambda: driver.find_elements(By.CSS_SELECTOR, "#uploads li.done a") or _failed_upload(driver),
        timeout=60,
        what=f"the upload of {name} to finish",
    )
    return done[0].text


def _failed_upload(driver) -> str | None:
    failed = driver.find_elements(By.CSS_SELECTOR, "#uploads li.failed")
    if failed:
        raise AssertionError(f"upload failed on the page: {failed[0].text}")
    return None


def board_stage(driver, key: str) -> str | None:
    """The stage the open board shows for ``key`` (None: not on the board)."""
    rows = [
        r for r in driver.find_elements(By.CSS_SELECTOR, "#board tr[data-key]") if r.get_attribute("data-key") == key
    ]
    return rows[0].get_attribute("data-stage") if rows else None


def wait_for_stage(driver, key: str, stage: str, timeout: float) -> None:
    # The page updates itself (polling while visible): the test only reads it.
    poll_until(
        lambda: board_stage(driver, key) == stage,
        timeout=timeout,
        what=f"{key} at stage {stage!r} on the board (last shown: {board_stage(driver, key)!r})",
    )


def after_click(driver, element_id: str, timeout: float = 120):
    """The element of the page a click leads to: the click may return before that page has loaded."""
    return poll_until(
        lambda: driver.find_elements(By.ID, element_id), timeout=timeout, what=f"#{element_id} on the next page"
    )[0]


def action_result(driver) -> str:
    """The message of the page an action's POST leads to."""
    return after_click(driver, "flash").text


def full_page_screenshot(driver, path) -> None:
    width, height = driver.get_window_size()["width"], driver.get_window_size()["height"]
    driver.set_window_size(
        width, min(3000, driver.execute_script("return document.documentElement.scrollHeight") + 150)
    )
    driver.save_screenshot(str(path))
    driver.set_window_size(width, height)


def assert_no_dialog(driver) -> None:
    try:
        alert = driver.switch_to.alert
    except NoAlertPresentException:
        return
    text = alert.text
    alert.dismiss()
    raise AssertionError(f"a dialog opened: {text!r}")


def test_upload_reach_indexed_search_open_and_delete(driver, dashboard, run_id, tmp_path, screenshots):
    word = f"quokka{run_id.replace('-', '')}"
    path = tmp_path / "field-notes.txt"
    path.write_text(f"Field notes: the {word} was seen near the river.\n")
    unsupported = tmp_path / "camera-raw.xyz"
    unsupported.write_bytes(bytes(range(256)) * 4)

    key = upload_through_page(driver, dashboard, run_id, path, unsupported)
    assert key == f"uploads/{run_id}/field-notes.txt"

    driver.get(f"{dashboard}/?prefix={quote(f'uploads/{run_id}/')}")
    wait_for_stage(driver, key, "indexed", PIPELINE_DEADLINE)
    # A file that cannot be extracted is recorded, and shown with its reason.
    wait_for_stage(driver, f"uploads/{run_id}/camera-raw.xyz", "failed", PIPELINE_DEADLINE)
    assert "unsupported" in driver.find_element(By.CSS_SELECTOR, "#board tr[data-stage='failed'] td.error").text
    driver.save_screenshot(str(screenshots / "board.png"))

    driver.get(f"{dashboard}/search")
    box = driver.find_element(By.ID, "q")
    box.send_keys(word)
    box.submit()
    hits = poll_until(lambda: driver.find_elements(By.CSS_SELECTOR, "li.hit"), timeout=60, what="search hits")
    assert hits[0].find_element(By.CSS_SELECTOR, "a.key").text == key
    assert word in [m.text for m in hits[0].find_elements(By.TAG_NAME, "mark")]

    hits[0].find_element(By.CSS_SELECTOR, "a.key").click()
    assert after_click(driver, "file-key").text == key
    assert word in driver.find_element(By.ID, "content").text
    assert key in driver.find_element(By.ID, "index-row").text
    assert "indexed" in driver.find_element(By.ID, "trace").text
    full_page_screenshot(driver, screenshots / "file.png")

    driver.find_element(By.ID, "delete").click()
    assert "deleted" in action_result(driver)
    driver.get(f"{dashboard}/?prefix={quote(f'uploads/{run_id}/')}")
    poll_until(
        lambda: board_stage(driver, key) is None,
        timeout=PIPELINE_DEADLINE,
        what=f"{key} gone from the board (shown as {board_stage(driver, key)!r})",
    )


def test_database_outage_lands_in_dlq_and_is_redriven_from_the_page(cfg, driver, dashboard, run_id, screenshots):
    board = f"{dashboard}/?prefix={quote(f'uploads/{run_id}/')}"
    with database_outage(cfg):
        key = upload_by_drop(
            driver, dashboard, run_id, "during-outage.txt", "written while the search database was down\n"
        )
        assert key == f"uploads/{run_id}/during-outage.txt"
        driver.get(board)
        wait_for_stage(driver, key, "dlq", DLQ_DEADLINE)
        driver.save_screenshot(str(screenshots / "board-dlq.png"))
        assert "insert" in driver.find_element(By.CSS_SELECTOR, f"#board tr[data-key='{key}'] td.error").text

    driver.get(f"{dashboard}/file?key={quote(key)}")
    assert driver.find_elements(By.CSS_SELECTOR, "tr.dlq-event"), "the file page lists the DLQ event"
    driver.find_element(By.ID, "redrive").click()
    assert "1 re-processed, 0 still failing" in action_result(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, "tr.dlq-event")
    driver.get(board)
    wait_for_stage(driver, key, "indexed", PIPELINE_DEADLINE)


def test_hostile_name_and_content_render_as_text(driver, dashboard, run_id, tmp_path):
    name = "<img src=x onerror=alert(1)>.txt"
    word = f"marmot{run_id.replace('-', '')}"
    path = tmp_path / name
    path.write_text(f"<script>alert(2)</script><img src=y onerror=alert(3)> {word}\n")

    key = upload_through_page(driver, dashboard, run_id, path)
    assert key == f"uploads/{run_id}/{name}"
    assert_no_dialog(driver)
    assert driver.find_element(By.CSS_SELECTOR, "#uploads li .key").text == name
    assert driver.find_elements(By.CSS_SELECTOR, "main img") == []

    driver.get(f"{dashboard}/?prefix={quote(f'uploads/{run_id}/')}")
    wait_for_stage(driver, key, "indexed", PIPELINE_DEADLINE)
    assert_no_dialog(driver)
    row = next(
        r for r in driver.find_elements(By.CSS_SELECTOR, "#board tr[data-key]") if r.get_attribute("data-key") == key
    )
    assert row.find_element(By.CSS_SELECTOR, "td.key").text == key
    assert driver.find_elements(By.CSS_SELECTOR, "#board img") == []

    driver.get(f"{dashboard}/search?q={word}")
    assert_no_dialog(driver)
    assert driver.find_element(By.CSS_SELECTOR, "li.hit a.key").text == key
    assert driver.find_elements(By.CSS_SELECTOR, "main img, main script") == []

    driver.get(f"{dashboard}/file?key={quote(key)}")
    assert_no_dialog(driver)
    assert driver.find_element(By.ID, "file-key").text == key
    assert "<script>alert(2)</script>" in driver.find_element(By.ID, "content").text
    assert driver.find_elements(By.CSS_SELECTOR, "main img, main script") == []


def test_health_and_cost_pages(driver, dashboard):
    driver.get(f"{dashboard}/health")
    expected = {
        "stack mode": "ok",
        "LocalStack": "ok",
        "PostgreSQL": "ok",
        "function extract": "ok",
        "function insert": "ok",
    }

    def all_ok() -> bool:  # the page refreshes these rows itself: read them until they settle
        shown = {
            row.find_element(By.TAG_NAME, "th").text: row.find_element(By.CSS_SELECTOR, "td.state").text
            for row in driver.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
        }
        if shown != expected:
            raise AssertionError(f"shown: {shown}")
        return True

    poll_until(all_ok, timeout=30, what="every health check ok")
    assert driver.execute_script("return typeof window.Chart") == "function", "the vendored Chart.js loads"
    driver.find_element(By.ID, "reconcile-preview").click()
    assert after_click(driver, "preview").is_displayed()

    driver.get(f"{dashboard}/cost")
    # Earlier tests ran both functions, so there is a workload to price.
    assert driver.find_element(By.ID, "cost-per-1000").text.startswith(("$", "< $"))
    assert "us-east-1" in driver.find_element(By.CSS_SELECTOR, "ul.assumptions").text
