"""The admin of tranches and prestazioni, driven like a browser: every page
opens for the roles that may use it, every write goes through the same rules
as the services (a broken rule is a form error in Italian, never a
traceback), and each user sees only the rows of their own agreement."""

import html
import json
import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from stdnum import luhn

from accordo.models import Accordo, Ente, TipoEnte
from budget import services
from budget.models import Prestazione, Tranche
from core.formati import euro
from tests.conftest import PASSWORD, crea_utente

# Helpers shared by the admin tests of the other apps.


class _Modulo(HTMLParser):
    """What a browser would submit from the admin's main form."""

    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.dentro = False
        self.dati: dict[str, list[str]] = {}
        self._select: str | None = None
        self._opzioni: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._testo: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.dentro = True
        if not self.dentro:
            return
        nome = a.get("name")
        if tag == "input" and nome:
            tipo = a.get("type", "text")
            if tipo in ("submit", "button", "file", "image", "reset"):
                return
            if tipo in ("checkbox", "radio") and "checked" not in a:
                return
            predefinito = "on" if tipo in ("checkbox", "radio") else ""
            self.dati.setdefault(nome, []).append(a.get("value", predefinito))
        elif tag == "select" and nome:
            self._select, self._opzioni = nome, []
        elif tag == "option" and self._select is not None:
            self._opzioni.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and nome:
            self._textarea, self._testo = nome, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._testo.append(data)

    def handle_endtag(self, tag):
        if not self.dentro:
            return
        if tag == "form":
            self.dentro = False
        elif tag == "select" and self._select is not None:
            scelti = [v for v, s in self._opzioni if s]
            self.dati[self._select] = scelti
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            testo = "".join(self._testo)
            self.dati.setdefault(self._textarea, []).append(testo.removeprefix("\n"))
            self._textarea = None


def dati_modulo(risposta, form_id: str | None = None) -> dict:
    """The POST data of the page's form as rendered (admin forms are
    `<model>_form`), to change a few fields and submit like a browser."""
    assert risposta.status_code == 200, risposta.status_code
    if form_id is None:
        trovato = re.search(r'<form [^>]*id="(\w+_form)"', risposta.content.decode())
        form_id = trovato.group(1) if trovato else None
    parser = _Modulo(form_id)
    parser.feed(risposta.content.decode())
    return {k: v if len(v) != 1 else v[0] for k, v in parser.dati.items()}


def errori(risposta) -> list[str]:
    """The texts of the error lists of an admin page."""
    testo = risposta.content.decode()
    blocchi = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', testo, re.S)
    return [html.unescape(m) for b in blocchi for m in re.findall(r"<li>(.*?)</li>", b, re.S)]


def righe_elenco(risposta) -> dict[int, dict[str, str]]:
    """The changelist's rows: object id -> {column: text shown}."""
    testo = risposta.content.decode()
    corpo = re.search(r'<table id="result_list">.*?<tbody>(.*?)</tbody>', testo, re.S)
    righe = {}
    for riga in re.findall(r"<tr[^>]*>(.*?)</tr>", corpo.group(1), re.S):
        pk = re.search(r"/(\d+)/change/", riga)
        celle = re.findall(r'<t[dh] class="field-(\w+)[^"]*"[^>]*>(.*?)</t[dh]>', riga, re.S)
        righe[int(pk.group(1))] = {
            nome: html.unescape(re.sub(r"<[^>]+>", "", valore)).strip() for nome, valore in celle
        }
    return righe


def partita_iva(prime_dieci: str) -> str:
    """A valid partita IVA: ten digits and the Luhn check digit."""
    return prime_dieci + luhn.calc_check_digit(prime_dieci)


def _ente(**dati) -> Ente:
    ente = Ente(**dati)
    ente.full_clean()
    ente.save()
    return ente


