"""Admin forms that go through the services' rule checks."""

from django import forms


class RegoleModelForm(forms.ModelForm):
    """A ModelForm whose validation ends with a service's rule check.

    `controllo_regole` is a function from budget.services returning
    {field: [messages]} for the instance as the form would save it. It runs
    after Django's own model validation, inside the admin's transaction, so
    the lock it takes is held until the save.
    """

    controllo_regole = None

    def _post_clean(self):
        super()._post_clean()
        if self.errors or type(self).controllo_regole is None:
            return
        for campo, messaggi in type(self).controllo_regole(self.instance).items():
            destinazione = campo if campo in self.fields else None
            for messaggio in messaggi:
                self.add_error(destinazione, messaggio)
