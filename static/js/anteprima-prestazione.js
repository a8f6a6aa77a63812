/*
 * The preview of a prestazione's charge, on its form
 * (budget/templates/budget/prestazione_form.html).
 *
 * When the amount, the kind or the tranche changes, it asks the server
 * (budget:anteprima, the URL in the box's data-url) what the prestazione
 * would charge and what its tranche would have left, and writes the answer
 * in the aria-live box under the amount. The figures and the messages are
 * the server's, computed by budget.rules: nothing is calculated here.
 * Without JavaScript the form works the same, and the server refuses a
 * broken rule with the same messages on submit.
 */
(function () {
  "use strict";

  var ATTESA_MS = 350;
  var box = document.getElementById("anteprima-addebito");
  if (!box || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var form = box.closest("form");
  var campi = {
    tranche: form.elements.namedItem("tranche"),
    tipo: form.elements.namedItem("tipo"),
    importo: form.elements.namedItem("importo"),
  };
  if (!campi.tranche || !campi.tipo || !campi.importo) {
    return;
  }
  var timer = null;
  var richiesta = null;

  function svuota() {
    while (box.firstChild) {
      box.removeChild(box.firstChild);
    }
  }

  function mostra(classe, righe) {
    var avviso = document.createElement("div");
    avviso.className = "alert " + classe + " mb-0";
    righe.forEach(function (testo, indice) {
      var riga = document.createElement("p");
      riga.className = indice === 0 ? "mb-0" : "mb-0 mt-2";
      riga.textContent = testo;
      avviso.appendChild(riga);
    });
    svuota();
    box.appendChild(avviso);
  }

  function aggiorna() {
    var importo = campi.importo.value.trim();
    if (!importo) {
      svuota();
      return;
    }
    var parametri = new URLSearchParams({
      tranche: campi.tranche.value,
      tipo: campi.tipo.value,
      importo: importo,
    });
    if (box.dataset.pk) {
      parametri.set("pk", box.dataset.pk);
    }
    // Only the latest answer matters: a slower earlier one must not win.
    if (richiesta) {
      richiesta.abort();
    }
    richiesta = window.AbortController ? new AbortController() : null;
    fetch(box.dataset.url + "?" + parametri.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: richiesta ? richiesta.signal : undefined,
    })
      .then(function (risposta) {
        if (!risposta.ok || risposta.redirected) {
          throw new Error("anteprima non disponibile: " + risposta.status);
        }
        return risposta.json();
      })
      .then(function (dati) {
        if (!dati.pronta) {
          mostra("alert-warning", dati.errori);
        } else if (dati.violazioni.length) {
          mostra("alert-danger", [dati.testo].concat(dati.violazioni));
        } else {
          mostra("alert-info", [dati.testo]);
        }
      })
      .catch(function (errore) {
        // No preview (session expired, network down): the server still
        // checks everything on submit.
        if (errore.name !== "AbortError") {
          svuota();
        }
      });
  }

  function programma() {
    window.clearTimeout(timer);
    timer = window.setTimeout(aggiorna, ATTESA_MS);
  }

  Object.keys(campi).forEach(function (nome) {
    campi[nome].addEventListener("input", programma);
    campi[nome].addEventListener("change", programma);
  });
})();
