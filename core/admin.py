from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from core.models import Utente


@admin.register(Utente)
class UtenteAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "ente", "is_staff", "is_active")
    list_filter = ("ente__tipo", "is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("ente",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Ente"), {"fields": ("ente",)}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Ente"), {"fields": ("ente",)}),
    )
