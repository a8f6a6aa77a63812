"""Form helpers shared by the apps: a service's refusal put on a form.

Every write goes through a service that raises ValidationError; forms, the
admin and the import catch it once and show its messages where they belong.
"""

from django import forms
from django.core.exceptions import ValidationError


def errori_di(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]}, whatever its shape: the
    messages of an error without fields go under "__all__"."""
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"__all__": exc.messages}


def aggiungi_errori(form: forms.Form, errori: dict[str, list[str]] | ValidationError) -> None:
    """Put a service's messages on the form: on the field when the form has
    it (and it is not disabled), otherwise among the errors of the whole form."""
    if isinstance(errori, ValidationError):
        errori = errori_di(errori)
    for campo, messaggi in errori.items():
        destinazione = campo if campo in form.fields and not form.fields[campo].disabled else None
        for messaggio in messaggi:
            form.add_error(destinazione, messaggio)
