"""The home page: each role's dashboard.

Comune, Consorzio and the administrator see every agreement they may read
(its budget, spending by month, forecasts, reports, what waits for them,
recent changes); a cooperative sees its laboratories and the sessions that
look missing, and no money. The figures come from core.selectors; the view
only adds the charts, which are markup.

Each agreement's section is kept in the cache (see Pannello.chiave), so the
charts and the longest markup are drawn only when its figures change.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.context_processors import intestazione
from core.formati import data_it
from core.grafici import istogramma_mensile
from core.impronta import DURATA, memorizzato
from core.models import Ruolo
from core.selectors import CruscottoAccordo, chiave_cruscotto, cruscotto, cruscotto_cooperativa
from laboratori import services as servizi_laboratori
from rendicontazione.grafici import barre_budget


@dataclass(frozen=True)
class Pannello:
    """One agreement of the dashboard with its two charts.

    The template caches the agreement's markup under `chiave`, a digest of
    everything the section shows: the agreement's figures (every field of
    CruscottoAccordo, which repr() lists) and the day. Any change of a
    figure gives another key, so a cached section is never stale; the
    charts, drawn only when the section is rendered, then cost nothing."""

    accordo: CruscottoAccordo
    oggi: date

    @cached_property
    def chiave(self) -> str:
        return hashlib.sha256(repr((self.oggi, self.accordo)).encode()).hexdigest()

    @cached_property
    def grafico_budget(self) -> SafeString:
        stato = self.accordo.stato
        righe = [
            (_("Tranche %(etichetta)s") % {"etichetta": t.etichetta}, t.utilizzato, t.disponibile)
            for t in stato.tranche
        ]
        righe.append(
            (
                _("Tetto quota progettazione"),
                stato.progettazione.utilizzato,
                stato.progettazione.disponibile,
            )
        )
        budget = barre_budget(
            righe, titolo=_("Budget utilizzato e disponibile"), ident=f"budget-{stato.accordo_id}"
        )
        # SVG built by our own code, with every text escaped there.
        return mark_safe(budget)  # noqa: S308

    @cached_property
    def grafico_mensile(self) -> SafeString:
        stato = self.accordo.stato
        mensile = istogramma_mensile(
            self.accordo.spesa_mensile,
            titolo=_("Spesa per mese, %(dal)s – %(al)s")
            % {"dal": data_it(stato.data_inizio), "al": data_it(stato.data_fine)},
            ident=f"mensile-{stato.accordo_id}",
        )
        # SVG built by our own code, with every text escaped there.
        return mark_safe(mensile)  # noqa: S308


def _url_prestazioni() -> str | None:
    # The prestazioni list is being built in the budget app; until its URL
    # exists the dashboard simply shows no link.
    try:
        return reverse("budget:prestazioni")
    except NoReverseMatch:
        return None


@require_safe
@login_required
def home(request):
    utente = request.user
    ruolo = utente.ruolo
    # The laboratories' clock, which tests freeze: the same "today" as the
    # session pages.
    oggi = servizi_laboratori.oggi()
    if ruolo == Ruolo.COOPERATIVA:
        return render(
            request,
            "core/cruscotto_cooperativa.html",
            {"cruscotto": cruscotto_cooperativa(utente, oggi=oggi)},
        )
    if ruolo is None and utente.is_staff:
        # Technical staff without an organisation work in the admin.
        return redirect("admin:index")
    # The page's content is kept in the cache under the same key as the
    # figures (the fingerprint of the data, the user, the day): while nothing
    # changes the figures are not even read back from the cache.
    chiave = chiave_cruscotto(utente, oggi)
    dati = SimpleLazyObject(lambda: cruscotto(utente, oggi=oggi, chiave=chiave))
    consorzio = ruolo == Ruolo.CONSORZIO
    return render(
        request,
        "core/cruscotto.html",
        {
            "cruscotto": dati,
            "pannelli": SimpleLazyObject(
                lambda: [Pannello(accordo=accordo, oggi=oggi) for accordo in dati.accordi]
            ),
            "url_prestazioni": _url_prestazioni(),
            "consorzio": consorzio,
            "chiave_pagina": hashlib.sha256(
                repr((chiave, consorzio, get_language())).encode()
            ).hexdigest(),
            "durata_pagina": DURATA,
            # The layout's heading, from the agreements already read: the
            # context processor's own query is then never run.
            "intestazione": memorizzato(
                ("intestazione", chiave), lambda: intestazione(dati.primo_accordo)
            ),
        },
    )
