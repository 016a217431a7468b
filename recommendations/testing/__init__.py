"""Test data the suites of every app share: factories, and small catalogs with interactions whose
right answers are known (clusters, groups). Here, at the top of the dependency graph, because they
build users, items and interactions together; app-independent helpers (servers, a Celery worker,
command runners) are in recengine/testing/."""
