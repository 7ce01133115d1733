"""Choosing a new programme's country fills in its time zone (issue 19, point 5), as
the server does for an empty field; a zone the organiser typed is never replaced."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_paper_entry_keys import laptop  # noqa: F401 (a fixture)


def test_the_country_fills_in_its_time_zone_until_one_is_typed(laptop: Page) -> None:  # noqa: F811
    laptop.goto("/o/new?lang=fr")
    zone = laptop.locator("input#timezone")
    expect(zone).to_have_value("")
    country = laptop.locator("select#country")
    country.select_option("NE")
    expect(zone).to_have_value("Africa/Niamey")
    country.select_option("FR")  # a zone the script filled in follows the country
    expect(zone).to_have_value("Europe/Paris")
    zone.fill("Asia/Riyadh")
    country.select_option("ML")  # a zone typed by hand stays
    expect(zone).to_have_value("Asia/Riyadh")


def test_the_settings_form_has_44px_fields(laptop: Page) -> None:  # noqa: F811
    laptop.goto("/o/new?lang=ar")
    heights: list[dict[str, object]] = laptop.evaluate(
        """() => [...document.querySelectorAll('.settings-form select, .settings-form input:not([type=hidden]),'
                 + ' .settings-form .checkbox-list label, .settings-form button')]
          .map(el => ({what: el.name || el.textContent.trim(), height: el.getBoundingClientRect().height}))"""
    )
    assert len(heights) > 10
    low = [h for h in heights if float(str(h["height"])) < 44]
    # Checkboxes sit inside their 44 px label, which is the target.
    assert [h for h in low if h["what"] != "languages"] == []
