"""Entry point. `python app.py` serves the embedded default (and starts a worker);
gunicorn and `flask --app app` use the `app` object."""

from careers_tv import create_app

app = create_app()

if __name__ == "__main__":
    from careers_tv.embedded import serve

    serve(app)
