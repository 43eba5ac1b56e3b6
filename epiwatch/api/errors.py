from django.http import JsonResponse
from django.views import defaults
from rest_framework.views import exception_handler


def error_handler(exc, context):
    """Errors as {"error": "...", "details": [...]} (DESIGN §6)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        body = {"error": str(data["detail"]), "details": []}
    elif isinstance(data, dict):
        details = [
            {"field": k, "message": " ".join(map(str, v)) if isinstance(v, list) else str(v)}
            for k, v in data.items()
        ]
        body = {"error": "Invalid request", "details": details}
    else:
        body = {"error": "Invalid request", "details": [str(d) for d in data]}
    response.data = body
    return response


def page_not_found(request, exception=None):
    """The site's 404 handler: unknown paths under /api/ answer in the API's error shape, pages with Django's page.

    Enabled by `handler404 = "epiwatch.api.errors.page_not_found"` in the root URLconf.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "Not found", "details": [f"No endpoint at {request.path}"]}, status=404)
    return defaults.page_not_found(request, exception)