def crea_altro_accordo() -> dict:
    """A second agreement with its own Comune, consortium, tranche, supplier,
    prestazione and users, to check that nothing of one leaks into the other."""
    comune = _ente(
        nome="Comune di Crema", tipo=TipoEnte.COMUNE, partita_iva=partita_iva("0234567019")
    )
    consorzio = _ente(
        nome="Consorzio Arcobaleno", tipo=TipoEnte.CONSORZIO, partita_iva=partita_iva("0345678019")
    )
    cooperativa = _ente(
        nome="Cooperativa Il Ponte",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva=partita_iva("0456789019"),
        consorzio=consorzio,
    )
    fornitore = _ente(
        nome="Ferramenta Serio", tipo=TipoEnte.FORNITORE, partita_iva=partita_iva("0567890019")
    )
    accordo = services.accordo_salva(
        accordo=Accordo(
            titolo="Accordo Crema Giovani",
            ente_pubblico=comune,
            ente_partner=consorzio,
            firmatario_pubblico="Sindaco di Crema",
            firmatario_partner="Presidente Arcobaleno",
            data_inizio=date(2025, 1, 1),
            data_fine=date(2025, 12, 31),
        )
    )
    tranche = services.tranche_salva(
        tranche=Tranche(
            accordo=accordo,
            etichetta="Unica Crema",
            data_inizio=date(2025, 1, 1),
            data_fine=date(2025, 12, 31),
            importo=Decimal("5000.00"),
        )
    )
    prestazione = services.prestazione_crea(
        tranche=tranche,
        tipo="servizi",
        fornitore=fornitore,
        descrizione="Noleggio pulmino per la gita di Crema",
        data=date(2025, 3, 3),
        importo=Decimal("321.00"),
    )
    return {
        "accordo": accordo,
        "tranche": tranche,
        "prestazione": prestazione,
        "fornitore": fornitore,
        "utente_comune": crea_utente("comune_crema", comune, staff=True),
        "utente_consorzio": crea_utente("consorzio_arcobaleno", consorzio, staff=True),
        "utente_coop": crea_utente("coop_ponte", cooperativa),
    }


def stato_json() -> dict:
    uscita = StringIO()
    call_command("stato_budget", "--json", stdout=uscita)
    return json.loads(uscita.getvalue())


# Fixtures

URL_AGGIUNGI = "admin:budget_prestazione_add"


@pytest.fixture
def dati_validi(tranche_2024, fornitore) -> dict:
    return {
        "tranche": str(tranche_2024.pk),
        "tipo": "servizi",
        "fornitore": str(fornitore.pk),
        "descrizione": "Trasporto per l'uscita al museo",
        "data": "15/10/2024",
        "importo": "1234.56",
        "numero_documento": "FT 12/2024",
        "data_documento": "20/10/2024",
    }


@pytest.fixture
def come_consorzio(client, utente_consorzio):
    client.force_login(utente_consorzio)
    return client


# Every page opens


MODELLI = ("accordo_ente", "accordo_accordo", "budget_tranche", "budget_prestazione", "core_utente")

# (model, page) -> expected status for each role; 403 where the role's group
# (core/ruoli.py) has no permission.
ATTESI = {
    "consorzio": {
        "accordo_accordo_add": 403,
        "budget_tranche_add": 403,
        "core_utente_changelist": 403,
        "core_utente_add": 403,
        "core_utente_change": 403,
    },
    "comune": {
        "budget_prestazione_add": 403,
        "core_utente_changelist": 403,
        "core_utente_add": 403,
        "core_utente_change": 403,
    },
    "admin": {},
}


@pytest.mark.parametrize("ruolo", ["consorzio", "comune", "admin"])
def test_ogni_pagina_si_apre_per_ogni_ruolo(
    client, ruolo, accordo, tranche_2024, utente_consorzio, utente_comune, superutente,
    crea_prestazione, fornitore,
):  # fmt: skip
    utente = {"consorzio": utente_consorzio, "comune": utente_comune, "admin": superutente}[ruolo]
    prestazione = crea_prestazione(tranche_2024, "250.00")
    services.prestazione_modifica(prestazione=prestazione, importo=Decimal("260.00"))
    oggetti = {
        "accordo_ente": fornitore,
        "accordo_accordo": accordo,
        "budget_tranche": tranche_2024,
        "budget_prestazione": prestazione,
        "core_utente": utente,
    }
    client.force_login(utente)
    pagine = {}
    for modello in MODELLI:
        pk = oggetti[modello].pk
        pagine[f"{modello}_changelist"] = reverse(f"admin:{modello}_changelist")
        pagine[f"{modello}_add"] = reverse(f"admin:{modello}_add")
        pagine[f"{modello}_change"] = reverse(f"admin:{modello}_change", args=[pk])
        pagine[f"{modello}_history"] = reverse(f"admin:{modello}_history", args=[pk])
    versione = prestazione.history.earliest().history_id
    pagine["budget_prestazione_versione"] = reverse(
        "admin:budget_prestazione_simple_history", args=[prestazione.pk, versione]
    )
    pagine["indice"] = reverse("admin:index")
    for nome, url in pagine.items():
        atteso = ATTESI[ruolo].get(nome, 200)
        if nome == "core_utente_history" and ruolo != "admin":
            atteso = 403
        risposta = client.get(url)
        assert risposta.status_code == atteso, (nome, url, risposta.status_code)


@pytest.mark.parametrize(
    "query",
    [
        "?tipo__exact=servizi",
        "?q=museo",
        "?data__year=2024",
        "?data__year=2024&data__month=10",
        "?o=6",
        "?tranche__accordo__id__exact=1",
        "?fornitore__id__exact=1",
    ],
)
def test_elenco_prestazioni_con_filtri_e_ricerca(
    come_consorzio, tranche_2024, crea_prestazione, query
):
    crea_prestazione(tranche_2024, "100.00", descrizione="Biglietti per il museo")
    risposta = come_consorzio.get(reverse("admin:budget_prestazione_changelist") + query)
    assert risposta.status_code == 200


