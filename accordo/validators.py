"""Italian tax identifiers, checked with their checksum (python-stdnum)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.it import codicefiscale, iva


def normalizza_codice(valore: str) -> str:
    return "".join((valore or "").split()).upper().removeprefix("IT")


def valida_partita_iva(valore: str) -> None:
    codice = normalizza_codice(valore)
    if not codice.isdigit() or len(codice) != 11:
        raise ValidationError(
            _("La partita IVA «%(v)s» deve avere 11 cifre.") % {"v": valore}, code="formato"
        )
    if not iva.is_valid(codice):
        raise ValidationError(
            _("La partita IVA «%(v)s» non è valida: la cifra di controllo non torna.")
            % {"v": valore},
            code="checksum",
        )


def valida_codice_fiscale(valore: str) -> None:
    """A codice fiscale is either an organisation's 11 digits (same checksum as
    a partita IVA) or a person's 16 characters."""
    codice = normalizza_codice(valore)
    if codice.isdigit():
        if len(codice) != 11:
            raise ValidationError(
                _("Il codice fiscale numerico «%(v)s» deve avere 11 cifre.") % {"v": valore},
                code="formato",
            )
        if not iva.is_valid(codice):
            raise ValidationError(
                _("Il codice fiscale «%(v)s» non è valido: la cifra di controllo non torna.")
                % {"v": valore},
                code="checksum",
            )
        return
    if len(codice) != 16:
        raise ValidationError(
            _("Il codice fiscale «%(v)s» deve avere 16 caratteri (persona) o 11 cifre (ente).")
            % {"v": valore},
            code="formato",
        )
    if not codicefiscale.is_valid(codice):
        raise ValidationError(
            _("Il codice fiscale «%(v)s» non è valido: il carattere di controllo non torna.")
            % {"v": valore},
            code="checksum",
        )
