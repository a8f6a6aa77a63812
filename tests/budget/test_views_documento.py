"""Receipts of prestazioni: checked by content and size on upload, kept under
PRIVATE_MEDIA_ROOT with no public URL, and streamed only to the users who
may see the prestazione."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from budget.models import Prestazione
from tests.budget.test_admin import crea_altro_accordo, dati_modulo, errori

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
URL_AGGIUNGI = "admin:budget_prestazione_add"


def file_privati() -> set[Path]:
    radice = Path(settings.PRIVATE_MEDIA_ROOT)
    return {p for p in radice.rglob("*") if p.is_file()}


@pytest.fixture
def dati(tranche_2024, fornitore) -> dict:
    return {
        "tranche": str(tranche_2024.pk),
        "tipo": "beni_consumo",
        "fornitore": str(fornitore.pk),
        "descrizione": "Legname per il laboratorio",
        "data": "15/10/2024",
        "importo": "612,40",
        "numero_documento": "R-77",
        "data_documento": "15/10/2024",
    }


@pytest.fixture
def come_consorzio(client, utente_consorzio):
    client.force_login(utente_consorzio)
    return client


def carica(client, dati, nome, contenuto, tipo="application/pdf"):
    documento = SimpleUploadedFile(nome, contenuto, content_type=tipo)
    return client.post(reverse(URL_AGGIUNGI), {**dati, "documento": documento})


@pytest.fixture
def prestazione_con_ricevuta(come_consorzio, dati) -> Prestazione:
    risposta = carica(come_consorzio, dati, "ricevuta.pdf", PDF)
    assert risposta.status_code == 302, errori(risposta)
    return Prestazione.objects.get()


def test_la_ricevuta_e_salvata_fuori_dai_file_pubblici(prestazione_con_ricevuta):
    percorso = Path(prestazione_con_ricevuta.documento.path).resolve()
    assert percorso.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not percorso.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    for cartella in settings.STATICFILES_DIRS:
        assert not percorso.is_relative_to(Path(cartella).resolve())
    assert percorso.read_bytes() == PDF
    with pytest.raises(ValueError, match="non hanno un indirizzo pubblico"):
        prestazione_con_ricevuta.documento.url  # noqa: B018


def test_la_pagina_collega_la_vista_protetta(come_consorzio, prestazione_con_ricevuta):
    url = reverse("admin:budget_prestazione_change", args=[prestazione_con_ricevuta.pk])
    testo = come_consorzio.get(url).content.decode()
    vista = f"/budget/prestazioni/{prestazione_con_ricevuta.pk}/documento/"
    assert f'href="{vista}"' in testo
    nome = prestazione_con_ricevuta.documento.name
    assert f'href="{nome}' not in testo
    assert str(settings.PRIVATE_MEDIA_ROOT) not in testo
    assert "/media/" not in testo
    # The changelist flags which prestazioni have a receipt.
    elenco = come_consorzio.get(reverse("admin:budget_prestazione_changelist")).content.decode()
    assert "icon-yes.svg" in elenco


def test_il_comune_in_sola_lettura_vede_il_collegamento(
    client, utente_comune, prestazione_con_ricevuta
):
    client.force_login(utente_comune)
    url = reverse("admin:budget_prestazione_change", args=[prestazione_con_ricevuta.pk])
    risposta = client.get(url)
    assert risposta.status_code == 200
    testo = risposta.content.decode()
    assert f'href="/budget/prestazioni/{prestazione_con_ricevuta.pk}/documento/"' in testo
    assert 'type="file"' not in testo


def test_la_versione_storica_collega_la_vista_protetta(come_consorzio, prestazione_con_ricevuta):
    versione = prestazione_con_ricevuta.history.get().history_id
    url = reverse(
        "admin:budget_prestazione_simple_history", args=[prestazione_con_ricevuta.pk, versione]
    )
    risposta = come_consorzio.get(url)
    assert risposta.status_code == 200
    assert f"/budget/prestazioni/{prestazione_con_ricevuta.pk}/documento/" in (
        risposta.content.decode()
    )


@pytest.mark.parametrize("chi", ["utente_consorzio", "utente_comune", "superutente"])
def test_la_vista_serve_la_ricevuta_a_chi_vede_la_prestazione(
    client, request, chi, prestazione_con_ricevuta
):
    client.force_login(request.getfixturevalue(chi))
    risposta = client.get(
        reverse("budget:documento_prestazione", args=[prestazione_con_ricevuta.pk])
    )
    assert risposta.status_code == 200
    assert risposta["Content-Type"] == "application/pdf"
    assert risposta["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in risposta["Cache-Control"]
    assert risposta["Content-Disposition"].startswith("inline")
    assert b"".join(risposta.streaming_content) == PDF


@pytest.mark.parametrize(
    ("nome", "contenuto", "tipo"),
    [("foto.jpg", JPEG, "image/jpeg"), ("scansione.png", PNG, "image/png")],
)
def test_jpeg_e_png_accettati(come_consorzio, dati, nome, contenuto, tipo):
    risposta = carica(come_consorzio, dati, nome, contenuto, tipo)
    assert risposta.status_code == 302, errori(risposta)
    prestazione = Prestazione.objects.get()
    servito = come_consorzio.get(reverse("budget:documento_prestazione", args=[prestazione.pk]))
    assert servito["Content-Type"] == tipo


def test_la_vista_nega_a_chi_non_vede_la_prestazione(
    client, utente_coop_a, prestazione_con_ricevuta
):
    url = reverse("budget:documento_prestazione", args=[prestazione_con_ricevuta.pk])
    client.logout()
    anonimo = client.get(url)
    assert anonimo.status_code == 302
    assert anonimo["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next=")

    client.force_login(utente_coop_a)  # a cooperative of the same consortium
    assert client.get(url).status_code == 404

    altro = crea_altro_accordo()
    for chi in ("utente_comune", "utente_consorzio", "utente_coop"):
        client.force_login(altro[chi])
        risposta = client.get(url)
        assert risposta.status_code == 404
        assert PDF not in risposta.content
    assert client.post(url).status_code == 405


def test_senza_ricevuta_la_vista_risponde_404(come_consorzio, tranche_2024, crea_prestazione):
    prestazione = crea_prestazione(tranche_2024, "10.00")
    url = reverse("budget:documento_prestazione", args=[prestazione.pk])
    assert come_consorzio.get(url).status_code == 404


def _sopra_il_limite() -> bytes:
    return b"%PDF-" + b"\0" * (settings.MAX_UPLOAD_SIZE + 1 - 5)


@pytest.mark.parametrize(
    ("nome", "contenuto", "tipo", "messaggio"),
    [
        (
            "fattura.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 64,
            "application/pdf",
            "Il file non è un PDF, un JPEG o un PNG",
        ),
        (
            "foto.png",
            b"\x7fELF\x02\x01\x01\x00" + b"\0" * 64,
            "image/png",
            "Il file non è un PDF, un JPEG o un PNG",
        ),
        (
            "scontrino.jpg",
            b"Totale 12,50 EUR\nGrazie e arrivederci\n",
            "image/jpeg",
            "Il file non è un PDF, un JPEG o un PNG",
        ),
        (
            "pagina.pdf",
            b"<html><script>alert(1)</script></html>",
            "application/pdf",
            "Il file non è un PDF, un JPEG o un PNG",
        ),
        ("vuoto.pdf", b"", "application/pdf", "Il file inviato è vuoto."),
        ("grande.pdf", None, "application/pdf", "il massimo consentito è 10 MB"),
    ],
)
def test_caricamenti_rifiutati(come_consorzio, dati, nome, contenuto, tipo, messaggio):
    prima = file_privati()
    if contenuto is None:
        contenuto = _sopra_il_limite()
    risposta = carica(come_consorzio, dati, nome, contenuto, tipo)
    assert risposta.status_code == 200
    assert any(messaggio in e for e in errori(risposta)), errori(risposta)
    assert not Prestazione.objects.exists()
    assert file_privati() == prima


def test_esattamente_10_mb_accettato(come_consorzio, dati):
    contenuto = b"%PDF-" + b"\0" * (settings.MAX_UPLOAD_SIZE - 5)
    risposta = carica(come_consorzio, dati, "grande.pdf", contenuto)
    assert risposta.status_code == 302, errori(risposta)


def test_sostituire_e_togliere_la_ricevuta(come_consorzio, prestazione_con_ricevuta):
    url = reverse("admin:budget_prestazione_change", args=[prestazione_con_ricevuta.pk])
    dati = dati_modulo(come_consorzio.get(url))

    # Saving without touching the file keeps it.
    assert come_consorzio.post(url, {**dati, "descrizione": "Rivista"}).status_code == 302
    prestazione_con_ricevuta.refresh_from_db()
    assert prestazione_con_ricevuta.documento.read() == PDF
    prestazione_con_ricevuta.documento.close()

    # A bad replacement is refused and the old receipt stays.
    cattivo = SimpleUploadedFile("nuova.pdf", b"MZ" + b"\0" * 32, content_type="application/pdf")
    risposta = come_consorzio.post(url, {**dati, "documento": cattivo})
    assert risposta.status_code == 200
    assert any("Il file non è un PDF" in e for e in errori(risposta))
    prestazione_con_ricevuta.refresh_from_db()
    assert prestazione_con_ricevuta.documento.name.endswith(".pdf")

    nuovo = SimpleUploadedFile("nuova.png", PNG, content_type="image/png")
    assert come_consorzio.post(url, {**dati, "documento": nuovo}).status_code == 302
    prestazione_con_ricevuta.refresh_from_db()
    assert prestazione_con_ricevuta.documento.name.endswith(".png")

    assert come_consorzio.post(url, {**dati, "documento-clear": "on"}).status_code == 302
    prestazione_con_ricevuta.refresh_from_db()
    assert not prestazione_con_ricevuta.documento


def _percorsi(risolutore, prefisso=""):
    for voce in risolutore.url_patterns:
        if isinstance(voce, URLResolver):
            yield from _percorsi(voce, prefisso + str(voce.pattern))
        elif isinstance(voce, URLPattern):
            yield prefisso + str(voce.pattern), voce.callback


def test_nessun_indirizzo_serve_la_cartella_privata(client, prestazione_con_ricevuta):
    for percorso, vista in _percorsi(get_resolver()):
        assert vista is not serve, percorso
        assert getattr(vista, "__wrapped__", None) is not serve, percorso
    nome = prestazione_con_ricevuta.documento.name
    client.logout()
    for url in (f"/{nome}", f"/media/{nome}", f"/static/{nome}", f"/private/{nome}"):
        risposta = client.get(url)
        assert risposta.status_code == 404, url


def test_file_mancante_sul_disco(come_consorzio, prestazione_con_ricevuta):
    """A record whose file went missing (e.g. a partial restore): the view
    answers 404 and the record can still be edited, never a 500."""
    Path(prestazione_con_ricevuta.documento.path).unlink()
    url = reverse("budget:documento_prestazione", args=[prestazione_con_ricevuta.pk])
    assert come_consorzio.get(url).status_code == 404
    modifica = reverse("admin:budget_prestazione_change", args=[prestazione_con_ricevuta.pk])
    dati = {**dati_modulo(come_consorzio.get(modifica)), "descrizione": "Rivista"}
    assert come_consorzio.post(modifica, dati).status_code == 302
    prestazione_con_ricevuta.refresh_from_db()
    assert prestazione_con_ricevuta.descrizione == "Rivista"
