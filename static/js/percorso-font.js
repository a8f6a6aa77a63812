// Bootstrap Italia loads its fonts from window.__PUBLIC_PATH__: point it at
// our own static files (never a CDN). Kept in a file, not inline, so a strict
// Content-Security-Policy needs no 'unsafe-inline'.
window.__PUBLIC_PATH__ = document.currentScript.dataset.fonts;
