"""The expected outcome of every URL of the URLconf, for every role.

tests/core/test_matrice_permessi.py walks the whole URLconf, requests each
URL as each role below with real objects and compares the outcome with this
table. A URL pattern with no entry here fails the test: a new page cannot
escape the matrix. The entries are what DESIGN.md and core/ruoli.py say
each role may do, written out by hand; they are not read from the code
under test.

Object URLs are requested with cooperativa A's objects (its laboratory,
session, participant; the agreement's prestazione and reports), so
cooperativa B's column shows that another cooperative's object is a 404.

An outcome is an HTTP status (200, 403, 404, 405), or a redirect: LOGIN
(to the site's or the admin's login page) or ALTROVE (anywhere else: after
a save, or the admin's "not found" bounce to its index).
"""

from typing import NamedTuple

# The columns of every row, in this order.
RUOLI = ("anonimo", "coop_a", "coop_b", "consorzio", "comune", "superuser")

LOGIN = "login"
ALTROVE = "altrove"


class Voce(NamedTuple):
    """One URL pattern: the object its arguments come from (a key of the
    test's objects, None for a URL without arguments), the outcome per role
    of a GET and, for the pages that change data, of a POST with an empty
    body (the form is refused, or the action runs: the test rolls every
    request back)."""

    oggetto: str | None
    get: tuple
    post: tuple | None = None
    query: str = ""
    dati: dict | None = None  # the POST's body, when not empty


