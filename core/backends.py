"""Authentication: Django's own backend, reading the logged-in user with
their organisation, which every page asks for (the role follows from it)."""

from django.contrib.auth.backends import ModelBackend

from core.models import Utente


class BackendUtenti(ModelBackend):
    def get_user(self, user_id):
        try:
            utente = Utente._default_manager.select_related("ente").get(pk=user_id)
        except Utente.DoesNotExist:
            return None
        return utente if self.user_can_authenticate(utente) else None
