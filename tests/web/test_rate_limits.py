"""Rate limits that stop guessers, not owners: sign-in and invitation codes
(survey/web/limits.py), with each client told apart by its address
(REMOTE_ADDR, or X-Forwarded-For behind trusted proxies)."""

from __future__ import annotations

import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from survey import create_app
from survey.config import TestConfig
from survey.extensions import db
from survey.models import AccessCode, AccessMode, Programme, Response, Role, User
from survey.services import codes as code_service
from survey.services import users as user_service
from survey.services.users import create_user
from survey.web import limits
from tests.helpers import full_answers, read_page
from tests.web.test_classroom_kit import kiosk_url

STRANGER = "203.0.113.5"
OWNER = "198.51.100.7"
#: A cheap hash: these tests count attempts, not the cost of hashing.
FAST = "pbkdf2:sha256:1"


def sign_in(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1", **headers: str) -> Any:
    environ = {"REMOTE_ADDR": address}
    page = read_page(client.get("/login", environ_base=environ, headers=headers))
    return client.post(
        "/login",
        data={**page.hidden, "email": email, "password": password},
        environ_base=environ,
        headers=headers,
    )


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def owner(app: Flask) -> User:
    user = create_user(db.session(), "owner@example.org", "owner-password", Role.ADMIN, "Owner")
    user.password_hash = generate_password_hash("owner-password", method=FAST)
    db.session.commit()
    return user


@pytest.fixture
def fast_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = generate_password_hash("not-a-password", method=FAST)
    monkeypatch.setattr(user_service, "_dummy_hash", lambda: cheap)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves the time the counters see forward (the memory storage reads time.time())."""
    offset = [0.0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


# --- sign-in --------------------------------------------------------------------------------


def test_a_strangers_guesses_never_keep_the_owner_out(english: FlaskClient, owner: User) -> None:
    for _ in range(5):
        assert sign_in(english, "owner@example.org", "guess", STRANGER).status_code == 401
    refused = sign_in(english, "owner@example.org", "owner-password", STRANGER)
    assert refused.status_code == 429  # the stranger waits, even with the right password
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Too many attempts. Please wait 1 minute and try again." in refused.get_data(as_text=True)
    # At once, from the owner's own address.
    assert sign_in(english, "owner@example.org", "owner-password", OWNER).status_code == 302


def test_the_wait_grows_with_the_failures(english: FlaskClient, owner: User, clock: Callable[[float], None]) -> None:
    for _ in range(5):
        assert sign_in(english, "owner@example.org", "guess", STRANGER).status_code == 401
    first = sign_in(english, "owner@example.org", "guess", STRANGER)
    assert first.status_code == 429
    assert int(first.headers["Retry-After"]) <= 60
    clock(61)
    for _ in range(5):
        assert sign_in(english, "owner@example.org", "guess", STRANGER).status_code == 401
    second = sign_in(english, "owner@example.org", "guess", STRANGER)
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 8 * 60  # ten failures in ten minutes
    minutes = re.search(r"Please wait (\d+) minutes", second.get_data(as_text=True))
    assert minutes is not None
    assert int(minutes.group(1)) > 8


def test_only_failures_stay_counted(english: FlaskClient, owner: User) -> None:
    for _ in range(3):
        for _ in range(4):
            assert sign_in(english, "owner@example.org", "typo", OWNER).status_code == 401
        assert sign_in(english, "owner@example.org", "owner-password", OWNER).status_code == 302
        english.post("/logout", data={"csrf_token": read_page(english.get("/o/")).hidden["csrf_token"]})


def _answers(client: FlaskClient, email: str, address: str, attempts: int) -> list[tuple[int, bool, str]]:
    seen = []
    for _ in range(attempts):
        response = sign_in(client, email, "some-guess", address)
        body = response.get_data(as_text=True).replace(email, "EMAIL")
        body = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", body)
        body = re.sub(r'value="[^"]*" name="csrf_token"', "", body)
        seen.append((response.status_code, "Retry-After" in response.headers, body))
    return seen


def test_known_and_unknown_emails_get_the_same_answers(
    english: FlaskClient, owner: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_check = user_service.check_password_hash

    def counting_check(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real_check(hashed, password)

    monkeypatch.setattr(user_service, "check_password_hash", counting_check)
    known = _answers(english, "owner@example.org", STRANGER, 7)
    known_hashes = len(checked)
    unknown = _answers(english, "nobody@example.org", OWNER, 7)
    assert [status for status, _, _ in known] == [401] * 5 + [429] * 2
    assert known == unknown
    # One hash checked per attempt let through, for the unknown email too (the same time taken).
    assert known_hashes == 5
    assert len(checked) == 10
    assert checked[5] != owner.password_hash


def test_the_account_ceiling_stops_guessing_spread_over_many_addresses(english: FlaskClient, owner: User) -> None:
    ceiling = min(limit.amount for limit in limits.LOGIN_FAILURES_BY_ACCOUNT)
    for number in range(ceiling):
        assert (
            sign_in(english, "owner@example.org", "guess", f"10.1.{number // 250}.{number % 250 + 1}").status_code
            == 401
        )
    refused = sign_in(english, "owner@example.org", "guess", "10.9.9.9")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_one_client_cannot_reach_the_account_ceiling() -> None:
    """In each window of the ceiling, one client's own steps let fewer failures through."""
    for ceiling in limits.LOGIN_FAILURES_BY_ACCOUNT:
        window = ceiling.get_expiry()
        most = min(step.amount * max(1, -(-window // step.get_expiry())) for step in limits.LOGIN_BY_CLIENT_AND_ACCOUNT)
        assert most < ceiling.amount, (ceiling, most)


def test_one_address_trying_many_accounts_is_slowed_down(
    english: FlaskClient, owner: User, fast_dummy_hash: None
) -> None:
    per_minute = min(limit.amount for limit in limits.LOGIN_FAILURES_BY_CLIENT)
    for number in range(per_minute):
        assert sign_in(english, f"user{number}@example.org", "guess", STRANGER).status_code == 401
    assert sign_in(english, "someone-else@example.org", "guess", STRANGER).status_code == 429
    assert sign_in(english, "owner@example.org", "owner-password", OWNER).status_code == 302


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Trop de tentatives"),
        ("ar", "محاولات كثيرة جدًا"),
        ("en", "Too many attempts"),
    ],
)
def test_the_wait_is_said_in_the_visitors_language(
    client: FlaskClient, owner: User, language: str, expected: str
) -> None:
    client.set_cookie("lang", language)
    for _ in range(5):
        sign_in(client, "owner@example.org", "guess", STRANGER)
    response = sign_in(client, "owner@example.org", "guess", STRANGER)
    assert response.status_code == 429
    assert expected in response.get_data(as_text=True)


def test_a_forged_forwarded_for_changes_nothing_without_trusted_proxies(english: FlaskClient, owner: User) -> None:
    for number in range(5):
        forged = {"X-Forwarded-For": f"192.0.2.{number}"}
        assert sign_in(english, "owner@example.org", "guess", STRANGER, **forged).status_code == 401
    forged = {"X-Forwarded-For": "192.0.2.99"}
    assert sign_in(english, "owner@example.org", "guess", STRANGER, **forged).status_code == 429


@pytest.fixture
def behind_a_proxy(app: Flask) -> Iterator[Flask]:
    """A second application on the same database, behind one trusted proxy."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        INSTANCE_DIR = app.config["INSTANCE_DIR"]
        TRUSTED_PROXIES = 1

    proxied = create_app(Config)
    try:
        with proxied.app_context():
            yield proxied
    finally:
        proxied.extensions["survey.db"].dispose()
        db._engine = app.extensions["survey.db"]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(behind_a_proxy: Flask, owner: User) -> None:
    client = behind_a_proxy.test_client()
    client.set_cookie("lang", "en")
    proxy = "127.0.0.1"
    for _ in range(5):
        assert sign_in(client, "owner@example.org", "guess", proxy, **{"X-Forwarded-For": STRANGER}).status_code == 401
    # The stranger writes another address in front: the proxy appends the real one, which counts.
    disguised = {"X-Forwarded-For": f"{OWNER}, {STRANGER}"}
    assert sign_in(client, "owner@example.org", "owner-password", proxy, **disguised).status_code == 429
    # The owner, through the same proxy, from their own address.
    assert (
        sign_in(client, "owner@example.org", "owner-password", proxy, **{"X-Forwarded-For": OWNER}).status_code == 302
    )


# --- invitation codes -----------------------------------------------------------------------


@pytest.fixture
def coded(programme: Programme) -> list[str]:
    """The programme in codes mode, with 30 codes."""
    issued = code_service.issue_codes(db.session(), programme, 30)
    code_service.set_access_mode(db.session(), programme, AccessMode.CODES)
    return issued


def _wrong_code() -> str:
    return "".join(secrets.choice(code_service.ALPHABET) for _ in range(code_service.CODE_LENGTH))


def _type_code(client: FlaskClient, code: str, address: str) -> Any:
    return client.post("/s/niamey", data={"code": code}, environ_base={"REMOTE_ADDR": address})


def _code_limit() -> int:
    return min(limit.amount for limit in limits.CODE_REFUSALS_BY_CLIENT)


def test_a_room_of_thirty_phones_behind_one_address_gets_in(client: FlaskClient, coded: list[str]) -> None:
    room = "192.168.1.1"
    for code in coded:
        phone = client.application.test_client()
        for _ in range(2):  # two typing mistakes each
            assert _type_code(phone, _wrong_code(), room).status_code == 422
        assert _type_code(phone, code_service.format_code(code).lower(), room).status_code == 200


def test_code_guessing_from_one_address_is_slowed_down(english: FlaskClient, coded: list[str]) -> None:
    for _ in range(_code_limit() - 1):
        assert _type_code(english, _wrong_code(), STRANGER).status_code == 422
    # /c/<code> counts against the same address.
    assert english.get(f"/c/{_wrong_code()}", environ_base={"REMOTE_ADDR": STRANGER}).status_code == 404
    refused = _type_code(english, _wrong_code(), STRANGER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong codes were typed from this network." in refused.get_data(as_text=True)
    # While it waits, even a valid code is not checked for that address, nor a short link.
    assert _type_code(english, coded[0], STRANGER).status_code == 429
    link = english.get(f"/c/{coded[0]}", environ_base={"REMOTE_ADDR": STRANGER})
    assert link.status_code == 429
    assert "Retry-After" in link.headers
    # Another address is not affected.
    assert _type_code(english, coded[0], OWNER).status_code == 200


def test_short_links_are_limited_per_address(english: FlaskClient, coded: list[str]) -> None:
    for _ in range(_code_limit()):
        assert english.get(f"/c/{_wrong_code()}", environ_base={"REMOTE_ADDR": STRANGER}).status_code == 404
    refused = english.get(f"/c/{_wrong_code()}", environ_base={"REMOTE_ADDR": STRANGER})
    assert refused.status_code == 429
    assert "Too many wrong codes" in refused.get_data(as_text=True)
    assert english.get(f"/c/{coded[0]}", environ_base={"REMOTE_ADDR": OWNER}).status_code == 200


def test_a_waiting_address_keeps_its_answers_and_stores_nothing(
    app: Flask, client: FlaskClient, programme: Programme, coded: list[str]
) -> None:
    client.environ_base["REMOTE_ADDR"] = STRANGER
    client.set_cookie("lang", "en")
    page = read_page(client.post("/s/niamey", data={"code": coded[0]}))
    assert page.hidden["access_code"] == coded[0]
    for _ in range(_code_limit()):
        _type_code(app.test_client(), _wrong_code(), STRANGER)
    answers = full_answers(programme)
    data: dict[str, Any] = {**page.hidden, "whole": "1", "action": "send", "page": str(len(answers) - 1)}
    for part in answers:
        data.update({key: value for key, value in part.items() if value is not None})
    response = client.post("/s/niamey", data=data)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    kept = read_page(response)
    assert "Too many wrong codes" in kept.html
    assert kept.values  # the answers come back
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    # From another address (the organisers' hotspot), the same form goes in.
    client.environ_base["REMOTE_ADDR"] = OWNER
    assert client.post("/s/niamey", data=data).status_code == 303


def _dashboard(client: FlaskClient) -> str:
    return client.get("/o/niamey").get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "erronés ont été saisis au cours des dernières 24 heures"),
        ("ar", "أُدخلت رموز دخول خاطئة كثيرة"),
        ("en", "Many wrong invitation codes were typed"),
    ],
)
def test_the_organiser_is_told_when_codes_are_guessed(
    app: Flask, coded: list[str], organiser: User, programme: Programme, language: str, expected: str
) -> None:
    from survey.services import access

    access.grant(db.session(), organiser, programme)
    db.session.commit()
    staff = app.test_client()
    staff.set_cookie("lang", language)
    assert sign_in(staff, "org@example.org", "correct horse").status_code == 302
    assert expected not in _dashboard(staff)
    for _ in range(_code_limit()):
        _type_code(app.test_client(), _wrong_code(), STRANGER)
    page = _dashboard(staff)
    assert expected in page
    assert expected not in staff.get("/o/niamey?view=projector").get_data(as_text=True)


def test_guessing_short_links_warns_every_programme_in_codes_mode(
    app: Flask, coded: list[str], organiser: User, programme: Programme
) -> None:
    from survey.services import access

    access.grant(db.session(), organiser, programme)
    db.session.commit()
    staff = app.test_client()
    staff.set_cookie("lang", "en")
    assert sign_in(staff, "org@example.org", "correct horse").status_code == 302
    for _ in range(_code_limit()):
        app.test_client().get(f"/c/{_wrong_code()}", environ_base={"REMOTE_ADDR": STRANGER})
    assert "Many wrong invitation codes were typed" in _dashboard(staff)


# --- the kiosk's code entry -----------------------------------------------------------------


def _kiosk_code(client: FlaskClient, url: str, code: str, address: str) -> Any:
    return client.post(url, data={"code": code}, environ_base={"REMOTE_ADDR": address})


def test_code_guessing_through_a_kiosk_is_slowed_down_like_through_short_links(
    app: Flask, english: FlaskClient, programme: Programme, coded: list[str]
) -> None:
    """A kiosk link is no way around the limit: its refused codes count against the
    address with those of the code page and /c/, and it waits as they do."""
    url = kiosk_url(app, programme)
    for _ in range(_code_limit() - 2):
        assert _kiosk_code(english, url, _wrong_code(), STRANGER).status_code == 422
    # The short link and the phone's code page count against the same address.
    assert english.get(f"/c/{_wrong_code()}", environ_base={"REMOTE_ADDR": STRANGER}).status_code == 404
    assert _type_code(english, _wrong_code(), STRANGER).status_code == 422
    refused = _kiosk_code(english, url, _wrong_code(), STRANGER)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many wrong codes were typed from this network." in refused.get_data(as_text=True)
    # While it waits, even a valid code is not checked for that address, on the kiosk or elsewhere.
    assert _kiosk_code(english, url, coded[0], STRANGER).status_code == 429
    assert english.get(f"/c/{coded[0]}", environ_base={"REMOTE_ADDR": STRANGER}).status_code == 429
    # Another address (another room's kiosk) is not affected.
    assert read_page(_kiosk_code(english, url, coded[0], OWNER)).hidden["access_code"] == coded[0]


def test_guessing_on_a_kiosk_alone_reaches_the_limit(
    app: Flask, english: FlaskClient, programme: Programme, coded: list[str]
) -> None:
    url = kiosk_url(app, programme)
    for _ in range(_code_limit()):
        assert _kiosk_code(english, url, _wrong_code(), STRANGER).status_code == 422
    assert _kiosk_code(english, url, _wrong_code(), STRANGER).status_code == 429
    # The phone's code page, from the same address, waits too.
    assert _type_code(english, coded[0], STRANGER).status_code == 429


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Trop de codes erronés ont été saisis depuis ce réseau"),
        ("ar", "أُدخلت رموز خاطئة كثيرة جدًا من هذه الشبكة"),
        ("en", "Too many wrong codes were typed from this network"),
    ],
)
def test_a_waiting_kiosk_says_so_in_the_trainees_language(
    app: Flask, client: FlaskClient, programme: Programme, coded: list[str], language: str, expected: str
) -> None:
    url = kiosk_url(app, programme)
    for _ in range(_code_limit()):
        _type_code(app.test_client(), _wrong_code(), STRANGER)
    client.set_cookie("lang", language)
    refused = _kiosk_code(client, url, _wrong_code(), STRANGER)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert f'lang="{language}"' in html
    assert expected in html


def test_a_waiting_kiosk_keeps_the_answers_and_stores_nothing(
    app: Flask, client: FlaskClient, programme: Programme, coded: list[str]
) -> None:
    url = kiosk_url(app, programme)
    client.environ_base["REMOTE_ADDR"] = STRANGER
    client.set_cookie("lang", "en")
    page = read_page(_kiosk_code(client, url, coded[0], STRANGER))
    assert page.hidden["access_code"] == coded[0]
    for _ in range(_code_limit()):
        _type_code(app.test_client(), _wrong_code(), STRANGER)
    answers = full_answers(programme, {"q__comment_improve": "Plus de pauses"})
    data: dict[str, Any] = {**page.hidden, "whole": "1", "action": "send", "page": str(len(answers) - 1)}
    for part in answers:
        data.update({key: value for key, value in part.items() if value is not None})
    response = client.post(url, data=data)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    kept = read_page(response)
    assert "Too many wrong codes" in kept.html
    assert "Plus de pauses" in kept.html  # the answers come back
    assert kept.values
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(func.count()).select_from(AccessCode).where(AccessCode.used.is_(True))) == 0
    # From another address, the same form goes in.
    client.environ_base["REMOTE_ADDR"] = OWNER
    assert client.post(url, data=data).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


# --- several processes ----------------------------------------------------------------------


def _config(**settings: Any) -> type[TestConfig]:
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


def test_several_workers_without_redis_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    with pytest.raises(limits.SeveralWorkersWithoutRedis, match="SURVEY_REDIS_URL"):
        create_app(_config(WORKERS=2, INSTANCE_DIR=tmp_path))
    monkeypatch.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")
    with pytest.raises(limits.SeveralWorkersWithoutRedis):
        create_app(_config(INSTANCE_DIR=tmp_path))
    # Declared the only process, or given Redis, it starts.
    for settings in ({"WORKERS": 1}, {"REDIS_URL": "redis://127.0.0.1:6379/0"}):
        made = create_app(_config(INSTANCE_DIR=tmp_path, **settings))
        made.extensions["survey.db"].dispose()
    db._engine = None


REDIS_URL = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    from limits.storage import storage_from_string

    return bool(storage_from_string(REDIS_URL, socket_connect_timeout=1).check())


def test_two_processes_share_their_counts_through_redis(app: Flask, tmp_path: Any) -> None:
    if not _redis_answers():
        if os.environ.get("SURVEY_REQUIRE_REDIS") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"no Redis answers at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL} (set SURVEY_TEST_REDIS_URL)")
    # Keys of their own, in a Redis others may use.
    email = f"{uuid.uuid4().hex}@example.org"
    stranger, owner = (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{n}" for n in (1, 2))
    create_user(db.session(), email, "the-password", Role.ORGANISER).password_hash = generate_password_hash(
        "the-password", method=FAST
    )
    db.session.commit()
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "INSTANCE_DIR": tmp_path}
    first, second = (create_app(_config(REDIS_URL=REDIS_URL, WORKERS=2, **settings)) for _ in range(2))
    assert limits.rate_limits(first) is not limits.rate_limits(second)
    try:
        for _ in range(3):
            assert sign_in(first.test_client(), email, "guess", stranger).status_code == 401
        for _ in range(2):
            assert sign_in(second.test_client(), email, "guess", stranger).status_code == 401
        # Five failures in all, split between the two: both refuse the sixth.
        assert sign_in(first.test_client(), email, "guess", stranger).status_code == 429
        assert sign_in(second.test_client(), email, "the-password", stranger).status_code == 429
        assert sign_in(second.test_client(), email, "the-password", owner).status_code == 302
    finally:
        shared = limits.rate_limits(first)
        for address in (stranger, owner):
            with first.test_request_context(environ_base={"REMOTE_ADDR": address}):
                limits.signed_in(email)
                shared.forget(limits.LOGIN_FAILURES_BY_CLIENT, "login-client", limits.client_address())
        with first.test_request_context():
            shared.forget(limits.LOGIN_FAILURES_BY_ACCOUNT, "login-account", limits._account(email))
        for made in (first, second):
            made.extensions["survey.db"].dispose()
        db._engine = app.extensions["survey.db"]


def test_the_docs_give_the_codes_and_limits_of_the_code() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "rate-limits.md").read_text(encoding="utf-8")
    size = len(code_service.ALPHABET)
    assert f"`{code_service.ALPHABET}`" in text
    assert f"{code_service.CODE_LENGTH} symbols from an alphabet of {size}" in text
    assert f"{size}⁸ = {size**code_service.CODE_LENGTH:,}" in text
    ten_minutes, hour, day = (limit.amount for limit in limits.CODE_REFUSALS_BY_CLIENT)
    assert f"at most **{ten_minutes} in 10 minutes, {hour} an hour, {day:,} a day**" in text


@pytest.mark.parametrize(
    ("connection", "counted_as"),
    [
        ("203.0.113.5", "203.0.113.5"),
        ("::ffff:203.0.113.5", "203.0.113.5"),  # IPv4 on a server listening on [::]
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # the same subscriber's network
    ],
)
def test_clients_are_told_apart_by_address(app: Flask, connection: str, counted_as: str) -> None:
    with app.test_request_context(environ_base={"REMOTE_ADDR": connection}):
        assert limits.client_address() == counted_as
