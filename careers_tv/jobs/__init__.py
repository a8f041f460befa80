"""The job machinery: the ledger of `Job` rows, the registry of kinds, dispatch, Celery's app.
It knows kinds by name only; the work itself is careers_tv/handlers'."""
