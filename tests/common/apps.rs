//! Apps of the shapes students bring, written for droplift's tests (none is copied from a
//! public project), shared by the test files that deploy them.

use std::path::Path;

/// Writes `text` as the file `path` below `dir`, making its folders: how a test lays out an app.
pub fn writer(dir: &Path) -> impl Fn(&str, &str) + '_ {
    move |path, text| {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
}

/// The static file of the Django app, as nginx must serve it.
pub const NOTES_STATIC: &str = "hello from the notes app's static folder\n";

/// A Django REST framework API as `startproject` lays it out: settings that read DATABASE_URL
/// (dj-database-url) and SECRET_KEY, `STATIC_ROOT = BASE_DIR / "staticfiles"`, one app with a
/// model, its migration, a static file of its own and a `.env.example`. No `[app] release` or
/// `static` is given: droplift proposes migrate, collectstatic and nginx for /static/ (and
/// SECRET_KEY as a secret setting, when the answers do not name it).
pub fn notes_folder(dir: &Path) {
    let write = writer(dir);
    write(
        "requirements.txt",
        "Django>=4.2,<6\ndjangorestframework>=3.14,<4\ndj-database-url>=2,<4\npsycopg2-binary>=2.9,<3\n",
    );
    write(
        "manage.py",
        r#"#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
"#,
    );
    write("api/__init__.py", "");
    write(
        "api/settings.py",
        r#"import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.staticfiles",
    "rest_framework",
    "notes",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "api.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
WSGI_APPLICATION = "api.wsgi.application"
DATABASES = {"default": dj_database_url.config(conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
"#,
    );
    write(
        "api/urls.py",
        "from django.urls import path\n\nfrom notes.views import health\n\nurlpatterns = [path(\"api/health/\", health)]\n",
    );
    write(
        "api/wsgi.py",
        "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\n\
         os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"api.settings\")\n\
         application = get_wsgi_application()\n",
    );
    write("notes/__init__.py", "");
    write(
        "notes/models.py",
        "from django.db import models\n\n\nclass Note(models.Model):\n    text = models.CharField(max_length=200)\n",
    );
    write(
        "notes/views.py",
        "from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n\n\
         from .models import Note\n\n\n@api_view([\"GET\"])\ndef health(request):\n    \
         return Response({\"ok\": True, \"notes\": Note.objects.count()})\n",
    );
    write("notes/migrations/__init__.py", "");
    write(
        "notes/migrations/0001_initial.py",
        r#"from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Note",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.CharField(max_length=200)),
            ],
        ),
    ]
"#,
    );
    write("notes/static/notes/hello.txt", NOTES_STATIC);
    // As projects commit it for their developers (the real .env stays on the laptop).
    write(
        ".env.example",
        "# Copy to .env for `manage.py runserver`\nSECRET_KEY=change-me\nDATABASE_URL=postgresql://localhost/notes\n",
    );
}
