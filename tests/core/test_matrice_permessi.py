"""The permission matrix: every URL pattern of the URLconf, requested as every
role with real objects, against the table in tests/core/matrice_permessi.py.

The patterns are read from the resolver, not listed here, so a new page
(or a new admin model) without an entry in the table fails
`test_ogni_indirizzo_ha_una_voce` with its name. Each request runs inside
a savepoint that is rolled back, so a POST that deletes, submits or
approves leaves the objects as they were for the next one.
"""

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from laboratori import services as servizi_laboratori
from laboratori.models import Laboratorio, Sessione, StatoLaboratorio, TipoLaboratorio
from rendicontazione import services as servizi_rendiconti
from rendicontazione.models import Rendiconto, StatoRendiconto
from tests.core.matrice_permessi import ADMIN, ALTROVE, LOGIN, PAGINE, RUOLI, Voce, voce_admin

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
GIORNO_SESSIONE = date(2025, 3, 10)
# The laboratories' clock, as the other page tests freeze it: two days after
# the session, inside the cooperatives' edit window.
OGGI = date(2025, 3, 12)


# The URLconf


@dataclass(frozen=True)
class Indirizzo:
    """One URL pattern: its table key (the namespaced name, or the full
    route of a pattern without a name), its route, the parameters it
    takes, and the resolver that holds it with that resolver's prefix."""

    chiave: str
    percorso: str
    pattern: URLPattern
    contenitore: URLResolver
    prefisso: str

    @property
    def parametri(self) -> tuple[str, ...]:
        modello = self.pattern.pattern
        if isinstance(modello, RoutePattern):
            return tuple(modello.converters)
        assert isinstance(modello, RegexPattern)
        regex = modello.regex
        nomi = tuple(regex.groupindex)
        return nomi + ("",) * (regex.groups - len(nomi))

    @property
    def posizionali(self) -> bool:
        return "" in self.parametri


def indirizzi() -> list[Indirizzo]:
    """Every URL pattern of the URLconf, walking the included resolvers."""
    trovati: list[Indirizzo] = []

    def visita(contenitore: URLResolver, prefisso: str, spazio: str | None) -> None:
        for voce in contenitore.url_patterns:
            if isinstance(voce, URLResolver):
                nome = spazio
                if voce.namespace:
                    nome = f"{spazio}:{voce.namespace}" if spazio else voce.namespace
                visita(voce, prefisso + str(voce.pattern), nome)
            else:
                percorso = prefisso + str(voce.pattern)
                if voce.name:
                    chiave = f"{spazio}:{voce.name}" if spazio else voce.name
                else:
                    chiave = percorso
                trovati.append(Indirizzo(chiave, percorso, voce, contenitore, prefisso))

    visita(get_resolver(), "", None)
    return trovati


def azioni_admin() -> dict[str, tuple[str, str]]:
    """Table key -> (model label, action) of the per-model admin URLs, from
    the models registered with the admin site."""
    nomi = {}
    for modello in admin.site._registry:
        meta = modello._meta
        base = f"{meta.app_label}_{meta.model_name}"
        for azione in ("changelist", "add", "change", "delete", "history", "simple_history"):
            nomi[f"admin:{base}_{azione}"] = (meta.label_lower, azione)
        nomi[f"admin/{meta.app_label}/{meta.model_name}/<path:object_id>/"] = (
            meta.label_lower,
            "vai",
        )
    return nomi


def voce_di(chiave: str, per_admin: dict[str, tuple[str, str]]) -> Voce | None:
    if chiave in PAGINE:
        return PAGINE[chiave]
    if chiave in per_admin:
        return voce_admin(*per_admin[chiave])
    return None


def test_ogni_indirizzo_ha_una_voce():
    per_admin = azioni_admin()
    tutti = indirizzi()
    assert len(tutti) > 100
    senza_voce = [i.chiave for i in tutti if voce_di(i.chiave, per_admin) is None]
    elenco = ", ".join(senza_voce)
    assert senza_voce == [], f"Indirizzi senza voce in tests/core/matrice_permessi.py: {elenco}"


def test_la_tabella_non_ha_voci_orfane():
    chiavi = {i.chiave for i in indirizzi()}
    assert sorted(set(PAGINE) - chiavi) == []
    registrati = {m._meta.label_lower for m in admin.site._registry}
    assert sorted(set(ADMIN) - registrati) == []


# The objects


