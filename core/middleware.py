"""The interface's language: the one the user chose with the switch in the
header (Django's language cookie), otherwise Italian.

Django's LocaleMiddleware would also follow the browser's Accept-Language;
here it does not, so that an English-speaking browser in a Comune's office
still gets the administration's language until someone asks for English.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class LinguaScelta(LocaleMiddleware):
    def process_request(self, request):
        lingua = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if lingua not in dict(settings.LANGUAGES):
            lingua = settings.LANGUAGE_CODE
        translation.activate(lingua)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        response = super().process_response(request, response)
        # The page is rendered: back to Italian, so that whatever else this
        # thread runs (a test's next step, a task) speaks the default.
        translation.deactivate()
        return response
