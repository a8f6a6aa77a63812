from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Ruolo(models.TextChoices):
    COMUNE = "comune", _("Comune")
    CONSORZIO = "consorzio", _("Consorzio")
    COOPERATIVA = "cooperativa", _("Cooperativa")
    AMMINISTRATORE = "amministratore", _("Amministratore")


# The organisation types whose staff can log in, and the role each one gives.
RUOLO_PER_TIPO_ENTE = {
    "comune": Ruolo.COMUNE,
    "consorzio": Ruolo.CONSORZIO,
    "cooperativa": Ruolo.COOPERATIVA,
}


class Utente(AbstractUser):
    """A person who logs in. The role follows from the organisation (ente)
    the person works for, so the two can never disagree."""

    ente = models.ForeignKey(
        "accordo.Ente",
        verbose_name=_("ente"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="utenti",
        help_text=_("L'ente per cui lavora: Comune, Consorzio o una cooperativa consorziata."),
    )

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")

    @property
    def ruolo(self) -> str | None:
        if self.is_superuser:
            return Ruolo.AMMINISTRATORE
        if self.ente_id is None:
            return None
        return RUOLO_PER_TIPO_ENTE.get(self.ente.tipo)

    def clean(self):
        super().clean()
        if self.ente_id and self.ente.tipo not in RUOLO_PER_TIPO_ENTE:
            raise ValidationError(
                {
                    "ente": _(
                        "Solo il personale di un Comune, del Consorzio o di una cooperativa accede."
                    )
                }
            )