def test_elenco_prestazioni_in_italiano(
    come_consorzio, tranche_2024, tranche_2025, crea_prestazione
):
    prestazione = crea_prestazione(tranche_2024, "1234.56")
    crea_prestazione(tranche_2025, "500.00", tipo="progettazione", fornitore=None)
    risposta = come_consorzio.get(reverse("admin:budget_prestazione_changelist"))
    testo = risposta.content.decode()
    assert "Scegli prestazione da modificare" in testo
    assert 'placeholder="Cerca"' in testo or 'id="searchbar"' in testo
    # A filter shows when it has a choice to make; the agreement's only
    # with two agreements in reach (see test_il_superutente_vede_tutti_gli_accordi).
    for filtro in ("Per tranche", "Per tipo", "Per fornitore"):
        assert filtro in testo
    assert "Per accordo" not in testo
    assert '<nav class="toplinks">' in testo  # date hierarchy
    riga = righe_elenco(risposta)[prestazione.pk]
    assert riga["valore"] == "€ 1.234,56"
    assert riga["quota"] == "€ 37,04"
    assert riga["totale"] == "€ 1.271,60"
    assert riga["tipo"] == "Acquisto di servizi"
    assert riga["data_breve"] == "01/09/2024"
    assert riga["tranche_breve"] == "2024"
    assert riga["fornitore_breve"] == "Falegnameria Bodini"


def test_autocompletamento_del_fornitore(come_consorzio, fornitore):
    risposta = come_consorzio.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "budget",
            "model_name": "prestazione",
            "field_name": "fornitore",
            "term": "Bod",
        },
    )
    assert risposta.status_code == 200
    assert [r["id"] for r in risposta.json()["results"]] == [str(fornitore.pk)]


# Prestazione: add


def test_prestazione_valida_dal_modulo_di_aggiunta(
    come_consorzio, utente_consorzio, tranche_2024, dati_validi
):
    pagina = come_consorzio.get(reverse(URL_AGGIUNGI))
    assert 'name="fornitore"' in pagina.content.decode()
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), dati_validi)
    assert risposta.status_code == 302, errori(risposta)
    prestazione = Prestazione.objects.get()
    assert prestazione.importo == Decimal("1234.56")
    assert prestazione.aliquota_quota_amministrativa == Decimal("3.00")
    assert prestazione.quota_amministrativa == Decimal("37.04")
    assert prestazione.totale_addebitato == Decimal("1271.60")
    assert prestazione.creata_da == utente_consorzio
    storia = prestazione.history.get()
    assert storia.history_type == "+"
    assert storia.history_user == utente_consorzio


@pytest.mark.parametrize(
    ("importo", "atteso"),
    [
        ("1.234,56", Decimal("1234.56")),
        ("1234,56", Decimal("1234.56")),
        ("€ 1.234,56", Decimal("1234.56")),
        ("1234.56", Decimal("1234.56")),
        ("750", Decimal("750")),
    ],
)
def test_importo_scritto_all_italiana(come_consorzio, dati_validi, importo, atteso):
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), {**dati_validi, "importo": importo})
    assert risposta.status_code == 302, errori(risposta)
    assert Prestazione.objects.get().importo == atteso


@pytest.mark.parametrize(
    ("modifiche", "messaggio"),
    [
        ({"importo": "-5"}, "L'importo deve essere maggiore di zero (indicato -€ 5,00)."),
        ({"importo": "0"}, "L'importo deve essere maggiore di zero (indicato € 0,00)."),
        ({"importo": "0,00"}, "L'importo deve essere maggiore di zero"),
        ({"importo": "12,345"}, "ha più di due decimali: indicare l'importo al centesimo."),
        ({"importo": "1.234"}, "ha più di due decimali"),
        ({"importo": "abc"}, "«abc» non è un importo valido."),
        ({"importo": "1,2,3"}, "non è un importo valido."),
        ({"importo": ""}, "Questo campo è obbligatorio."),
        ({"importo": "NaN"}, "non è un importo valido."),
        ({"importo": "1e3"}, "non è un importo valido."),
        ({"importo": "10.000.000,00"}, "supera il massimo ammesso"),
        ({"importo": "99999999999"}, "Assicurati che non vi siano più di 10 cifre"),
        (
            {"data": "15/10/2025"},
            "fuori dal periodo della tranche «2024» (01/09/2024 - 31/12/2024)",
        ),
        ({"data": "31/08/2024"}, "fuori dalla durata dell'accordo (01/09/2024 - 31/12/2025)"),
        ({"data": "31/02/2024"}, "Inserisci una data valida."),
        ({"fornitore": ""}, "Indicare il fornitore della prestazione."),
        ({"fornitore": "999999"}, "Scegli un'opzione valida."),
        ({"tranche": ""}, "Questo campo è obbligatorio."),
        ({"tipo": "inventato"}, "Scegli un'opzione valida."),
        ({"descrizione": ""}, "Questo campo è obbligatorio."),
        (
            {"tipo": "progettazione", "fornitore": "", "importo": "6000,01"},
            "Tetto della quota progettazione superato: richiesti € 6.000,01, ma dei € 6.000,00 "
            "previsti per l'intero accordo ne sono già utilizzati € 0,00; restano € 6.000,00.",
        ),
    ],
)
def test_dati_sbagliati_danno_un_errore_e_non_salvano(
    come_consorzio, dati_validi, modifiche, messaggio
):
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), {**dati_validi, **modifiche})
    assert risposta.status_code == 200
    assert any(messaggio in e for e in errori(risposta)), errori(risposta)
    assert "Traceback" not in risposta.content.decode()
    assert not Prestazione.objects.exists()


