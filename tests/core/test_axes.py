"""Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords a
user is locked out for AXES_COOLOFF_TIME, on /accesso/ and on the admin login,
with an Italian page; other users go on logging in.

The test settings turn axes off (the test client's `login()` calls
authenticate() without a request, which axes refuses), so every test here
turns it back on through the `settings` fixture.
"""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from tests.conftest import PASSWORD

MESSAGGIO = (
    "Troppi tentativi di accesso non riusciti: l'accesso per questo utente è sospeso per 30 minuti."
)


@pytest.fixture(autouse=True)
def axes_attivo(settings):
    settings.AXES_ENABLED = True


def accedi(client, username, password, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


def sbaglia(client, username, volte, url=None):
    return [accedi(client, username, "password-sbagliata", url) for _ in range(volte)]


def autenticato(client) -> bool:
    return "_auth_user_id" in client.session


def test_settings_put_the_axes_backend_first_and_its_middleware_last():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert django_settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert django_settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert django_settings.AXES_RESET_ON_SUCCESS is True


def test_four_failures_leave_the_login_form_with_its_error(client, utente_coop_a):
    for risposta in sbaglia(client, "coop_a", 4):
        assert risposta.status_code == 200
        assert risposta.context["form"].non_field_errors()
    assert not AccessAttempt.objects.filter(username="coop_a", failures_since_start__gte=5)


def test_sixth_attempt_with_the_right_password_is_refused_with_the_lockout_page(
    client, utente_coop_a
):
    risposte = sbaglia(client, "coop_a", 5)
    assert [r.status_code for r in risposte] == [200, 200, 200, 200, 429]

    risposta = accedi(client, "coop_a", PASSWORD)

    assert risposta.status_code == 429
    testo = risposta.content.decode()
    assert MESSAGGIO in testo
    assert "Dopo 5 password errate" in testo
    assert 'lang="it"' in testo
    assert not autenticato(client)
    assert client.get(reverse("home")).status_code == 302


def test_login_works_again_after_the_cool_off(client, utente_coop_a):
    sbaglia(client, "coop_a", 5)
    assert accedi(client, "coop_a", PASSWORD).status_code == 429

    # Thirty minutes and one second later, as far as the stored attempts go.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=30, seconds=1))
    risposta = accedi(client, "coop_a", PASSWORD)

    assert risposta.status_code == 302
    assert autenticato(client)


def test_still_locked_just_before_the_cool_off_ends(client, utente_coop_a):
    sbaglia(client, "coop_a", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=29))

    assert accedi(client, "coop_a", PASSWORD).status_code == 429
    assert not autenticato(client)


def test_other_users_are_not_locked(client, utente_coop_a, utente_comune):
    sbaglia(client, "coop_a", 5)

    # Same client, so the same IP address: a shared office address locks no one else.
    risposta = accedi(client, "comune", PASSWORD)

    assert risposta.status_code == 302
    assert client.session["_auth_user_id"] == str(utente_comune.pk)


def test_a_successful_login_resets_the_count(client, utente_coop_a):
    sbaglia(client, "coop_a", 4)
    assert accedi(client, "coop_a", PASSWORD).status_code == 302
    client.logout()

    risposte = sbaglia(client, "coop_a", 4)

    assert all(r.status_code == 200 for r in risposte)
    assert accedi(client, "coop_a", PASSWORD).status_code == 302


def test_admin_login_is_throttled_too(client, utente_comune):
    url = reverse("admin:login")
    risposte = sbaglia(client, "comune", 5, url)
    assert risposte[-1].status_code == 429

    risposta = accedi(client, "comune", PASSWORD, url)

    assert risposta.status_code == 429
    assert MESSAGGIO in risposta.content.decode()
    assert not autenticato(client)
    # The lock is per user, wherever the attempts were made.
    assert accedi(client, "comune", PASSWORD).status_code == 429


def test_the_administrator_can_unlock_a_user(client, utente_coop_a):
    sbaglia(client, "coop_a", 5)

    call_command("axes_reset_username", "coop_a", stdout=StringIO())

    assert accedi(client, "coop_a", PASSWORD).status_code == 302


def test_login_page_announces_the_configured_limit(client, db):
    testo = client.get(reverse("login")).content.decode()

    minuti = int(django_settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert (
        f"dopo {django_settings.AXES_FAILURE_LIMIT} tentativi non riusciti l'accesso per "
        f"l'utente è sospeso per {minuti} minuti"
    ) in testo
