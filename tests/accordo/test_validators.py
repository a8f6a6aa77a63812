"""Italian tax identifiers: partita IVA and codice fiscale checksums."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.it import codicefiscale

from accordo.models import Ente, TipoEnte
from accordo.validators import normalizza_codice, valida_codice_fiscale, valida_partita_iva

COMUNE = "00297960197"
CONSORZIO = "00903210193"
PERSONA = "RSSMRA85T10A562S"


def ultima_cifra_sbagliata(codice: str) -> str:
    return codice[:-1] + str((int(codice[-1]) + 1) % 10)


def errore(funzione, valore) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        funzione(valore)
    return exc.value


# Partita IVA


@pytest.mark.parametrize("valore", [COMUNE, CONSORZIO, f"IT{COMUNE}", " 0029 7960197 "])
def test_valid_partita_iva_is_accepted(valore):
    valida_partita_iva(valore)


@pytest.mark.parametrize("valore", [COMUNE, CONSORZIO])
def test_partita_iva_with_wrong_check_digit_is_refused(valore):
    sbagliata = ultima_cifra_sbagliata(valore)
    exc = errore(valida_partita_iva, sbagliata)
    assert exc.code == "checksum"
    assert exc.messages == [
        f"La partita IVA «{sbagliata}» non è valida: la cifra di controllo non torna."
    ]


@pytest.mark.parametrize("valore", ["0029796019", "002979601970", "0029796019A", ""])
def test_partita_iva_of_wrong_length_or_not_digits_is_refused(valore):
    exc = errore(valida_partita_iva, valore)
    assert exc.code == "formato"
    assert "deve avere 11 cifre" in exc.messages[0]


# Codice fiscale


def test_the_sample_personal_code_is_valid_for_stdnum():
    # Guards the fixture itself: the test below relies on it being valid.
    assert codicefiscale.is_valid(PERSONA)


@pytest.mark.parametrize("valore", [COMUNE, CONSORZIO, PERSONA, PERSONA.lower()])
def test_valid_codice_fiscale_is_accepted(valore):
    valida_codice_fiscale(valore)


def test_numeric_codice_fiscale_with_wrong_check_digit_is_refused():
    exc = errore(valida_codice_fiscale, ultima_cifra_sbagliata(COMUNE))
    assert exc.code == "checksum"
    assert "la cifra di controllo non torna" in exc.messages[0]


def test_personal_codice_fiscale_with_wrong_check_character_is_refused():
    sbagliato = PERSONA[:-1] + ("A" if PERSONA[-1] != "A" else "B")
    exc = errore(valida_codice_fiscale, sbagliato)
    assert exc.code == "checksum"
    assert "il carattere di controllo non torna" in exc.messages[0]


@pytest.mark.parametrize(
    ("valore", "parola"),
    [
        ("0029796019", "deve avere 11 cifre"),
        ("002979601970", "deve avere 11 cifre"),
        (PERSONA[:-1], "16 caratteri"),
        (PERSONA + "X", "16 caratteri"),
    ],
)
def test_codice_fiscale_of_wrong_length_is_refused(valore, parola):
    exc = errore(valida_codice_fiscale, valore)
    assert exc.code == "formato"
    assert parola in exc.messages[0]


def test_normalizza_codice_removes_spaces_case_and_country_prefix():
    assert normalizza_codice(" it 00297 960197 ") == COMUNE
    assert normalizza_codice("rssmra85t10a562s") == PERSONA
    assert normalizza_codice(None) == ""


# Through the model


@pytest.mark.django_db
def test_ente_full_clean_refuses_a_wrong_partita_iva_in_italian():
    ente = Ente(nome="Fornitore", tipo=TipoEnte.FORNITORE, partita_iva="00297960198")
    with pytest.raises(ValidationError) as exc:
        ente.full_clean()
    assert exc.value.message_dict["partita_iva"] == [
        "La partita IVA «00297960198» non è valida: la cifra di controllo non torna."
    ]


@pytest.mark.django_db
def test_ente_full_clean_refuses_a_wrong_codice_fiscale_in_italian():
    ente = Ente(nome="Persona", tipo=TipoEnte.FORNITORE, codice_fiscale="RSSMRA85T10A562T")
    with pytest.raises(ValidationError) as exc:
        ente.full_clean()
    assert "il carattere di controllo non torna" in exc.value.message_dict["codice_fiscale"][0]


@pytest.mark.django_db
def test_ente_full_clean_accepts_valid_codes_and_normalises_case():
    ente = Ente(
        nome="Persona fisica",
        tipo=TipoEnte.FORNITORE,
        codice_fiscale=PERSONA.lower(),
        partita_iva=CONSORZIO,
    )
    ente.full_clean()
    assert ente.codice_fiscale == PERSONA
