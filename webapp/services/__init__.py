"""The rules of Herald. No Flask request objects in here: views pass an Actor and plain data."""

# Registers the session hooks that keep cached dashboard figures honest, in every process that
# writes through the services (web, worker, CLI).
from . import stats_cache  # noqa: E402,F401
