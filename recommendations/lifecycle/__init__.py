"""Models from data to service, and the jobs around them (each a task and a command, one function).

- ``training``: ``model_train`` writes one engine Artifact and a ModelVersion.
- ``registry``: ``model_version_activate`` (activate, roll back).
- ``guard``: ``guard_evaluate``, the retrain guard's holdout verdict.
- ``offline_evaluation``: ``manage.py evaluate`` (the same code as the guard).
- ``algorithms``: the algorithms by name, with tuned defaults (``build_model``).
- ``jobs``: retrain, precompute, artifact cleanup (locks, fan-out); ``popularity``: the hourly scores;
  ``exporting``: every user's list to CSV.
"""
