"""The API's routes and the administrators' pages for API clients."""

from portal.api.views import api, clients  # noqa: F401
