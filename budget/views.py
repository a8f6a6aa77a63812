from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from budget.access import prestazioni_visibili
from core.validators import tipo_allegato

CONTENT_TYPES = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png"}


@require_GET
@login_required
def documento_prestazione(request, pk: int):
    """Stream a prestazione's receipt to a user allowed to see the prestazione."""
    prestazione = get_object_or_404(prestazioni_visibili(request.user), pk=pk)
    if not prestazione.documento:
        raise Http404
    try:
        file = prestazione.documento.open("rb")
    except OSError as exc:  # the record survived, its file did not (e.g. a partial restore)
        raise Http404 from exc
    tipo = tipo_allegato(file.read(16))
    file.seek(0)
    if tipo is None:
        file.close()
        raise Http404
    risposta = FileResponse(
        file,
        content_type=CONTENT_TYPES[tipo],
        as_attachment=False,
        filename=prestazione.documento.name.rsplit("/", 1)[-1],
    )
    risposta["X-Content-Type-Options"] = "nosniff"
    risposta["Cache-Control"] = "private, no-store"
    return risposta
