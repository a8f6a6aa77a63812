"""The home page: each role's dashboard.

Comune, Consorzio and the administrator see every agreement they may read
(its budget, spending by month, forecasts, reports, what waits for them,
recent changes); a cooperative sees its laboratories and the sessions that
look missing, and no money. The figures come from cruscotto.selectors; the
view only adds the charts, which are markup.

Nothing is kept in a cache: the figures are read at every request, so they
are never stale.
"""

from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accordo.context_processors import intestazione
from core import orologio
from core.formati import data_it
from core.ruoli import vede_importi
from cruscotto.grafici import istogramma_mensile
from cruscotto.selectors import CruscottoAccordo, cruscotto, cruscotto_cooperativa
from rendicontazione.access import scrive_rendiconti
from rendicontazione.grafici import barre_budget


@dataclass(frozen=True)
class Pannello:
    """One agreement of the dashboard with its two charts."""

    accordo: CruscottoAccordo

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


@require_safe
@login_required
def home(request):
    utente = request.user
    oggi = orologio.oggi()
    if not vede_importi(utente):
        if utente.ruolo is None and utente.is_staff:
            # Technical staff without an organisation work in the admin.
            return redirect("admin:index")
        # A cooperative's dashboard, which holds no amount: whoever may not
        # see money gets this one.
        return render(
            request,
            "cruscotto/cruscotto_cooperativa.html",
            {"cruscotto": cruscotto_cooperativa(utente, oggi=oggi)},
        )
    dati = cruscotto(utente, oggi=oggi, pagina=request.GET.get("pagina"))
    return render(
        request,
        "cruscotto/cruscotto.html",
        {
            "cruscotto": dati,
            "pannelli": [Pannello(accordo=accordo) for accordo in dati.accordi],
            "nuovo_rendiconto": scrive_rendiconti(utente),
            # The layout's heading, from the agreements already read: the
            # context processor's own query is then never run.
            "intestazione": intestazione(dati.primo_accordo),
        },
    )
