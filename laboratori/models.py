"""Laboratories, their sessions and the attendance of pseudonymous participants.

Participants are minors, some followed by child-protection services: the
model stores no name, no fiscal code, no birth date and no free text about a
person, only a code generated here and a few coarse categories.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accordo.models import TipoEnte
from core.formati import data_it


class TipoLaboratorio(models.TextChoices):
    CICLOFFICINA = "ciclofficina", _("Ciclofficina")
    FALEGNAMERIA = "falegnameria", _("Falegnameria")
    DOPOSCUOLA = "doposcuola", _("Doposcuola")
    CENTRO_ESTIVO = "centro_estivo", _("Centro estivo")
    EDUCATIVA_TERRITORIALE = "educativa_territoriale", _("Educativa territoriale")
    CUCINA = "cucina", _("Cucina e autonomia")
    ESPRESSIVO = "espressivo", _("Laboratorio espressivo (arte, musica, teatro)")
    SPORT = "sport", _("Sport e movimento")
    ALTRO = "altro", _("Altro")


class StatoLaboratorio(models.TextChoices):
    PROGRAMMATO = "programmato", _("Programmato")
    ATTIVO = "attivo", _("Attivo")
    SOSPESO = "sospeso", _("Sospeso")
    CONCLUSO = "concluso", _("Concluso")


class Laboratorio(models.Model):
    """A laboratory or experiential activity for pre-adolescents and
    adolescents, run by one member cooperative."""

    accordo = models.ForeignKey(
        "accordo.Accordo",
        verbose_name=_("accordo"),
        on_delete=models.PROTECT,
        related_name="laboratori",
    )
    titolo = models.CharField(_("titolo"), max_length=200)
    tipo = models.CharField(_("tipo"), max_length=30, choices=TipoLaboratorio.choices)
    cooperativa = models.ForeignKey(
        "accordo.Ente",
        verbose_name=_("cooperativa"),
        on_delete=models.PROTECT,
        related_name="laboratori",
        limit_choices_to={"tipo": TipoEnte.COOPERATIVA},
        help_text=_("La cooperativa consorziata che gestisce il laboratorio."),
    )
    luogo = models.CharField(_("luogo"), max_length=200, help_text=_("Es. «Civico 81, Cremona»."))
    descrizione = models.TextField(_("descrizione"), blank=True)
    data_inizio = models.DateField(_("dal"))
    data_fine = models.DateField(_("al"))
    obiettivi = models.ManyToManyField(
        "accordo.Obiettivo",
        verbose_name=_("obiettivi dell'accordo"),
        related_name="laboratori",
        blank=True,
    )
    eta_minima = models.PositiveSmallIntegerField(
        _("età minima"), default=11, validators=[MinValueValidator(6), MaxValueValidator(25)]
    )
    eta_massima = models.PositiveSmallIntegerField(
        _("età massima"), default=17, validators=[MinValueValidator(6), MaxValueValidator(25)]
    )
    sessioni_previste = models.PositiveIntegerField(
        _("incontri previsti"), default=0, validators=[MaxValueValidator(1000)]
    )
    ore_previste = models.DecimalField(
        _("ore previste"),
        max_digits=7,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))],
    )
    stato = models.CharField(
        _("stato"),
        max_length=20,
        choices=StatoLaboratorio.choices,
        default=StatoLaboratorio.PROGRAMMATO,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("laboratorio")
        verbose_name_plural = _("laboratori")
        ordering = ["accordo", "titolo"]
        constraints = [
            models.UniqueConstraint(
                fields=["accordo", "titolo"],
                name="laboratorio_titolo_unico",
                violation_error_message=_("Esiste già un laboratorio con questo titolo."),
            )
        ]

    def __str__(self):
        return self.titolo

    def clean(self):
        super().clean()
        errori = {}
        if self.data_inizio and self.data_fine and self.data_fine < self.data_inizio:
            errori["data_fine"] = _("La fine non può precedere l'inizio.")
        if self.eta_minima and self.eta_massima and self.eta_massima < self.eta_minima:
            errori["eta_massima"] = _("L'età massima non può essere inferiore alla minima.")
        if self.accordo_id and self.data_inizio and self.data_fine:
            accordo = self.accordo
            if self.data_inizio < accordo.data_inizio or self.data_fine > accordo.data_fine:
                errori["data_inizio"] = _(
                    "Il periodo del laboratorio deve stare nella durata dell'accordo "
                    "(%(dal)s - %(al)s)."
                ) % {"dal": data_it(accordo.data_inizio), "al": data_it(accordo.data_fine)}
        if self.accordo_id and self.cooperativa_id:
            cooperativa = self.cooperativa
            if cooperativa.tipo != TipoEnte.COOPERATIVA:
                errori["cooperativa"] = _(
                    "L'ente che gestisce il laboratorio deve essere una cooperativa."
                )
            elif cooperativa.consorzio_id != self.accordo.ente_partner_id:
                errori["cooperativa"] = _(
                    "La cooperativa non fa parte del consorzio firmatario dell'accordo."
                )
        if errori:
            raise ValidationError(errori)


class PartnerLaboratorio(models.Model):
    """A local association or group of adults involved in a laboratory
    (Art. 2: active involvement of associations and adults)."""

    laboratorio = models.ForeignKey(
        Laboratorio, verbose_name=_("laboratorio"), on_delete=models.CASCADE, related_name="partner"
    )
    ente = models.ForeignKey(
        "accordo.Ente",
        verbose_name=_("associazione / ente"),
        on_delete=models.PROTECT,
        related_name="partecipazioni_laboratori",
    )
    ruolo = models.CharField(
        _("ruolo"), max_length=200, blank=True, help_text=_("Es. «volontari meccanici»")
    )

    class Meta:
        verbose_name = _("partner del laboratorio")
        verbose_name_plural = _("partner del laboratorio")
        constraints = [
            models.UniqueConstraint(fields=["laboratorio", "ente"], name="partner_unico")
        ]

    def __str__(self):
        return f"{self.ente} - {self.laboratorio}"


class Sessione(models.Model):
    """One meeting of a laboratory."""

    laboratorio = models.ForeignKey(
        Laboratorio,
        verbose_name=_("laboratorio"),
        on_delete=models.PROTECT,
        related_name="sessioni",
    )
    data = models.DateField(_("data"))
    ora_inizio = models.TimeField(_("ora di inizio"))
    ora_fine = models.TimeField(_("ora di fine"))
    educatori = models.CharField(
        _("educatori"),
        max_length=300,
        blank=True,
        help_text=_("Nomi degli educatori presenti (adulti dell'équipe), separati da virgola."),
    )
    numero_educatori = models.PositiveSmallIntegerField(
        _("numero di educatori"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    ore_educatori = models.DecimalField(
        _("ore educatori"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Ore complessive degli educatori, preparazione compresa."),
    )
    volontari = models.PositiveSmallIntegerField(_("volontari presenti"), default=0)
    ore_volontari = models.DecimalField(
        _("ore dei volontari"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    note = models.TextField(
        _("note sull'attività"),
        blank=True,
        help_text=_("Cosa si è fatto. Non scrivere nomi o dettagli che identifichino i ragazzi."),
    )
    presenze = models.ManyToManyField(
        "Partecipante",
        verbose_name=_("presenze"),
        through="Presenza",
        related_name="sessioni",
        blank=True,
    )
    creata_da = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrata da"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    creata_il = models.DateTimeField(_("registrata il"), auto_now_add=True)
    modificata_il = models.DateTimeField(_("modificata il"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sessione")
        verbose_name_plural = _("sessioni")
        ordering = ["-data", "-ora_inizio"]
        constraints = [
            models.UniqueConstraint(
                fields=["laboratorio", "data", "ora_inizio"],
                name="sessione_unica",
                violation_error_message=_(
                    "Esiste già una sessione di questo laboratorio nello stesso giorno e alla stessa ora."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ora_fine__gt=models.F("ora_inizio")), name="sessione_fine_dopo_inizio"
            ),
            models.CheckConstraint(
                condition=Q(ore_educatori__gte=0) & Q(ore_volontari__gte=0),
                name="sessione_ore_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.laboratorio} - {data_it(self.data)} {self.ora_inizio:%H:%M}"

    @property
    def durata_ore(self) -> Decimal:
        minuti = (self.ora_fine.hour * 60 + self.ora_fine.minute) - (
            self.ora_inizio.hour * 60 + self.ora_inizio.minute
        )
        return (Decimal(minuti) / 60).quantize(Decimal("0.01"))


class FasciaEta(models.TextChoices):
    FINO_10 = "fino_10", _("fino a 10 anni")
    DA_11_A_13 = "11_13", _("11-13 anni")
    DA_14_A_15 = "14_15", _("14-15 anni")
    DA_16_A_17 = "16_17", _("16-17 anni")
    DA_18 = "18_oltre", _("18 anni e oltre")


class Genere(models.TextChoices):
    FEMMINILE = "F", _("Femminile")
    MASCHILE = "M", _("Maschile")
    ALTRO = "altro", _("Altro / non indicato")


class LivelloScolastico(models.TextChoices):
    PRIMARIA = "primaria", _("Scuola primaria")
    SECONDARIA_PRIMO = "secondaria_1", _("Secondaria di primo grado")
    SECONDARIA_SECONDO = "secondaria_2", _("Secondaria di secondo grado")
    FORMAZIONE = "formazione_professionale", _("Formazione professionale")
    NESSUNO = "non_frequentante", _("Non frequentante")
    ALTRO = "altro", _("Altro")


class ServizioInviante(models.TextChoices):
    SCUOLA = "scuola", _("Scuola")
    TUTELA_MINORI = "tutela_minori", _("Tutela minori")
    SPAZIO_AGIO = "spazio_agio", _("Spazio A.Gio")
    EDUCATIVA_TERRITORIALE = "educativa_territoriale", _("Educativa territoriale")
    FAMIGLIA = "famiglia", _("Famiglia")
    ALTRO = "altro", _("Altro")


# Unambiguous characters only (no 0/O, 1/I/L), so a code read aloud or
# copied by hand from a register stays right.
ALFABETO_CODICE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LUNGHEZZA_CODICE = 6


def nuovo_codice() -> str:
    return "".join(secrets.choice(ALFABETO_CODICE) for _ in range(LUNGHEZZA_CODICE))


class Partecipante(models.Model):
    """A young participant, known only by a pseudonymous code.

    Deliberately no name, surname, fiscal code, birth date or free-text
    field: nothing here identifies the person.
    """

    accordo = models.ForeignKey(
        "accordo.Accordo",
        verbose_name=_("accordo"),
        on_delete=models.PROTECT,
        related_name="partecipanti",
    )
    codice = models.CharField(_("codice"), max_length=12, editable=False)
    fascia_eta = models.CharField(_("fascia d'età"), max_length=10, choices=FasciaEta.choices)
    genere = models.CharField(_("genere"), max_length=10, choices=Genere.choices)
    livello_scolastico = models.CharField(
        _("livello scolastico"), max_length=30, choices=LivelloScolastico.choices
    )
    servizio_inviante = models.CharField(
        _("servizio inviante"), max_length=30, choices=ServizioInviante.choices
    )
    laboratori = models.ManyToManyField(
        Laboratorio,
        verbose_name=_("laboratori"),
        related_name="iscritti",
        blank=True,
        help_text=_("I laboratori a cui il partecipante è iscritto."),
    )
    creato_il = models.DateTimeField(_("registrato il"), auto_now_add=True)

    class Meta:
        verbose_name = _("partecipante")
        verbose_name_plural = _("partecipanti")
        ordering = ["codice"]
        constraints = [
            models.UniqueConstraint(
                fields=["accordo", "codice"],
                name="partecipante_codice_unico",
                violation_error_message=_("Codice già usato nell'accordo."),
            )
        ]

    def __str__(self):
        return self.codice


class Presenza(models.Model):
    """A participant attended a session."""

    sessione = models.ForeignKey(Sessione, on_delete=models.CASCADE, related_name="righe_presenza")
    partecipante = models.ForeignKey(
        Partecipante, on_delete=models.PROTECT, related_name="righe_presenza"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("presenza")
        verbose_name_plural = _("presenze")
        constraints = [
            models.UniqueConstraint(fields=["sessione", "partecipante"], name="presenza_unica")
        ]

    def __str__(self):
        return f"{self.partecipante} @ {self.sessione}"
