"""
Settings of the shop site. The database comes from the environment, named as libpq names it: PGHOST, PGPORT,
PGDATABASE, PGUSER, PGPASSWORD.
"""
import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "upshift-test-shop-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "shop",
]

USE_TZ = True
TIME_ZONE = "UTC"

# the new model: 64-bit ids (and foreign keys) for the shop's tables
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def database_from_environment():
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "shop"),
        "USER": os.environ.get("PGUSER", ""),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", ""),
        "PORT": os.environ.get("PGPORT", ""),
    }


DATABASES = {"default": database_from_environment()}
