"""The roles of DESIGN.md: who may do what, and the Django groups that
carry the model permissions of each role.

The predicates below answer the questions that depend on the role alone
("sees money", "reviews reports"); each app's access.py builds on them with
the row-level limits (which agreement, which cooperative, which
laboratorio) and the one lookup helper per object its views use.
"""

from django.contrib.auth.models import Group, Permission

from core.models import Ruolo

# Who sees amounts in euro (DESIGN.md, "Who sees money"): the budget, the
# prestazioni, the reports and their downloads. A cooperative never does.
RUOLI_CON_IMPORTI = frozenset({Ruolo.COMUNE, Ruolo.CONSORZIO, Ruolo.AMMINISTRATORE})


def attivo(utente) -> bool:
    return utente.is_authenticated and utente.is_active


def vede_importi(utente) -> bool:
    """Sees money: the Comune, the Consorzio and administrators."""
    return attivo(utente) and utente.ruolo in RUOLI_CON_IMPORTI


def ha_ruolo(utente, ruolo: str) -> bool:
    """Acts as `ruolo`: a user of that role, or an administrator, who may
    act for anyone."""
    return attivo(utente) and (utente.is_superuser or utente.ruolo == ruolo)


# The groups' names: fixed words, never translated, so the group of a role
# is found whatever language the user (or the thread) speaks.
NOMI_GRUPPI = {
    Ruolo.COMUNE: "Comune",
    Ruolo.CONSORZIO: "Consorzio",
    Ruolo.COOPERATIVA: "Cooperativa",
}

GRUPPI: dict[str, dict[str, tuple[str, ...]]] = {
    # The Comune sets up the agreement and its money rules and reads the rest.
    NOMI_GRUPPI[Ruolo.COMUNE]: {
        "accordo.ente": ("view", "add", "change"),
        "accordo.accordo": ("view", "add", "change"),
        "accordo.obiettivo": ("view", "add", "change", "delete"),
        "budget.tranche": ("view", "add", "change"),
        "budget.prestazione": ("view",),
        "laboratori.laboratorio": ("view",),
        "laboratori.partnerlaboratorio": ("view",),
        "laboratori.sessione": ("view",),
        "laboratori.partecipante": ("view",),
        "laboratori.presenza": ("view",),
    },
    # The Consorzio activates prestazioni with suppliers and runs the
    # laboratories; participants are registered from the session page.
    NOMI_GRUPPI[Ruolo.CONSORZIO]: {
        "accordo.ente": ("view", "add", "change"),
        "accordo.accordo": ("view",),
        "accordo.obiettivo": ("view",),
        "budget.tranche": ("view",),
        "budget.prestazione": ("view", "add", "change", "delete"),
        "laboratori.laboratorio": ("view", "add", "change", "delete"),
        "laboratori.partnerlaboratorio": ("view", "add", "change", "delete"),
        "laboratori.sessione": ("view", "add", "change", "delete"),
        "laboratori.partecipante": ("view", "change"),
    },
    # Cooperatives work on their laboratories' pages, not in the admin.
    NOMI_GRUPPI[Ruolo.COOPERATIVA]: {},
}


def permessi(etichette: dict[str, tuple[str, ...]]) -> list[Permission]:
    risultato = []
    for modello_completo, azioni in etichette.items():
        app_label, modello = modello_completo.split(".")
        codici = [f"{azione}_{modello}" for azione in azioni]
        risultato.extend(
            Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=modello,
                codename__in=codici,
            )
        )
    return risultato


def sincronizza_gruppi(**kwargs) -> None:
    # post_migrate reaches core before the apps listed after it, whose
    # permissions would not exist yet on a fresh database: create them first.
    from django.apps import apps as app_registry
    from django.contrib.auth.management import create_permissions

    using = kwargs.get("using", "default")
    for app_config in app_registry.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for nome, etichette in GRUPPI.items():
        gruppo, _creato = Group.objects.get_or_create(name=nome)
        gruppo.permissions.set(permessi(etichette))


def gruppo_per_ruolo(ruolo: str) -> Group | None:
    if ruolo not in (Ruolo.COMUNE, Ruolo.CONSORZIO, Ruolo.COOPERATIVA):
        return None
    return Group.objects.get(name=NOMI_GRUPPI[ruolo])