def test_capienza_superata_e_un_errore_del_modulo(
    come_consorzio, tranche_2024, crea_prestazione, dati_validi
):
    crea_prestazione(tranche_2024, "12000.00")
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), {**dati_validi, "importo": "700,00"})
    assert risposta.status_code == 200
    assert errori(risposta) == [
        "Capienza della tranche «2024» superata: la prestazione addebita € 721,00 (valore "
        "€ 700,00 + quota amministrativa 3% € 21,00), ma della tranche di € 13.000,00 restano "
        "disponibili € 640,00. Valore massimo registrabile: € 621,36."
    ]
    assert Prestazione.objects.count() == 1


def test_progettazione_oltre_il_tetto_su_due_tranche(
    come_consorzio, tranche_2024, tranche_2025, crea_prestazione, dati_validi
):
    crea_prestazione(tranche_2024, "4000.00", tipo="progettazione", fornitore=None)
    risposta = come_consorzio.post(
        reverse(URL_AGGIUNGI),
        {
            **dati_validi,
            "tranche": tranche_2025.pk,
            "data": "10/02/2025",
            "tipo": "progettazione",
            "fornitore": "",
            "importo": "2000,01",
        },
    )
    assert risposta.status_code == 200
    assert any("Tetto della quota progettazione superato" in e for e in errori(risposta))
    assert any("restano € 2.000,00" in e for e in errori(risposta))
    assert Prestazione.objects.count() == 1


def test_progettazione_senza_fornitore_e_senza_quota(come_consorzio, dati_validi):
    risposta = come_consorzio.post(
        reverse(URL_AGGIUNGI),
        {**dati_validi, "tipo": "progettazione", "fornitore": "", "importo": "6000"},
    )
    assert risposta.status_code == 302, errori(risposta)
    prestazione = Prestazione.objects.get()
    assert prestazione.quota_amministrativa == Decimal("0.00")
    assert prestazione.aliquota_quota_amministrativa == Decimal("0.00")


def test_la_tranche_di_un_altro_accordo_non_si_puo_scegliere(come_consorzio, dati_validi):
    altro = crea_altro_accordo()
    pagina = come_consorzio.get(reverse(URL_AGGIUNGI))
    assert "Unica Crema" not in pagina.content.decode()
    risposta = come_consorzio.post(
        reverse(URL_AGGIUNGI), {**dati_validi, "tranche": altro["tranche"].pk, "data": "03/03/2025"}
    )
    assert risposta.status_code == 200
    assert any("Scegli un'opzione valida" in e for e in errori(risposta))
    assert Prestazione.objects.count() == 1  # only the other agreement's


# Prestazione: change, revert, delete


def test_modifica_dal_modulo_mantiene_l_aliquota_registrata(
    come_consorzio, utente_consorzio, accordo, tranche_2024, crea_prestazione
):
    prestazione = crea_prestazione(tranche_2024, "1000.00")
    accordo.aliquota_quota_amministrativa = Decimal("4.00")
    services.accordo_salva(accordo=accordo)
    url = reverse("admin:budget_prestazione_change", args=[prestazione.pk])
    dati = dati_modulo(come_consorzio.get(url))
    assert dati["importo"] == "1.000,00"
    assert dati["data"] == "01/09/2024"
    dati["importo"] = "2.000,00"
    risposta = come_consorzio.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("2000.00")
    assert prestazione.aliquota_quota_amministrativa == Decimal("3.00")
    assert prestazione.quota_amministrativa == Decimal("60.00")
    ultima = prestazione.history.latest()
    assert ultima.history_type == "~"
    assert ultima.history_user == utente_consorzio


