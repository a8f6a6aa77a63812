"""A history "revert" in the admin is a change: users who may only read a
record cannot rewrite it through django-simple-history's revert page."""

from decimal import Decimal

from budget.models import Prestazione


def test_view_only_user_cannot_revert_a_prestazione(
    client, tranche_2024, crea_prestazione, utente_comune, utente_consorzio
):
    prestazione = crea_prestazione(tranche_2024, "100.00")
    vecchia = prestazione.history.earliest()
    prestazione.importo = Decimal("200.00")
    from budget import services

    services.prestazione_salva(prestazione=prestazione, utente=utente_consorzio)
    url = f"/admin/budget/prestazione/{prestazione.pk}/history/{vecchia.history_id}/"

    client.force_login(utente_comune)
    assert client.get(url).status_code == 200  # reading the old version is allowed
    risposta = client.post(
        url,
        {
            "tranche": tranche_2024.pk,
            "tipo": "servizi",
            "fornitore": prestazione.fornitore_id,
            "descrizione": prestazione.descrizione,
            "data": "01/09/2024",
            "importo": "100,00",
        },
    )
    assert risposta.status_code == 403
    prestazione.refresh_from_db()
    assert prestazione.importo == Decimal("200.00")
    assert Prestazione.history.filter(id=prestazione.pk).count() == 2
