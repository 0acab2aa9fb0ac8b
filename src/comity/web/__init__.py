"""The web application and REST API: thin views over the domain services."""

__all__: list[str] = []
