"""Settings for the payments platform, configured from the environment (`DJANGO_SETTINGS_MODULE`
stays `payments_platform.settings`).

Every variable is read with django-environ from the process environment or a `.env` file next
to `manage.py` (`environment`). `.env.example` lists them all with safe development values. One
module per section; a section reads what it needs of another by name:

- `core`: debug, secret key, hosts, apps, middleware, templates, static files, i18n, limits;
- `services`: PostgreSQL, Redis, NATS;
- `auth`: passwords, JWTs, login throttling, API keys, the admin's second factor;
- `api`: REST framework and OpenAPI;
- `product`: money, webhooks, fraud, payments, disputes, the scheduler;
- `security`: HTTPS, cookies, headers;
- `observability`: metrics, tracing, the event contract check, logging.
"""

from payments_platform.settings.api import *  # noqa: F403
from payments_platform.settings.auth import *  # noqa: F403
from payments_platform.settings.core import *  # noqa: F403
from payments_platform.settings.environment import *  # noqa: F403
from payments_platform.settings.observability import *  # noqa: F403
from payments_platform.settings.product import *  # noqa: F403
from payments_platform.settings.security import *  # noqa: F403
from payments_platform.settings.services import *  # noqa: F403
