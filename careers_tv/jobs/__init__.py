"""Background work: Celery tasks backed by `Job` rows, and the reconciler that repairs them."""
