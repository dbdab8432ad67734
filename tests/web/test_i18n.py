"""The page's language: Accept-Language picks it without a switch (Django's fallbacks:
zh-CN -> zh-hans, zh-TW and zh-HK -> zh-hant), and the switch overrides it, remembered
for the browser (its cookie), across a reload."""
import re

import pytest

pytestmark = pytest.mark.django_db


def lang_of(resp) -> str:
    return re.search(r'<html lang="([^"]+)">', resp.content.decode()).group(1)


@pytest.mark.parametrize("header,lang", [
    ("ja", "ja"), ("ja-JP,ja;q=0.9,en;q=0.5", "ja"), ("zh-CN,zh;q=0.9", "zh-hans"),
    ("zh-TW", "zh-hant"), ("zh-HK", "zh-hant"), ("zh-Hans", "zh-hans"), ("fr", "en"), ("", "en"),
])
def test_accept_language_picks_the_language(client, header, lang):
    for url in ("/", "/lessons/container-to-container/"):
        assert lang_of(client.get(url, HTTP_ACCEPT_LANGUAGE=header)) == lang


def test_every_page_has_the_switch_with_each_language(client):
    body = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in body
    for code, name in (("en", "English"), ("zh-hans", "简体中文"), ("zh-hant", "繁體中文"),
                       ("ja", "日本語")):
        assert f'value="{code}" lang="{code}"' in body and name in body


def test_the_switch_overrides_accept_language_and_persists(client):
    resp = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/sources/"},
                       HTTP_ACCEPT_LANGUAGE="ja")
    assert resp.status_code == 302 and resp["Location"] == "/sources/"
    cookie = resp.cookies["django_language"]
    assert cookie.value == "zh-hant" and int(cookie["max-age"]) >= 365 * 24 * 3600
    for _ in range(2):          # a reload keeps it
        assert lang_of(client.get("/sources/", HTTP_ACCEPT_LANGUAGE="ja")) == "zh-hant"


def test_an_unknown_language_is_not_taken(client):
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert lang_of(client.get("/")) == "en"