# The application's pages and the admin's own, by URL name (or, for a
# pattern without a name, by its full route). Every row of outcomes is
# (anonimo, coop_a, coop_b, consorzio, comune, superuser).
PAGINE: dict[str, Voce] = {
    "home": Voce(None, get=(LOGIN, 200, 200, 200, 200, 200)),
    "login": Voce(
        None,
        get=(200, 200, 200, 200, 200, 200),
        post=(200, 200, 200, 200, 200, 200),  # empty form: errors on the page
    ),
    "logout": Voce(
        None,
        get=(405, 405, 405, 405, 405, 405),  # logging out is a POST
        post=(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    # The language switch: sets a cookie and goes back to the page (the home
    # page without one), for everyone, the login page included.
    "set_language": Voce(
        None,
        get=(ALTROVE, ALTROVE, ALTROVE, ALTROVE, ALTROVE, ALTROVE),
        post=(ALTROVE, ALTROVE, ALTROVE, ALTROVE, ALTROVE, ALTROVE),
    ),
    # Spending: cooperatives see none (404), the Comune reads (403 on writes).
    "budget:prestazioni": Voce(None, get=(LOGIN, 404, 404, 200, 200, 200)),
    "budget:prestazione_nuova": Voce(
        None,
        get=(LOGIN, 404, 404, 200, 403, 200),
        post=(LOGIN, 404, 404, 200, 403, 200),
    ),
    "budget:anteprima": Voce(None, get=(LOGIN, 404, 404, 200, 403, 200)),
    "budget:prestazione": Voce("prestazione", get=(LOGIN, 404, 404, 200, 200, 200)),
    "budget:prestazione_modifica": Voce(
        "prestazione",
        get=(LOGIN, 404, 404, 200, 403, 200),
        post=(LOGIN, 404, 404, 200, 403, 200),
    ),
    "budget:prestazione_elimina": Voce(
        "prestazione",
        get=(LOGIN, 404, 404, 200, 403, 200),
        post=(LOGIN, 404, 404, ALTROVE, 403, ALTROVE),
    ),
    "budget:documento_prestazione": Voce("prestazione", get=(LOGIN, 404, 404, 200, 200, 200)),
    # Laboratories: each cooperative its own, the Comune reads only.
    "laboratori:elenco": Voce(None, get=(LOGIN, 200, 200, 200, 200, 200)),
    "laboratori:dettaglio": Voce("laboratorio_a", get=(LOGIN, 200, 404, 200, 200, 200)),
    "laboratori:sessione_nuova": Voce(
        "laboratorio_a",
        get=(LOGIN, 200, 404, 200, 403, 200),
        post=(LOGIN, 200, 404, 200, 403, 200),
    ),
    "laboratori:sessione_modifica": Voce(
        "sessione_a",
        get=(LOGIN, 200, 404, 200, 403, 200),
        post=(LOGIN, 200, 404, 200, 403, 200),
    ),
    "laboratori:sessione_elimina": Voce(
        "sessione_a",
        get=(LOGIN, 200, 404, 200, 403, 200),
        post=(LOGIN, ALTROVE, 404, ALTROVE, 403, ALTROVE),
    ),
    # Reports: the Consorzio writes and submits, the Comune reviews,
    # cooperatives see none.
    "rendicontazione:elenco": Voce(None, get=(LOGIN, 404, 404, 200, 200, 200)),
    "rendicontazione:nuovo": Voce(
        None,
        get=(LOGIN, 404, 404, 200, 403, 200),
        post=(LOGIN, 404, 404, 200, 403, 200),
    ),
    "rendicontazione:dettaglio": Voce("rendiconto_inviato", get=(LOGIN, 404, 404, 200, 200, 200)),
    "rendicontazione:modifica": Voce(
        "rendiconto_bozza",
        get=(LOGIN, 404, 404, 200, 403, 200),
        post=(LOGIN, 404, 404, 200, 403, 200),
    ),
    "rendicontazione:invia": Voce(
        "rendiconto_bozza",
        get=(405, 405, 405, 405, 405, 405),
        post=(LOGIN, 404, 404, ALTROVE, 403, ALTROVE),
    ),
    "rendicontazione:approva": Voce(
        "rendiconto_inviato",
        get=(405, 405, 405, 405, 405, 405),
        post=(LOGIN, 404, 404, 403, ALTROVE, ALTROVE),
    ),
    "rendicontazione:rimanda": Voce(
        "rendiconto_inviato",
        get=(405, 405, 405, 405, 405, 405),
        post=(LOGIN, 404, 404, 403, 200, 200),  # no remarks: refused on the page
    ),
    "rendicontazione:pdf": Voce("rendiconto_inviato", get=(LOGIN, 404, 404, 200, 200, 200)),
    "rendicontazione:xlsx": Voce("rendiconto_inviato", get=(LOGIN, 404, 404, 200, 200, 200)),
    # The admin's own pages. Cooperatives are not staff: the admin sends
    # them to its login page like an anonymous visitor.
    "admin:index": Voce(None, get=(LOGIN, LOGIN, LOGIN, 200, 200, 200)),
    "admin:login": Voce(
        None,
        get=(200, 200, 200, ALTROVE, ALTROVE, ALTROVE),  # staff: straight to the index
        post=(200, 200, 200, 200, 200, 200),
    ),
    "admin:logout": Voce(
        None,
        get=(ALTROVE, ALTROVE, ALTROVE, 405, 405, 405),
        post=(ALTROVE, ALTROVE, ALTROVE, LOGIN, LOGIN, LOGIN),  # LOGOUT_REDIRECT_URL
    ),
    "admin:password_change": Voce(
        None,
        get=(LOGIN, LOGIN, LOGIN, 200, 200, 200),
        post=(LOGIN, LOGIN, LOGIN, 200, 200, 200),
    ),
    "admin:password_change_done": Voce(None, get=(LOGIN, LOGIN, LOGIN, 200, 200, 200)),
    "admin:autocomplete": Voce(
        None,
        get=(LOGIN, LOGIN, LOGIN, 200, 200, 200),
        query="app_label=budget&model_name=prestazione&field_name=fornitore&term=Fal",
    ),
    "admin:jsi18n": Voce(None, get=(LOGIN, LOGIN, LOGIN, 200, 200, 200)),
    # No model has get_absolute_url: nothing to go to.
    "admin:view_on_site": Voce("laboratorio_a", get=(LOGIN, LOGIN, LOGIN, 404, 404, 404)),
    "admin:app_list": Voce("app_budget", get=(LOGIN, LOGIN, LOGIN, 200, 200, 200)),
    # Another user's password: only the administrator.
    "admin:auth_user_password_change": Voce(
        "utente_coop_a",
        get=(LOGIN, LOGIN, LOGIN, 403, 403, 200),
        post=(LOGIN, LOGIN, LOGIN, 403, 403, 200),
    ),
    # The admin's catch-all: an unknown admin address.
    "admin/(?P<url>.*)$": Voce("indirizzo_inesistente", get=(LOGIN, LOGIN, LOGIN, 404, 404, 404)),
}


class Modello(NamedTuple):
    """What the staff roles may do with one model in the admin, once the
    row-level limits are applied to the object the test uses: v view,
    a add, c change, d delete (the groups of core/ruoli.py, and what each
    ModelAdmin adds or takes away). `eliminazione` is what a permitted
    delete POST (the confirmation, post=yes) does with that object: ALTROVE
    when it is deleted, 200 when other records protect it and the admin
    explains why it cannot. `modifica` is what a permitted change POST with
    an empty body does: 200 when the form refuses it, ALTROVE when every
    field is read-only and there is nothing to refuse."""

    oggetto: str
    consorzio: str
    comune: str
    superuser: str
    eliminazione: int | str = ALTROVE
    modifica: int | str = 200


# The admin's per-model URLs: <app>_<model>_changelist, _add, _change,
# _delete, _history, _simple_history (a past version) and the unnamed
# "<object_id>/" redirect to the change page, all by one rule (voce_admin)
# from: the object, then the permissions of consorzio, comune, superuser.
ADMIN: dict[str, Modello] = {
    "auth.group": Modello("gruppo", "", "", "vacd"),
    # django-axes' records are read-only: nobody adds or edits one.
    "axes.accessattempt": Modello("tentativo_accesso", "", "", "vcd", modifica=ALTROVE),
    "axes.accesslog": Modello("registro_accessi", "", "", "vcd", modifica=ALTROVE),
    "axes.accessfailurelog": Modello("accesso_fallito", "", "", "vcd", modifica=ALTROVE),
    "core.utente": Modello("utente_coop_a", "", "", "vacd"),
    # The Consorzio edits organisations (suppliers, its cooperatives); the
    # Comune too. Nobody but the administrator deletes one, and coop A is
    # protected by its laboratory.
    "accordo.ente": Modello("cooperativa_a", "vac", "vac", "vacd", eliminazione=200),
    # The Comune sets up the agreement and its tranches; the Consorzio reads.
    "accordo.accordo": Modello("accordo", "v", "vac", "vacd", eliminazione=200),
    "budget.tranche": Modello("tranche_2024", "v", "vac", "vacd", eliminazione=200),
    # The Consorzio activates prestazioni; the Comune reads.
    "budget.prestazione": Modello("prestazione", "vacd", "v", "vacd"),
    "laboratori.laboratorio": Modello("laboratorio_a", "vacd", "v", "vacd", eliminazione=200),
    "laboratori.sessione": Modello("sessione_a", "vacd", "v", "vacd"),
    # Participants are registered from the session page, never added here,
    # and never deleted but by the administrator (and not while their
    # attendance is on record).
    "laboratori.partecipante": Modello("partecipante_a", "vc", "v", "vcd", eliminazione=200),
    # Reports live on their own pages; the admin only shows them, to the
    # administrator, and never changes them.
    "rendicontazione.rendiconto": Modello("rendiconto_inviato", "", "", "v"),
}

AZIONI_ADMIN = ("changelist", "add", "change", "delete", "history", "simple_history", "vai")


def _staff(permessi: str, azione: str, regola: Modello) -> tuple:
    """GET and POST outcome of one admin action for a staff user with the
    given permissions on the model."""
    vede = "v" in permessi or "c" in permessi
    si = {  # action -> (may GET, outcome of a GET, may POST, outcome of a POST)
        "changelist": (vede, 200, None, None),
        "add": ("a" in permessi, 200, "a" in permessi, 200),
        "change": (vede, 200, "c" in permessi, regola.modifica),
        "delete": ("d" in permessi, 200, "d" in permessi, regola.eliminazione),
        "history": (vede, 200, None, None),
        "simple_history": (vede, 200, "c" in permessi, 200),
        "vai": (True, ALTROVE, None, None),  # on to the change page, which checks
    }[azione]
    get = si[1] if si[0] else 403
    post = None if si[2] is None else (si[3] if si[2] else 403)
    return get, post


def voce_admin(modello: str, azione: str) -> Voce | None:
    """The row of one per-model admin URL, or None when the table does not
    know the model or the action (the test then fails with its name)."""
    regola = ADMIN.get(modello)
    if regola is None or azione not in AZIONI_ADMIN:
        return None
    get, post = {}, {}
    for ruolo in ("consorzio", "comune", "superuser"):
        get[ruolo], post[ruolo] = _staff(getattr(regola, ruolo), azione, regola)
    fuori = (LOGIN, LOGIN, LOGIN)  # anonymous and cooperatives: not staff
    riga_get = (*fuori, get["consorzio"], get["comune"], get["superuser"])
    riga_post = None
    if post["superuser"] is not None:
        riga_post = (*fuori, post["consorzio"], post["comune"], post["superuser"])
    dati = {"post": "yes"} if azione == "delete" else None
    return Voce(regola.oggetto, get=riga_get, post=riga_post, dati=dati)
