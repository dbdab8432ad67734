"""Join and sign-in are throttled per client address, with a clear message."""
import pytest
from django.core.cache import cache
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@override_settings(JOIN_PER_MINUTE=5)
def test_guessing_join_codes_is_throttled_per_address():
    c = Client(REMOTE_ADDR="198.51.100.7")
    codes = [c.post("/join/", {"code": f"ZZZZZ{i}", "name": "x"}).status_code for i in range(7)]
    assert codes[:5] == [400] * 5 and codes[5:] == [429, 429]
    r = c.post("/join/", {"code": "ZZZZZZ", "name": "x"})
    assert "too many tries from this address" in r.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.8")          # another address is not held back
    assert other.post("/join/", {"code": "ZZZZZZ", "name": "x"}).status_code == 400


@override_settings(JOIN_PER_MINUTE=2)
def test_a_room_behind_one_address_joins_freely():
    from visualizer.workshops import room
    w = room.create("Room", ["container-to-container"], 40)
    for i in range(12):                                   # only failures count
        c = Client(REMOTE_ADDR="203.0.113.50")
        assert c.post("/join/", {"code": w.code, "name": f"learner {i}"}).status_code == 302


@override_settings(LOGIN_PER_MINUTE=3)
def test_wrong_passwords_are_throttled_and_the_good_one_waits_too(django_user_model):
    django_user_model.objects.create_user("t", password="right-pw-123")
    c = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(3):
        assert c.post("/accounts/login/", {"username": "t", "password": "wrong"}).status_code == 200
    r = c.post("/accounts/login/", {"username": "t", "password": "right-pw-123"})
    assert r.status_code == 429 and "too many tries" in r.content.decode()
    assert "_auth_user_id" not in c.session
