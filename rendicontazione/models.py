"""Periodic reports (rendiconti) and their review workflow.

bozza -> inviato (Consorzio) -> approvato (Comune)
                             -> da_integrare (Comune, with remarks) -> inviato ...

Each submission (Invio) freezes the summary and the PDF as they were sent,
so later changes of the data never alter what the Comune received.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.formati import data_it
from core.storage import private_storage


class StatoRendiconto(models.TextChoices):
    BOZZA = "bozza", _("Bozza")
    INVIATO = "inviato", _("Inviato")
    DA_INTEGRARE = "da_integrare", _("Da integrare")
    APPROVATO = "approvato", _("Approvato")


class TipoRendiconto(models.TextChoices):
    PERIODICO = "periodico", _("Periodico")
    FINALE = "finale", _("Finale")


class Rendiconto(models.Model):
    accordo = models.ForeignKey(
        "accordo.Accordo",
        verbose_name=_("accordo"),
        on_delete=models.PROTECT,
        related_name="rendiconti",
    )
    dal = models.DateField(_("dal"))
    al = models.DateField(_("al"))
    tipo = models.CharField(
        _("tipo"), max_length=20, choices=TipoRendiconto.choices, default=TipoRendiconto.PERIODICO
    )
    stato = models.CharField(
        _("stato"),
        max_length=20,
        choices=StatoRendiconto.choices,
        default=StatoRendiconto.BOZZA,
        editable=False,
    )
    attivita_svolte = models.TextField(
        _("attività svolte"),
        blank=True,
        help_text=_("Cosa è stato fatto nel periodo. Non indicare nomi dei ragazzi."),
    )
    risultati = models.TextField(_("risultati"), blank=True)
    criticita = models.TextField(_("criticità"), blank=True)
    prospettive = models.TextField(_("prospettive e prossimi passi"), blank=True)
    creato_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creato da"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    creato_il = models.DateTimeField(_("creato il"), auto_now_add=True)
    modificato_il = models.DateTimeField(_("modificato il"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rendiconto")
        verbose_name_plural = _("rendiconti")
        ordering = ["accordo", "-dal"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(al__gte=models.F("dal")), name="rendiconto_periodo"
            )
        ]

    def __str__(self):
        return (
            f"Rendiconto {self.get_tipo_display().lower()} {data_it(self.dal)} - {data_it(self.al)}"
        )

    @property
    def modificabile(self) -> bool:
        return self.stato in (StatoRendiconto.BOZZA, StatoRendiconto.DA_INTEGRARE)


class Invio(models.Model):
    """One submission of a report: the summary and PDF frozen as sent."""

    rendiconto = models.ForeignKey(
        Rendiconto, verbose_name=_("rendiconto"), on_delete=models.CASCADE, related_name="invii"
    )
    numero = models.PositiveSmallIntegerField(_("numero"))
    riepilogo = models.JSONField(_("riepilogo"))
    narrativa = models.JSONField(_("narrativa"))
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to="rendiconti/%Y/")
    inviato_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inviato da"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    inviato_il = models.DateTimeField(_("inviato il"), auto_now_add=True)

    class Meta:
        verbose_name = _("invio")
        verbose_name_plural = _("invii")
        ordering = ["rendiconto", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["rendiconto", "numero"], name="invio_numero_unico")
        ]

    def __str__(self):
        return f"Invio n. {self.numero}"


class Transizione(models.Model):
    """Who moved the report from which state to which, when, and why."""

    rendiconto = models.ForeignKey(
        Rendiconto,
        verbose_name=_("rendiconto"),
        on_delete=models.CASCADE,
        related_name="transizioni",
    )
    da_stato = models.CharField(_("da"), max_length=20, choices=StatoRendiconto.choices)
    a_stato = models.CharField(_("a"), max_length=20, choices=StatoRendiconto.choices)
    utente = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utente"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    quando = models.DateTimeField(_("quando"), auto_now_add=True)
    osservazioni = models.TextField(_("osservazioni"), blank=True)

    class Meta:
        verbose_name = _("passaggio di stato")
        verbose_name_plural = _("passaggi di stato")
        ordering = ["rendiconto", "quando", "pk"]

    def __str__(self):
        return f"{self.get_da_stato_display()} → {self.get_a_stato_display()}"


class Osservazione(models.Model):
    """A Comune remark on a single prestazione or session of a report sent back."""

    transizione = models.ForeignKey(
        Transizione,
        verbose_name=_("passaggio di stato"),
        on_delete=models.CASCADE,
        related_name="osservazioni_voci",
    )
    prestazione = models.ForeignKey(
        "budget.Prestazione",
        verbose_name=_("prestazione"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="osservazioni",
    )
    sessione = models.ForeignKey(
        "laboratori.Sessione",
        verbose_name=_("sessione"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="osservazioni",
    )
    testo = models.TextField(_("osservazione"))

    class Meta:
        verbose_name = _("osservazione")
        verbose_name_plural = _("osservazioni")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(prestazione__isnull=False) | models.Q(sessione__isnull=False),
                name="osservazione_su_una_voce",
            )
        ]

    def __str__(self):
        return self.testo[:60]