def test_modifica_oltre_la_capienza_rifiutata(come_consorzio, tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "1000.00")
    crea_prestazione(tranche_2024, "11000.00")
    url = reverse("admin:budget_prestazione_change", args=[prestazione.pk])
    dati = {**dati_modulo(come_consorzio.get(url)), "importo": "1700,00"}
    risposta = come_consorzio.post(url, dati)
    assert risposta.status_code == 200
    assert any("Capienza della tranche «2024» superata" in e for e in errori(risposta))
    assert any("Valore massimo registrabile: € 1.621,36" in e for e in errori(risposta))
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("1000.00")


def test_ripristino_di_una_versione_passa_per_le_regole(
    come_consorzio, utente_consorzio, tranche_2024, crea_prestazione
):
    prestazione = crea_prestazione(tranche_2024, "5000.00")
    vecchia = prestazione.history.get().history_id
    services.prestazione_modifica(prestazione=prestazione, importo=Decimal("100.00"))
    crea_prestazione(tranche_2024, "12000.00")
    url = reverse("admin:budget_prestazione_simple_history", args=[prestazione.pk, vecchia])
    dati = dati_modulo(come_consorzio.get(url))
    assert dati["importo"] == "5.000,00"
    risposta = come_consorzio.post(url, dati)
    assert risposta.status_code == 200
    assert any("Capienza della tranche «2024» superata" in e for e in errori(risposta))
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("100.00")

    dati["importo"] = "200,00"
    risposta = come_consorzio.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("200.00")
    assert prestazione.history.latest().history_user == utente_consorzio


def test_senza_transazione_di_prova_modulo_e_ripristino_reggono(
    transactional_db, come_consorzio, tranche_2024, crea_prestazione, dati_validi
):
    """Outside the test's own transaction (as in production): the rule check
    takes its row lock (SELECT ... FOR UPDATE on PostgreSQL) inside the
    admin's transaction, for the add form and for a revert alike."""
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), dati_validi)
    assert risposta.status_code == 302, errori(risposta)
    prestazione = Prestazione.objects.get()
    versione = prestazione.history.get().history_id
    services.prestazione_modifica(prestazione=prestazione, importo=Decimal("10.00"))
    url = reverse("admin:budget_prestazione_simple_history", args=[prestazione.pk, versione])
    risposta = come_consorzio.post(url, dati_modulo(come_consorzio.get(url)))
    assert risposta.status_code == 302, errori(risposta)
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("1234.56")


@pytest.fixture
def spia_cancellazioni(monkeypatch):
    chiamate = []
    originale = services.prestazione_elimina

    def spia(*, prestazione, utente=None):
        chiamate.append(prestazione.pk)
        return originale(prestazione=prestazione, utente=utente)

    monkeypatch.setattr(services, "prestazione_elimina", spia)
    return chiamate


def test_cancellazione_singola_passa_per_il_servizio(
    come_consorzio, utente_consorzio, tranche_2024, crea_prestazione, spia_cancellazioni
):
    prestazione = crea_prestazione(tranche_2024, "100.00")
    url = reverse("admin:budget_prestazione_delete", args=[prestazione.pk])
    assert come_consorzio.get(url).status_code == 200
    risposta = come_consorzio.post(url, {"post": "yes"})
    assert risposta.status_code == 302
    assert spia_cancellazioni == [prestazione.pk]
    assert not Prestazione.objects.exists()
    cancellata = Prestazione.history.filter(id=prestazione.pk).latest()
    assert cancellata.history_type == "-"
    assert cancellata.history_user == utente_consorzio


def test_cancellazione_multipla_passa_per_il_servizio(
    come_consorzio, tranche_2024, crea_prestazione, spia_cancellazioni
):
    prestazioni = [crea_prestazione(tranche_2024, "100.00") for _ in range(3)]
    tenuta = prestazioni.pop()
    dati = {
        "action": "delete_selected",
        "_selected_action": [p.pk for p in prestazioni],
    }
    url = reverse("admin:budget_prestazione_changelist")
    conferma = come_consorzio.post(url, dati)
    assert conferma.status_code == 200
    assert "Confermi la cancellazione" in conferma.content.decode()
    risposta = come_consorzio.post(url, {**dati, "post": "yes"})
    assert risposta.status_code == 302
    assert sorted(spia_cancellazioni) == sorted(p.pk for p in prestazioni)
    assert list(Prestazione.objects.all()) == [tenuta]


# Tranche