def _laboratorio(accordo, cooperativa, titolo: str) -> Laboratorio:
    return servizi_laboratori.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo=titolo,
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa,
            luogo="Cremona",
            data_inizio=date(2025, 1, 7),
            data_fine=date(2025, 6, 30),
            sessioni_previste=20,
            stato=StatoLaboratorio.ATTIVO,
        )
    )


def _con_sessione(laboratorio: Laboratorio):
    partecipante = servizi_laboratori.partecipante_crea(
        laboratorio=laboratorio,
        fascia_eta="11_13",
        genere="F",
        livello_scolastico="secondaria_1",
        servizio_inviante="scuola",
    )
    sessione = servizi_laboratori.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=GIORNO_SESSIONE,
            ora_inizio=time(16),
            ora_fine=time(18),
            numero_educatori=2,
            ore_educatori=Decimal("4"),
        ),
        presenti=[partecipante],
    )
    return partecipante, sessione


def _rendiconto(accordo, utente, dal: date, al: date) -> Rendiconto:
    return servizi_rendiconti.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo,
            dal=dal,
            al=al,
            attivita_svolte="Laboratori avviati e tavoli di co-progettazione.",
        ),
        utente=utente,
    )


def crea_oggetti(
    monkeypatch, *, accordo, cooperativa_a, cooperativa_b, crea_prestazione, consorzio_u, coop_a_u
) -> dict[str, object]:
    """Real objects, written through the services: a laboratory with a
    participant and a session for each cooperative, a prestazione of coop
    A's laboratory with its receipt, a submitted report (its PDF stored)
    and a draft; the laboratories' clock frozen inside the cooperatives'
    edit window. Also used by tests/core/test_csp.py."""
    monkeypatch.setattr(servizi_laboratori, "oggi", lambda: OGGI)
    tranche_2024 = accordo.tranche.get(etichetta="2024")
    laboratorio_a = _laboratorio(accordo, cooperativa_a, "Ciclofficina Civico 81")
    laboratorio_b = _laboratorio(accordo, cooperativa_b, "Falegnameria Zaist")
    partecipante_a, sessione_a = _con_sessione(laboratorio_a)
    _con_sessione(laboratorio_b)
    prestazione = crea_prestazione(
        tranche_2024,
        "612.40",
        tipo="beni_consumo",
        data=date(2024, 10, 15),
        laboratorio=laboratorio_a,
        numero_documento="R-77",
        data_documento=date(2024, 10, 15),
        documento=SimpleUploadedFile("ricevuta.pdf", PDF, content_type="application/pdf"),
        utente=consorzio_u,
    )
    inviato = _rendiconto(accordo, consorzio_u, date(2024, 9, 1), date(2024, 12, 31))
    servizi_rendiconti.invia(rendiconto=inviato, utente=consorzio_u)
    inviato.refresh_from_db()
    assert inviato.stato == StatoRendiconto.INVIATO
    assert inviato.invii.get().pdf
    bozza = _rendiconto(accordo, consorzio_u, date(2025, 1, 1), date(2025, 6, 30))
    dati_accesso = {
        "user_agent": "Mozilla/5.0",
        "ip_address": "192.0.2.1",
        "username": "coop_a",
        "http_accept": "text/html",
        "path_info": "/accesso/",
    }
    return {
        "accordo": accordo,
        "tranche_2024": tranche_2024,
        "cooperativa_a": cooperativa_a,
        "laboratorio_a": laboratorio_a,
        "sessione_a": sessione_a,
        "partecipante_a": partecipante_a,
        "prestazione": prestazione,
        "rendiconto_inviato": inviato,
        "rendiconto_bozza": bozza,
        "utente_coop_a": coop_a_u,
        "gruppo": Group.objects.get(name="Comune"),
        "tentativo_accesso": AccessAttempt.objects.create(
            **dati_accesso, get_data="", post_data="", failures_since_start=1
        ),
        "registro_accessi": AccessLog.objects.create(**dati_accesso),
        "accesso_fallito": AccessFailureLog.objects.create(**dati_accesso),
        "app_budget": "budget",
        "indirizzo_inesistente": "inesistente/",
    }


@pytest.fixture
def oggetti(
    monkeypatch,
    accordo,
    cooperativa_a,
    cooperativa_b,
    crea_prestazione,
    utente_consorzio,
    utente_coop_a,
) -> dict[str, object]:
    return crea_oggetti(
        monkeypatch,
        accordo=accordo,
        cooperativa_a=cooperativa_a,
        cooperativa_b=cooperativa_b,
        crea_prestazione=crea_prestazione,
        consorzio_u=utente_consorzio,
        coop_a_u=utente_coop_a,
    )


