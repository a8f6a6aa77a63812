"""Validators shared by every app."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Signatures of the accepted attachment types: the type is judged by the
# content, never by the file name, so a renamed executable is refused.
FIRME_ALLEGATI = {
    b"%PDF-": "PDF",
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
}


def tipo_allegato(intestazione: bytes) -> str | None:
    for firma, tipo in FIRME_ALLEGATI.items():
        if intestazione.startswith(firma):
            return tipo
    return None


def valida_allegato(file) -> None:
    if getattr(file, "_committed", False):
        # Already stored: it was checked on upload. Reading it back on every
        # save of its record would fail (500) if the file went missing.
        return
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("Il file pesa %(mb).1f MB: il massimo consentito è %(max)d MB.")
            % {"mb": file.size / 1024 / 1024, "max": settings.MAX_UPLOAD_SIZE // 1024 // 1024},
            code="troppo_grande",
        )
    posizione = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    intestazione = file.read(16)
    file.seek(posizione)
    if tipo_allegato(intestazione) is None:
        raise ValidationError(
            _(
                "Il file non è un PDF, un JPEG o un PNG: caricare la ricevuta in uno di questi formati."
            ),
            code="tipo_non_ammesso",
        )