def test_elenco_tranche_coincide_con_stato_budget_json(
    client, utente_comune, accordo, tranche_2024, tranche_2025, crea_prestazione
):
    crea_prestazione(tranche_2024, "1234.56")
    crea_prestazione(tranche_2024, "800.00", tipo="progettazione", fornitore=None)
    crea_prestazione(tranche_2025, "2500.10", data=date(2025, 5, 5))
    client.force_login(utente_comune)
    righe = righe_elenco(client.get(reverse("admin:budget_tranche_changelist")))
    (stato,) = stato_json()["accordi"]
    assert {r["id"] for r in stato["tranche"]} == set(righe)
    colonne = {
        "importo": "importo_euro",
        "valore_prestazioni": "valore_prestazioni",
        "quote_amministrative": "quote_amministrative",
        "quota_progettazione": "quota_progettazione",
        "utilizzato": "utilizzato",
        "disponibile": "disponibile",
    }
    for riga_json in stato["tranche"]:
        riga = righe[riga_json["id"]]
        assert riga["etichetta"] == riga_json["etichetta"]
        for chiave, colonna in colonne.items():
            assert riga[colonna] == euro(Decimal(riga_json[chiave])), (chiave, riga)
    assert righe[tranche_2024.pk]["utilizzato"] == "€ 2.071,60"
    assert righe[tranche_2024.pk]["disponibile"] == "€ 10.928,40"
    assert righe[tranche_2024.pk]["percentuale"] == "15,9%"


def test_abbassare_la_tranche_sotto_l_utilizzato_e_un_errore(
    client, utente_comune, tranche_2024, crea_prestazione
):
    crea_prestazione(tranche_2024, "5000.00")
    client.force_login(utente_comune)
    url = reverse("admin:budget_tranche_change", args=[tranche_2024.pk])
    pagina = client.get(url)
    assert "€ 5.150,00" in pagina.content.decode()  # the budget table on the page
    dati = {**dati_modulo(pagina), "importo": "5.000,00"}
    risposta = client.post(url, dati)
    assert risposta.status_code == 200
    assert errori(risposta) == [
        "Capienza della tranche «2024» superata: sono già addebitati € 5.150,00 su "
        "€ 5.000,00, € 150,00 oltre il disponibile."
    ]
    tranche_2024.refresh_from_db()
    assert tranche_2024.importo == Decimal("13000.00")

    dati["importo"] = "5.150,00"
    risposta = client.post(url, dati)
    assert risposta.status_code == 302, errori(risposta)
    tranche_2024.refresh_from_db()
    assert tranche_2024.importo == Decimal("5150.00")
    assert tranche_2024.history.latest().history_user == utente_comune


@pytest.mark.parametrize(
    ("modifiche", "messaggio"),
    [
        ({"importo": "0"}, "L'importo deve essere maggiore di zero"),
        ({"importo": "-1"}, "L'importo deve essere maggiore di zero"),
        ({"importo": "x"}, "non è un importo valido"),
        ({"data_fine": "31/08/2024"}, "La fine non può precedere l'inizio."),
        ({"data_fine": "31/01/2026"}, "deve stare nella durata dell'accordo"),
        ({"data_inizio": "01/10/2024"}, "hanno una data fuori dal nuovo periodo"),
    ],
)
def test_tranche_sbagliata_non_salvata(
    client, utente_comune, tranche_2024, crea_prestazione, modifiche, messaggio
):
    crea_prestazione(tranche_2024, "100.00")  # dated 01/09/2024
    client.force_login(utente_comune)
    url = reverse("admin:budget_tranche_change", args=[tranche_2024.pk])
    risposta = client.post(url, {**dati_modulo(client.get(url)), **modifiche})
    assert risposta.status_code == 200
    assert any(messaggio in e for e in errori(risposta)), errori(risposta)
    tranche_2024.refresh_from_db()
    assert (tranche_2024.importo, tranche_2024.data_inizio, tranche_2024.data_fine) == (
        Decimal("13000.00"),
        date(2024, 9, 1),
        date(2024, 12, 31),
    )


def test_nuova_tranche_sovrapposta_rifiutata(client, utente_comune, accordo, tranche_2024):
    client.force_login(utente_comune)
    url = reverse("admin:budget_tranche_add")
    dati = {
        **dati_modulo(client.get(url)),
        "accordo": accordo.pk,
        "etichetta": "2024 bis",
        "data_inizio": "01/12/2024",
        "data_fine": "31/01/2025",
        "importo": "1.000,00",
    }
    risposta = client.post(url, dati)
    assert risposta.status_code == 200
    assert any("si sovrappone alla tranche «2024»" in e for e in errori(risposta))
    assert accordo.tranche.count() == 2


# Roles and row-level scoping


