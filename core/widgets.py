"""Form widgets shared by the apps."""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.forms import ClearableFileInput


class DocumentoPrivatoWidget(ClearableFileInput):
    """A file input for private attachments.

    Django's widget links the current file through its storage URL, which
    private files do not have; this one links the permission-checking view
    given as `url_documento` by the form.
    """

    template_name = "core/widgets/documento_privato.html"
    url_documento: str | None = None

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))

    def get_context(self, name, value, attrs):
        contesto = super().get_context(name, value, attrs)
        contesto["widget"]["url_documento"] = self.url_documento
        if self.is_initial(value):
            contesto["widget"]["nome_documento"] = str(value.name).rsplit("/", 1)[-1]
        return contesto


class AutocompleteSelectSicuro(AutocompleteSelect):
    """The admin's autocomplete select, safe with a tampered value.

    Re-rendering a refused form, Django's widget looks the posted value up
    with `pk__in`, which raises on a value that is not an id ("abc", or a
    number too large for the column): a server error instead of the field's
    own "not a valid choice". Only the values the form field accepts are
    looked up; the error message stays on the field.
    """

    def optgroups(self, name, value, attr=None):
        campo = self.choices.field
        validi = []
        for valore in value:
            try:
                campo.to_python(valore)
            except ValidationError:
                continue
            validi.append(valore)
        return super().optgroups(name, validi, attr)
