"""Closed periods: once a report is approved, its period's figures stay put."""

from datetime import date

from accordo.models import PeriodoChiuso
from core.formati import data_it


def errore_periodo_chiuso(accordo_id: int, *giorni: date | None) -> str | None:
    """The Italian refusal when any of `giorni` falls in a closed period."""
    giorni = [g for g in giorni if g is not None]
    if not giorni:
        return None
    for periodo in PeriodoChiuso.objects.filter(
        accordo_id=accordo_id, dal__lte=max(giorni), al__gte=min(giorni)
    ):
        for giorno in giorni:
            if periodo.dal <= giorno <= periodo.al:
                return (
                    f"Il periodo {data_it(periodo.dal)} - {data_it(periodo.al)} è chiuso "
                    f"({periodo.motivo}): i dati del {data_it(giorno)} non si possono più "
                    "inserire, modificare o cancellare."
                )
    return None
