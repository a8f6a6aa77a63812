"""Form widgets shared by the apps."""

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
