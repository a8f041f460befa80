import pytest

from careers_tv import config


def test_embedded_defaults_need_no_service(tmp_path):
    settings = config.load({"CAREERS_TV_INSTANCE": str(tmp_path)})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'careers_tv.sqlite3'}"
    assert settings["STORAGE_URL"] == (tmp_path / "media").as_uri()
    assert settings["CELERY"]["broker_url"] == "filesystem://"
    options = settings["CELERY"]["broker_transport_options"]
    assert options["data_folder_in"] == options["data_folder_out"]
    assert (tmp_path / "broker" / "processed").is_dir()
    assert settings["X_API_BASE_URL"] == "https://api.x.com"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        config.load({"CAREERS_TV_ENV": "production", "CAREERS_TV_INSTANCE": str(tmp_path)})


def test_production_cookies_are_secure(tmp_path):
    settings = config.load({"CAREERS_TV_ENV": "production", "SECRET_KEY": "s" * 32,
                            "CAREERS_TV_INSTANCE": str(tmp_path)})
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]


def test_redis_visibility_timeout_outlasts_the_longest_task(tmp_path):
    settings = config.load({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                            "CAREERS_TV_INSTANCE": str(tmp_path)})
    timeout = settings["CELERY"]["broker_transport_options"]["visibility_timeout"]
    assert timeout > config.TRANSCODE_TIME_LIMIT > config.DEFAULT_TIME_LIMIT
    assert settings["CELERY"]["task_acks_late"] is True
    assert settings["CELERY"]["worker_prefetch_multiplier"] == 1
