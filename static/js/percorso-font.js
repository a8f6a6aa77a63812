// Settings Bootstrap Italia's bundle reads when it loads, so this file comes
// before it. Kept in a file, not inline, so the strict Content-Security-Policy
// (config/settings/base.py) needs no 'unsafe-inline'.
//
// Its fonts from window.__PUBLIC_PATH__: our own static files, never a CDN.
window.__PUBLIC_PATH__ = document.currentScript.dataset.fonts;
// The bundled video.js writes a <style> element into every page on load
// (style-src 'self' refuses it, and no page here has a video player): the
// library's own switch turns that off.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
