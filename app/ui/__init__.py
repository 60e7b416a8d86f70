"""The web interface's machinery: sealed session cookies, languages, page rendering, SVG charts.

The routes themselves live in `app/routers/ui.py`; the templates in `app/templates`, the stylesheet and
icons in `app/static`, the translations in `app/locale`. Nothing here loads anything from another host.
"""
