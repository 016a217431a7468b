"""What staff see of the recommender: the dashboard (/admin/dashboard/), the recommendations panel and
similar items on the accounts' and catalog's admin pages (``admin_extensions``), and the demo
storefront. Reads only; every list shown comes from serving."""
