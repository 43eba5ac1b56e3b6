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
