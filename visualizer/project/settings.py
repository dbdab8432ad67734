"""Settings from the environment, with safe defaults for one machine."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    return env(name, str(default)).lower() in ("1", "true", "yes", "on")


SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret-netfilter-visualizer")   # see checks.py
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "channels",
    "visualizer.learn",
    "visualizer.workshops",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "visualizer.project.csp.ContentSecurityPolicyMiddleware",
    "visualizer.learn.sessions.SessionMiddleware",     # Django's; a session it cannot save is logged
    # the language: the switch's cookie, else Accept-Language (zh-cn -> zh-hans, zh-tw/zh-hk ->
    # zh-hant by Django's fallbacks); after the session, before CommonMiddleware, as documented
    "django.middleware.locale.LocaleMiddleware",
    "visualizer.learn.unwritable.UnwritableMiddleware",  # a failed write: a 503 page, not a 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "visualizer.project.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [BASE_DIR / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request",
                                       "django.contrib.auth.context_processors.auth",
                                       "visualizer.workshops.views.seat"]},
}]
ASGI_APPLICATION = "visualizer.project.asgi.application"
WSGI_APPLICATION = None

# SQLite by default; DATABASE_URL (e.g. postgres://user:pass@host/db) selects another engine.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("DB_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/workshops/"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365     # progress is kept for a year per browser
SESSION_SAVE_EVERY_REQUEST = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
# Messages a consumer's channel holds before senders wait: one run streams ~150 events.
CHANNEL_CAPACITY = int(env("CHANNEL_CAPACITY", "1000"))
# redis-py 8 reads with a 5 s socket timeout by default, the same as channels_redis's
# blocking pop: an idle consumer's receive then fails and daphne closes its socket
# (django/channels_redis#422).  The read may wait longer than the pop.
REDIS_SOCKET_TIMEOUT = float(env("REDIS_SOCKET_TIMEOUT", "30"))
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [{"address": REDIS_URL,
                                                        "socket_timeout": REDIS_SOCKET_TIMEOUT}],
                                             "capacity": CHANNEL_CAPACITY}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                  "CONFIG": {"capacity": CHANNEL_CAPACITY}}}
# A lab socket hears only its own process (its run's task runs where the socket is):
# its layer is in-process, so a redis outage never touches a run.
LAB_CHANNEL_LAYER = "in-process"
CHANNEL_LAYERS[LAB_CHANNEL_LAYER] = {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                     "CONFIG": {"capacity": CHANNEL_CAPACITY}}
# What every web process must count alike (join and sign-in attempts) is in redis when
# there is one; one process alone keeps it in memory.
# The fair shares ask it from the event loop: a redis that accepts and never answers
# must not hold a whole process, so a cache call gives up after CACHE_TIMEOUT seconds
# (and the shares then go uncounted, see learn/shares.py).
CACHE_TIMEOUT = float(env("CACHE_TIMEOUT", "0.5"))
CACHES = {"default": ({"BACKEND": "django.core.cache.backends.redis.RedisCache",
                       "LOCATION": REDIS_URL,
                       "OPTIONS": {"socket_timeout": CACHE_TIMEOUT,
                                   "socket_connect_timeout": CACHE_TIMEOUT}} if REDIS_URL else
                      {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})}

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
USE_TZ = True

# The learners' languages (issue 20): Django's codes; templates use {% translate %}, Python
# gettext, the front-end its catalogue per language (static/js/strings*.js).
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600      # the switch is remembered for the browser
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"

# The live lab
LESSONS_DIR = Path(env("LESSONS_DIR", str(BASE_DIR / "lessons")))
LAB_POOL_SIZE = int(env("LAB_POOL_SIZE", "2"))          # ready sandboxes kept per lesson kind
LAB_MAX_SANDBOXES = int(env("LAB_MAX_SANDBOXES", "0"))   # per lab process; 0: what the machine holds
LAB_IDLE_TIMEOUT = int(env("LAB_IDLE_TIMEOUT", "600"))   # seconds before an idle sandbox is released
LAB_RUN_TIMEOUT = int(env("LAB_RUN_TIMEOUT", "20"))      # seconds a run may take, once it has a sandbox
LAB_QUEUE_TIMEOUT = int(env("LAB_QUEUE_TIMEOUT", "120"))  # seconds a run may wait in line at the cap
LAB_BUILD_CONCURRENCY = int(env("LAB_BUILD_CONCURRENCY", "0"))  # sandboxes built at once; 0: by cores
LAB_MAX_RULES = int(env("LAB_MAX_RULES", "8"))            # learner rules per run
LAB_MAX_RULE_LEN = int(env("LAB_MAX_RULE_LEN", "300"))    # characters per rule
LAB_WARM_LESSONS = tuple(s for s in env("LAB_WARM_LESSONS", "container-to-container").split(",") if s)
LAB_USER = env("LAB_USER", "nfvis-lab")                   # started as root, the lab drops to this user
WS_RUNS_PER_MINUTE = int(env("WS_RUNS_PER_MINUTE", "20"))  # runs a browser session (or socket) may start
WS_RUNS_PER_MINUTE_PER_ADDRESS = int(env("WS_RUNS_PER_MINUTE_PER_ADDRESS", "600"))  # ... a client address
WS_SANDBOXES_PER_SESSION = int(env("WS_SANDBOXES_PER_SESSION", "4"))  # held at once by one browser
WS_SANDBOXES_PER_ADDRESS = int(env("WS_SANDBOXES_PER_ADDRESS", "0"))  # ... by one address; 0: half the cap
WS_MAX_MESSAGE = int(env("WS_MAX_MESSAGE", "8192"))      # bytes per websocket message
JOIN_PER_MINUTE = int(env("JOIN_PER_MINUTE", "10"))       # join attempts per client address
LOGIN_PER_MINUTE = int(env("LOGIN_PER_MINUTE", "10"))     # sign-in attempts per client address
RUNS_KEEP_DAYS = int(env("RUNS_KEEP_DAYS", "30"))          # recorded runs older than this go (0: keep)
RUNS_PRUNE_AUTO = env_bool("RUNS_PRUNE_AUTO", True)        # ... as runs are recorded (else manage.py prune)

# Behind a TLS-terminating proxy (README, "Deployment"): which header says the request
# came over HTTPS, which origins may POST, and cookies and HSTS for HTTPS only.
DEV_SECRET_KEY = "dev-only-not-secret-netfilter-visualizer"
if env("SECURE_PROXY_SSL_HEADER"):
    _name, _, _value = env("SECURE_PROXY_SSL_HEADER").partition(",")
    SECURE_PROXY_SSL_HEADER = (_name.strip(), _value.strip() or "https")
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Content-Security-Policy on every response: own scripts and styles only, no inline script
# (visualizer/project/csp.py says why each source is there).  CSP_EXTRA adds sources,
# e.g. "img-src https://cdn.example.org; report-uri /csp-reports".
CSP_EXTRA = env("CSP_EXTRA")