def test_il_comune_vede_le_prestazioni_ma_non_le_modifica(
    client, utente_comune, tranche_2024, crea_prestazione, dati_validi
):
    prestazione = crea_prestazione(tranche_2024, "100.00")
    client.force_login(utente_comune)
    assert client.get(reverse("admin:budget_prestazione_changelist")).status_code == 200
    url = reverse("admin:budget_prestazione_change", args=[prestazione.pk])
    pagina = client.get(url)
    assert pagina.status_code == 200
    assert 'name="importo"' not in pagina.content.decode()  # read-only
    assert client.get(reverse(URL_AGGIUNGI)).status_code == 403
    assert client.post(reverse(URL_AGGIUNGI), dati_validi).status_code == 403
    assert client.post(url, {**dati_validi, "importo": "1,00"}).status_code == 403
    cancella = reverse("admin:budget_prestazione_delete", args=[prestazione.pk])
    assert client.post(cancella, {"post": "yes"}).status_code == 403
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("100.00")


def test_il_comune_modifica_tranche_il_consorzio_no(
    client, utente_comune, utente_consorzio, tranche_2024
):
    url = reverse("admin:budget_tranche_change", args=[tranche_2024.pk])
    client.force_login(utente_comune)
    dati = {**dati_modulo(client.get(url)), "nota": "Rivista dal Comune"}
    assert client.post(url, dati).status_code == 302
    tranche_2024.refresh_from_db()
    assert tranche_2024.nota == "Rivista dal Comune"

    client.force_login(utente_consorzio)
    pagina = client.get(url)
    assert pagina.status_code == 200
    assert 'name="importo"' not in pagina.content.decode()
    assert client.post(url, {**dati, "nota": "Dal consorzio"}).status_code == 403
    tranche_2024.refresh_from_db()
    assert tranche_2024.nota == "Rivista dal Comune"


def test_la_cooperativa_non_entra_nell_admin(client, utente_coop_a):
    assert client.login(username="coop_a", password=PASSWORD)
    for url in (
        reverse("admin:index"),
        reverse("admin:budget_prestazione_changelist"),
        reverse("admin:budget_tranche_changelist"),
    ):
        risposta = client.get(url)
        assert risposta.status_code == 302
        assert risposta["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("ruolo", ["utente_comune", "utente_consorzio"])
def test_un_altro_accordo_non_vede_queste_righe(
    client, ruolo, accordo, tranche_2024, crea_prestazione
):
    prestazione = crea_prestazione(tranche_2024, "432.10", descrizione="Legname per falegnameria")
    versione = prestazione.history.get().history_id
    altro = crea_altro_accordo()
    client.force_login(altro[ruolo])

    elenco = client.get(reverse("admin:budget_prestazione_changelist"))
    assert set(righe_elenco(elenco)) == {altro["prestazione"].pk}
    testo = elenco.content.decode()
    assert "Legname per falegnameria" not in testo
    assert "Cremona" not in testo  # nor in the filters
    elenco_tranche = client.get(reverse("admin:budget_tranche_changelist"))
    assert set(righe_elenco(elenco_tranche)) == {altro["tranche"].pk}
    assert "13.000,00" not in elenco_tranche.content.decode()
    elenco_accordi = client.get(reverse("admin:accordo_accordo_changelist"))
    assert "Cremona" not in elenco_accordi.content.decode()

    for url in (
        reverse("admin:budget_prestazione_change", args=[prestazione.pk]),
        reverse("admin:budget_tranche_change", args=[tranche_2024.pk]),
        reverse("admin:accordo_accordo_change", args=[accordo.pk]),
        reverse("admin:budget_prestazione_delete", args=[prestazione.pk]),
    ):
        risposta = client.get(url, follow=True)
        assert risposta.status_code in (200, 403, 404)
        assert risposta.redirect_chain in ([], [(reverse("admin:index"), 302)])
        testo = risposta.content.decode()
        assert "Legname per falegnameria" not in testo
        assert "13.000,00" not in testo
        assert "Piazza del Comune" not in testo
    # The history pages load records by id: they must refuse too.
    for url in (
        reverse("admin:budget_prestazione_history", args=[prestazione.pk]),
        reverse("admin:budget_prestazione_simple_history", args=[prestazione.pk, versione]),
        reverse("admin:budget_tranche_history", args=[tranche_2024.pk]),
        reverse("admin:accordo_accordo_history", args=[accordo.pk]),
    ):
        risposta = client.get(url)
        assert risposta.status_code in (403, 404), url
        assert "Legname per falegnameria" not in risposta.content.decode()


def test_un_altro_consorzio_non_ripristina_versioni_di_questo_accordo(
    client, tranche_2024, crea_prestazione, dati_validi
):
    prestazione = crea_prestazione(tranche_2024, "432.10")
    versione = prestazione.history.get().history_id
    altro = crea_altro_accordo()
    client.force_login(altro["utente_consorzio"])
    url = reverse("admin:budget_prestazione_simple_history", args=[prestazione.pk, versione])
    risposta = client.post(url, {**dati_validi, "importo": "1,00"})
    assert risposta.status_code == 403
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("432.10")
    # Nor deletes them with the bulk action.
    client.post(
        reverse("admin:budget_prestazione_changelist"),
        {"action": "delete_selected", "_selected_action": [prestazione.pk], "post": "yes"},
    )
    assert Prestazione.objects.filter(pk=prestazione.pk).exists()


def test_il_superutente_vede_tutti_gli_accordi(client, superutente, tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "100.00")
    altro = crea_altro_accordo()
    client.force_login(superutente)
    elenco = client.get(reverse("admin:budget_prestazione_changelist"))
    assert set(righe_elenco(elenco)) == {prestazione.pk, altro["prestazione"].pk}
    assert "Per accordo" in elenco.content.decode()
    # With two agreements in reach each tranche choice names its agreement.
    pagina = client.get(reverse(URL_AGGIUNGI)).content.decode()
    assert "Accordo Crema Giovani" in pagina


# Closed periods (approved report) and laboratories


@pytest.fixture
def periodo_2024_chiuso(accordo):
    from accordo.models import PeriodoChiuso

    return PeriodoChiuso.objects.create(
        accordo=accordo, dal=date(2024, 9, 1), al=date(2024, 12, 31), motivo="rendiconto approvato"
    )


CHIUSO = "Il periodo 01/09/2024 - 31/12/2024 è chiuso (rendiconto approvato)"


def test_periodo_chiuso_niente_aggiunte_ne_modifiche(
    come_consorzio, tranche_2024, crea_prestazione, dati_validi, periodo_2024_chiuso
):
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), dati_validi)
    assert risposta.status_code == 200
    assert any(CHIUSO in e for e in errori(risposta)), errori(risposta)
    assert not Prestazione.objects.exists()

    periodo_2024_chiuso.delete()
    prestazione = crea_prestazione(tranche_2024, "100.00")
    periodo_2024_chiuso.save()
    url = reverse("admin:budget_prestazione_change", args=[prestazione.pk])
    risposta = come_consorzio.post(url, {**dati_modulo(come_consorzio.get(url)), "importo": "90"})
    assert risposta.status_code == 200
    assert any(CHIUSO in e for e in errori(risposta)), errori(risposta)
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("100.00")


