"""The English catalogue in locale/ and the templates' use of gettext.

The interface is Italian unless a user chooses English with the switch in
the header (core.middleware.LinguaScelta). These tests check that the
compiled catalogue loads and translates, that it matches its .po source,
and that every template that translates loads i18n.
"""

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import translation

RADICE = Path(settings.BASE_DIR)
CATALOGO = RADICE / "locale" / "en" / "LC_MESSAGES"
CARTELLE_TEMPLATE = [
    RADICE / "templates",
    *(
        RADICE / app / "templates"
        for app in ("accordo", "budget", "core", "cruscotto", "laboratori", "rendicontazione")
    ),
]
TRADUCE = re.compile(r"{%\s*(translate|trans|blocktranslate|blocktrans)\b")
CARICA_I18N = re.compile(r"{%\s*load\s[^%]*\bi18n\b")
# "%(n)s", "%(mb).1f", "{codici}": what the code fills in.
SEGNAPOSTO = re.compile(r"%\(\w+\)|\{\w+\}")


def _catalogo(percorso: Path) -> dict:
    with percorso.open("rb") as file:
        return gettext.GNUTranslations(file)._catalog


@pytest.mark.parametrize(
    ("italiano", "inglese"),
    [
        ("Esci", "Log out"),
        ("Entra", "Log in"),
        ("Vai al contenuto", "Skip to content"),
        ("Navigazione principale", "Main navigation"),
        ("Nome utente", "Username"),
        ("Cruscotto", "Dashboard"),
        ("Prestazioni", "Services"),
        ("Nuova prestazione", "New service"),
        ("Rendiconti", "Reports"),
        ("Registra sessione", "Record session"),
        ("Salva la sessione", "Save the session"),
        ("Approva il rendiconto", "Approve the report"),
        ("Valore lordo (€)", "Gross value (€)"),
        ("Accesso negato", "Access denied"),
    ],
)
def test_the_english_catalogue_translates_the_interface(italiano, inglese):
    with translation.override("en"):
        assert translation.gettext(italiano) == inglese
    # Everyone else still reads Italian.
    with translation.override("it"):
        assert translation.gettext(italiano) == italiano


def test_plurals_and_placeholders_are_translated():
    with translation.override("en"):
        assert translation.ngettext("%(n)s laboratorio", "%(n)s laboratori", 1) % {"n": 1} == (
            "1 workshop"
        )
        assert translation.ngettext("%(n)s laboratorio", "%(n)s laboratori", 3) % {"n": 3} == (
            "3 workshops"
        )
        assert translation.gettext("Pagina %(n)s di %(totale)s") % {"n": 2, "totale": 5} == (
            "Page 2 of 5"
        )


def test_templates_render_in_english_under_the_catalogue():
    modello = Template('{% load i18n %}{% translate "Esci" %} · {% translate "Vai al contenuto" %}')
    with translation.override("en"):
        assert modello.render(Context()) == "Log out · Skip to content"


@pytest.mark.django_db
def test_an_english_browser_still_gets_the_italian_interface():
    risposta = Client(headers={"accept-language": "en-GB,en;q=0.9"}).get("/accesso/")
    testo = risposta.content.decode()
    assert 'lang="it"' in testo
    assert ">Entra<" in testo
    assert "Log in" not in testo


def test_the_catalogue_is_complete_in_its_form():
    """No fuzzy entry (a guess is either confirmed or left empty) and every
    translation keeps its msgid's placeholders."""
    sorgente = (CATALOGO / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in sorgente
    assert ", fuzzy" not in sorgente
    catalogo = _catalogo(CATALOGO / "django.mo")
    assert len(catalogo) > 100
    for chiave, tradotto in catalogo.items():
        msgid = chiave[0] if isinstance(chiave, tuple) else chiave
        if not msgid or not tradotto:
            continue  # the header, or not translated yet
        attesi = set(SEGNAPOSTO.findall(msgid))
        trovati = set(SEGNAPOSTO.findall(tradotto))
        if isinstance(chiave, tuple):
            # A singular may leave the count out ("1 item" written as "one item").
            assert trovati <= attesi, (msgid, tradotto)
        else:
            assert trovati == attesi, (msgid, tradotto)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) non installato")
def test_the_compiled_catalogue_matches_its_source(tmp_path):
    """django.mo is committed (the runtime needs no gettext tools): it must be
    the compilation of django.po as it is now."""
    compilato = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compilato), str(CATALOGO / "django.po")],
        check=True,
    )
    assert _catalogo(compilato) == _catalogo(CATALOGO / "django.mo"), (
        "django.mo non aggiornato: eseguire manage.py compilemessages -l en --ignore=.venv"
    )


def test_every_template_that_translates_loads_i18n():
    """A template does not inherit its parent's {% load %}: one that
    translates without loading i18n fails only when it is rendered."""
    controllati, senza = [], []
    for cartella in CARTELLE_TEMPLATE:
        for modello in sorted(cartella.rglob("*.html")):
            testo = modello.read_text(encoding="utf-8")
            if TRADUCE.search(testo):
                controllati.append(modello)
                if not CARICA_I18N.search(testo):
                    senza.append(str(modello.relative_to(RADICE)))
    assert len(controllati) > 20  # the search did find our templates
    assert senza == [], f"usano translate senza {{% load i18n %}}: {senza}"
