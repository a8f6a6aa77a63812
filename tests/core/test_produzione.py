"""Production settings: `check --deploy` is clean with the documented
variables, the application refuses to start without SECRET_KEY or
ALLOWED_HOSTS, and gunicorn behind a TLS proxy redirects to HTTPS and sends
HSTS.

Each check runs in a subprocess with an environment built from scratch and
DJANGO_READ_DOT_ENV=false, so neither the caller's variables nor a
developer's `.env` can make it pass.
"""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

RADICE = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


@pytest.fixture
def ambiente(tmp_path) -> dict[str, str]:
    """The variables the README's Production section asks for."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_READ_DOT_ENV": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "STATIC_ROOT": str(tmp_path / "static"),
    }


def manage(ambiente: dict[str, str], *argomenti: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *argomenti],
        cwd=RADICE,
        env=ambiente,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing(ambiente):
    esito = manage(ambiente, "check", "--deploy", "--fail-level", "WARNING")

    uscita = esito.stdout + esito.stderr
    assert esito.returncode == 0, uscita
    assert "WARNINGS" not in uscita
    assert "ERRORS" not in uscita


def test_refuses_to_start_without_secret_key(ambiente):
    del ambiente["SECRET_KEY"]

    esito = manage(ambiente, "check", "--deploy")

    assert esito.returncode != 0
    assert "ImproperlyConfigured" in esito.stderr
    assert "SECRET_KEY deve essere impostata in produzione" in esito.stderr


def test_refuses_to_start_with_an_empty_secret_key(ambiente):
    ambiente["SECRET_KEY"] = ""

    esito = manage(ambiente, "check", "--deploy")

    assert esito.returncode != 0
    assert "SECRET_KEY deve essere impostata in produzione" in esito.stderr


def test_refuses_to_start_without_allowed_hosts(ambiente):
    del ambiente["ALLOWED_HOSTS"]

    esito = manage(ambiente, "check", "--deploy")

    assert esito.returncode != 0
    assert "ALLOWED_HOSTS deve essere impostata in produzione" in esito.stderr


def test_production_keeps_login_throttling_on(ambiente):
    codice = (
        "from django.conf import settings; "
        "print(settings.AXES_ENABLED, settings.DEBUG, settings.AUTHENTICATION_BACKENDS[0])"
    )

    esito = manage(ambiente, "shell", "--no-imports", "-c", codice)

    assert esito.returncode == 0, esito.stderr
    assert esito.stdout.split() == ["True", "False", "axes.backends.AxesStandaloneBackend"]


def porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def richiesta(porta: int, percorso: str, **intestazioni: str) -> http.client.HTTPResponse:
    connessione = http.client.HTTPConnection("127.0.0.1", porta, timeout=10)
    connessione.request("GET", percorso, headers={"Host": "example.org", **intestazioni})
    return connessione.getresponse()


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn non installato nel virtualenv")
def test_gunicorn_behind_a_tls_proxy_redirects_to_https_and_sends_hsts(ambiente):
    porta = porta_libera()
    server = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{porta}", "--workers", "1"],
        cwd=RADICE,
        env=ambiente,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                risposta = richiesta(porta, "/accesso/")
                break
            except ConnectionRefusedError:
                assert server.poll() is None, server.stderr.read()
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn non ha risposto entro 10 secondi")

        # Plain HTTP as seen by the proxy: sent to the HTTPS address.
        assert risposta.status == 301
        assert risposta.getheader("Location") == "https://example.org/accesso/"

        # HTTPS, as the proxy reports it with X-Forwarded-Proto.
        risposta = richiesta(porta, "/", **{"X-Forwarded-Proto": "https"})
        assert risposta.status == 302
        assert risposta.getheader("Location").startswith("/accesso/")
        assert risposta.getheader("Strict-Transport-Security") == (
            "max-age=31536000; includeSubDomains; preload"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
