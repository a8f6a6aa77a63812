"""Benchmarks: the scale dataset (`manage.py genera_dati_scala`) and the
measurements printed by `manage.py bench` (`make bench`).

Nothing here is imported by the application itself.
"""
