"""Participants are minors: nothing in the laboratori models identifies them
(laboratori/models.py): no field whose name suggests a person's identity, no
free text and no date about a participant, a code generated, not typed.
"""

import pytest
from django.apps import apps
from django.db import models

from laboratori.models import Partecipante

# Parts of a field name that would mean a person's identity is stored
# (anywhere in the name: "cognome_ragazzo", "datanascita" ...).
IDENTIFICATIVI = (
    "nome",
    "name",
    "fiscale",
    "nascita",
    "birth",
    "indirizzo",
    "address",
    "residenza",
    "domicilio",
    "telefono",
    "cellulare",
    "phone",
    "mail",
    "foto",
    "documento",
    "genitore",
    "tutore",
)
# Short words matched only as a whole part of the name ("pec", not "specifico").
IDENTIFICATIVI_BREVI = {"cf", "pec", "tel", "cell", "classe"}


def sospetto(nome: str) -> bool:
    nome = nome.lower()
    return any(parola in nome for parola in IDENTIFICATIVI) or bool(
        set(nome.split("_")) & IDENTIFICATIVI_BREVI
    )


@pytest.mark.parametrize(
    "nome",
    [
        "nome",
        "cognome",
        "codice_fiscale",
        "data_nascita",
        "luogo_di_nascita",
        "indirizzo",
        "telefono",
        "email",
        "pec",
        "cf",
        "nome_genitore",
        "first_name",
    ],
)
def test_the_check_recognises_identity_fields(nome):
    assert sospetto(nome)


@pytest.mark.parametrize(
    "nome", ["codice", "fascia_eta", "genere", "specifico", "servizio_inviante"]
)
def test_the_check_lets_categories_through(nome):
    assert not sospetto(nome)


CAMPI_TECNICI = {"history_user", "history_change_reason"}  # django-simple-history


def modelli_laboratori():
    return list(apps.get_app_config("laboratori").get_models())


def test_the_app_has_the_expected_models():
    nomi = {m.__name__ for m in modelli_laboratori()}
    assert {"Laboratorio", "Sessione", "Partecipante", "Presenza", "PartnerLaboratorio"} <= nomi
    assert "HistoricalPresenza" in nomi  # history models are checked too


@pytest.mark.parametrize("modello", modelli_laboratori(), ids=lambda m: m.__name__)
def test_no_field_name_suggests_a_personal_identity(modello):
    sospetti = [
        campo.name
        for campo in modello._meta.get_fields()
        if campo.name not in CAMPI_TECNICI and sospetto(campo.name)
    ]
    assert sospetti == [], f"{modello.__name__}: {sospetti}"


def test_partecipante_has_no_free_text():
    for campo in Partecipante._meta.get_fields():
        assert not isinstance(campo, models.TextField), campo.name
        if isinstance(campo, models.CharField) and campo.name != "codice":
            assert campo.choices, f"{campo.name} è testo libero"
    testuali = {
        campo.name
        for campo in Partecipante._meta.get_fields()
        if isinstance(campo, models.CharField)
    }
    assert testuali == {"codice", "fascia_eta", "genere", "livello_scolastico", "servizio_inviante"}


def test_partecipante_stores_no_date_but_its_registration():
    date_ = [
        campo.name
        for campo in Partecipante._meta.get_fields()
        if isinstance(campo, models.DateField)
    ]
    assert date_ == ["creato_il"]


def test_the_participant_code_is_generated_not_typed():
    campo = Partecipante._meta.get_field("codice")
    assert not campo.editable
    assert campo.max_length <= 12
