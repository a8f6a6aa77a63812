from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from core.models import Ruolo


@login_required
def home(request):
    """Send each role where its daily work is."""
    if request.user.ruolo in (Ruolo.COOPERATIVA, Ruolo.CONSORZIO, Ruolo.COMUNE):
        return redirect("laboratori:elenco")
    return redirect("admin:index")
