"""The interactive API documentation at /docs: Swagger UI served from the package, nothing from another host."""

from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

ASSETS = Path(__file__).resolve().parent.parent / "swagger"
ASSETS_PATH = "/docs/assets"
SWAGGER_UI_VERSION = "5.35.0"  # swagger-ui-dist, vendored in app/swagger (see its README)
# Swagger UI sets style attributes and draws icons from data: URLs; everything else comes from here.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def read_docs(request: Request) -> HTMLResponse:
    root = escape(request.scope.get("root_path", ""))
    assets = f"{root}{ASSETS_PATH}"
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>article3 API</title>
<link rel="icon" href="{root}/ui/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{assets}/swagger-ui.css?v={SWAGGER_UI_VERSION}">
</head>
<body>
<div id="swagger-ui" data-openapi="{root}{escape(request.app.openapi_url or "")}"></div>
<script src="{assets}/swagger-ui-bundle.js?v={SWAGGER_UI_VERSION}"></script>
<script src="{assets}/docs.js?v={SWAGGER_UI_VERSION}"></script>
</body>
</html>
"""
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP})
