"""Settings for benchmarks and fault tests: the product's own, plus the bare baseline views.

The bare views are benchmark-only (benchmarks/urls.py); the product's URLs never include them.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

ROOT_URLCONF = "benchmarks.urls"

# No collectstatic before a run: plain static file names instead of the production manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
