import os
import subprocess
import sys

from django.conf import settings

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.{name})"


def _run_settings(extra_env: dict, name: str = "DEBUG") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    env.update({
        "DJANGO_SETTINGS_MODULE": "recengine.settings", "RECENGINE_TESTING": "false",
        "RECENGINE_READ_DOTENV": "false",  # a developer's .env must not leak into these checks
        **extra_env,
    })
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(name=name)],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = _run_settings({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_starts_in_production_with_a_secret_key():
    result = _run_settings({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_it_reads_interaction_weights_from_the_environment():
    result = _run_settings(
        {"DJANGO_DEBUG": "true", "INTERACTION_WEIGHTS": "view=0.5,share=4"}, name="INTERACTION_WEIGHTS"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'view': 0.5, 'share': 4.0}"


def test_the_original_setting_names_have_their_defaults():
    assert settings.REDIS_TTL == 600
    assert settings.CACHE_KEY_PREFIX == "user_rec"
    assert settings.TOP_N_RECOMMENDATIONS == 10
    assert settings.MIN_INTERACTIONS_FOR_PERSONALIZED == 3
    assert settings.DB_POOL_MIN_SIZE == 10 and settings.DB_POOL_MAX_SIZE == 20
    assert settings.MODEL_PATH.name == "recommender.joblib"
    assert settings.INTERACTION_WEIGHTS == {"view": 1.0, "click": 2.0, "like": 2.5, "purchase": 3.0}


def _manage(extra_env: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_HTTPS"}}
    env.update({"RECENGINE_TESTING": "false", "RECENGINE_READ_DOTENV": "false", **extra_env})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    production = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 50 + "-Zq9", "DJANGO_HTTPS": "true"}

    result = _manage(production, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_about_plain_http():
    result = _manage({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k" * 50 + "-Zq9"},
                     "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_https_settings_redirect_everything_but_the_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600

    assert client.get("/healthz").status_code == 200
    redirected = client.get("/recommendations/1")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")
    secure = client.get("/healthz", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=3600"
