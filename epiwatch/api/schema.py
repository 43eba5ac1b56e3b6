"""OpenAPI description of the API's own pieces (registered when imported: see me.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>`; tokens are issued with `epiwatch create_token USER`."""

    target_class = "epiwatch.accounts.tokens.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token issued by `epiwatch create_token USER`, sent as `Authorization: Bearer <token>`.",
        }
