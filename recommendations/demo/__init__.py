"""Demo data for ``make run`` and the benchmarks: ``demo.data`` makes users, items and interactions
with a known structure (``manage.py generate_demo_data``)."""
