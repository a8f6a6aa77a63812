"""The interface's language (core.middleware.LinguaScelta and the switch in
the header): Italian unless the user chooses English."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_login_page_offers_english_and_is_italian():
    testo = Client().get("/accesso/").content.decode()
    assert '<html lang="it">' in testo
    assert ">Entra<" in testo
    assert 'name="language" value="en"' in testo and ">English<" in testo


def test_choosing_english_switches_the_pages_and_back():
    client = Client()
    risposta = client.post("/lingua/", {"language": "en", "next": "/accesso/"})
    assert risposta.status_code == 302 and risposta["Location"] == "/accesso/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    testo = client.get("/accesso/").content.decode()
    assert '<html lang="en">' in testo
    assert ">Log in<" in testo and ">Entra<" not in testo
    # The switch now offers Italian back.
    assert 'name="language" value="it"' in testo and ">Italiano<" in testo

    client.post("/lingua/", {"language": "it", "next": "/accesso/"})
    assert ">Entra<" in client.get("/accesso/").content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_italian():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert ">Entra<" in client.get("/accesso/").content.decode()


def test_the_switch_never_sends_anyone_to_another_site():
    risposta = Client().post("/lingua/", {"language": "en", "next": "https://esempio.invalid/"})
    assert risposta["Location"] == "/"