def argomenti(indirizzo: Indirizzo, oggetto) -> tuple[list, dict]:
    """The arguments of a URL from its object, by the names of its
    parameters. A parameter not known here fails with the pattern's name."""
    parametri = indirizzo.parametri
    if parametri == ():
        return [], {}
    if parametri in (("pk",), ("object_id",), ("id",)):
        return [], {parametri[0]: oggetto.pk}
    if (
        indirizzo.posizionali
        and len(parametri) == 2
        and indirizzo.chiave.endswith("_simple_history")
    ):
        versione = oggetto.history.order_by("-history_id").first()
        return [oggetto.pk, versione.history_id], {}
    if parametri == ("content_type_id", "object_id"):
        tipo = ContentType.objects.get_for_model(oggetto)
        return [], {"content_type_id": tipo.pk, "object_id": oggetto.pk}
    if parametri == ("app_label",):
        return [], {"app_label": oggetto}
    if parametri == ("url",):
        return [], {"url": oggetto}
    raise AssertionError(
        f"{indirizzo.chiave}: parametri {parametri} senza valore in test_matrice_permessi.argomenti"
    )


def url_di(indirizzo: Indirizzo, voce: Voce, oggetti: dict) -> str:
    oggetto = oggetti[voce.oggetto] if voce.oggetto else None
    args, kwargs = argomenti(indirizzo, oggetto)
    # Reversed by its view inside the resolver that holds it: this reaches
    # patterns without a name too.
    parte = indirizzo.contenitore.reverse(indirizzo.pattern.callback, *args, **kwargs)
    url = "/" + indirizzo.prefisso + parte
    return f"{url}?{voce.query}" if voce.query else url


# The requests


def esito(risposta) -> int | str:
    """The outcome class of a response: its status, or for a redirect
    whether it goes to a login page."""
    if risposta.status_code in (301, 302, 303, 307, 308):
        destinazione = urlsplit(risposta["Location"]).path
        if destinazione in (reverse("login"), reverse("admin:login")):
            return LOGIN
        return ALTROVE
    return risposta.status_code


@pytest.fixture
def client_per_ruolo(oggetti, utente_comune, utente_consorzio, utente_coop_b, superutente):
    utenti = {
        "anonimo": None,
        "coop_a": oggetti["utente_coop_a"],
        "coop_b": utente_coop_b,
        "consorzio": utente_consorzio,
        "comune": utente_comune,
        "superuser": superutente,
    }
    client = {}
    for ruolo in RUOLI:
        client[ruolo] = Client(raise_request_exception=False)
        if utenti[ruolo] is not None:
            client[ruolo].force_login(utenti[ruolo])
    return client


def richiedi(client: Client, metodo: str, url: str, dati: dict | None = None):
    """One request, rolled back; the client's cookies are restored after it
    (a logout must not log the next request out)."""
    biscotti = SimpleCookie()
    biscotti.load(client.cookies.output(header="", sep=";"))
    try:
        with transaction.atomic():
            risposta = client.get(url) if metodo == "GET" else client.post(url, dati or {})
            transaction.set_rollback(True)
    finally:
        client.cookies = biscotti
    return risposta


def test_la_matrice_dei_permessi(oggetti, client_per_ruolo):
    per_admin = azioni_admin()
    richieste = 0
    inattesi = []
    tutti = indirizzi()
    for indirizzo in tutti:
        voce = voce_di(indirizzo.chiave, per_admin)
        assert voce is not None, f"{indirizzo.chiave}: nessuna voce nella tabella"
        url = url_di(indirizzo, voce, oggetti)
        for metodo, attesi in (("GET", voce.get), ("POST", voce.post)):
            if attesi is None:
                continue
            assert len(attesi) == len(RUOLI), indirizzo.chiave
            for ruolo, atteso in zip(RUOLI, attesi, strict=True):
                risposta = richiedi(client_per_ruolo[ruolo], metodo, url, voce.dati)
                richieste += 1
                ottenuto = esito(risposta)
                if ottenuto != atteso:
                    dove = risposta.get("Location", "")
                    inattesi.append(
                        f"{indirizzo.chiave} {metodo} {url} come {ruolo}: "
                        f"atteso {atteso}, ottenuto {ottenuto} {dove}".rstrip()
                    )
    print(f"\nMatrice: {len(tutti)} indirizzi, {richieste} richieste, {len(inattesi)} inattesi")
    assert inattesi == [], "\n".join(inattesi)