def test_periodo_chiuso_niente_cancellazioni(
    come_consorzio, accordo, tranche_2024, tranche_2025, crea_prestazione
):
    from accordo.models import PeriodoChiuso

    chiusa = crea_prestazione(tranche_2024, "100.00")
    aperta = crea_prestazione(tranche_2025, "100.00")
    PeriodoChiuso.objects.create(
        accordo=accordo, dal=date(2024, 9, 1), al=date(2024, 12, 31), motivo="rendiconto approvato"
    )
    url = reverse("admin:budget_prestazione_delete", args=[chiusa.pk])
    for risposta in (come_consorzio.get(url), come_consorzio.post(url, {"post": "yes"})):
        assert risposta.status_code == 200
        testo = html.unescape(risposta.content.decode())
        assert "non si può cancellare" in testo
        assert CHIUSO in testo
    dati = {"action": "delete_selected", "_selected_action": [chiusa.pk, aperta.pk], "post": "yes"}
    risposta = come_consorzio.post(reverse("admin:budget_prestazione_changelist"), dati)
    assert risposta.status_code == 200
    assert "nessuna è stata cancellata" in risposta.content.decode()
    assert Prestazione.objects.count() == 2


def _laboratorio(accordo, cooperativa, titolo):
    from laboratori.models import Laboratorio

    return Laboratorio.objects.create(
        accordo=accordo,
        titolo=titolo,
        tipo="falegnameria",
        cooperativa=cooperativa,
        luogo="Cremona",
        data_inizio=accordo.data_inizio,
        data_fine=accordo.data_fine,
    )


def test_prestazione_di_un_laboratorio(come_consorzio, accordo, cooperativa_a, dati_validi):
    nostro = _laboratorio(accordo, cooperativa_a, "Falegnameria al Civico 81")
    altro = crea_altro_accordo()
    loro = _laboratorio(altro["accordo"], altro["utente_coop"].ente, "Ciclofficina di Crema")
    pagina = come_consorzio.get(reverse(URL_AGGIUNGI)).content.decode()
    assert "Falegnameria al Civico 81" in pagina
    assert "Ciclofficina di Crema" not in pagina
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), {**dati_validi, "laboratorio": loro.pk})
    assert risposta.status_code == 200
    assert any("Scegli un'opzione valida" in e for e in errori(risposta))
    risposta = come_consorzio.post(reverse(URL_AGGIUNGI), {**dati_validi, "laboratorio": nostro.pk})
    assert risposta.status_code == 302, errori(risposta)
    assert Prestazione.objects.get(laboratorio=nostro).importo == Decimal("1234.56")
